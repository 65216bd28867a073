from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from commonhold.platform import examples
from commonhold.platform.schemas import Email, Name, RequestBody, ResponseBody

SpaceKind = Literal["home", "building", "team", "workspace", "organization"]
Role = Literal["owner", "admin", "editor", "viewer"]
InvitableRole = Literal["admin", "editor", "viewer"]


class SpaceCreate(RequestBody):
    kind: SpaceKind = Field(examples=["home"])
    name: Name = Field(examples=[examples.SPACE_NAME])


class SpaceUpdate(RequestBody):
    name: Name = Field(examples=[examples.SPACE_NAME])


class SpaceRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.SPACE_ID])
    kind: SpaceKind = Field(examples=["home"])
    name: str = Field(examples=[examples.SPACE_NAME])
    role: Role = Field(description="The caller's role in this space.", examples=["owner"])
    created_at: datetime = Field(examples=[examples.SIGNED_UP_AT])


class MemberRead(ResponseBody):
    user_id: uuid.UUID = Field(examples=[examples.GRACE_ID])
    email: str = Field(examples=[examples.GRACE_EMAIL])
    display_name: str = Field(examples=[examples.GRACE_NAME])
    role: Role = Field(examples=["editor"])
    joined_at: datetime = Field(examples=[examples.JOINED_AT])


class MemberUpdate(RequestBody):
    role: InvitableRole = Field(
        description="Ownership moves only by transfer.", examples=["editor"]
    )


class OwnershipTransfer(RequestBody):
    user_id: uuid.UUID = Field(
        description="A current member who becomes the owner; you become admin.",
        examples=[examples.GRACE_ID],
    )


class InvitationCreate(RequestBody):
    email: Email = Field(examples=[examples.GRACE_EMAIL])
    role: InvitableRole = Field(default="editor", examples=["editor"])


class InvitationRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.INVITATION_ID])
    space_id: uuid.UUID = Field(examples=[examples.SPACE_ID])
    email: str = Field(examples=[examples.GRACE_EMAIL])
    role: InvitableRole = Field(examples=["editor"])
    status: Literal["pending", "accepted", "declined", "revoked"] = Field(examples=["pending"])
    expires_at: datetime = Field(examples=[examples.INVITATION_EXPIRES_AT])
    created_at: datetime = Field(examples=[examples.INVITED_AT])


class InvitationPreview(ResponseBody):
    """What the holder of an invitation link sees before accepting."""

    space_id: uuid.UUID = Field(examples=[examples.SPACE_ID])
    space_name: str = Field(examples=[examples.SPACE_NAME])
    space_kind: SpaceKind = Field(examples=["home"])
    role: InvitableRole = Field(examples=["editor"])
    invited_by: str = Field(examples=[examples.ADA_NAME])
    expires_at: datetime = Field(examples=[examples.INVITATION_EXPIRES_AT])
