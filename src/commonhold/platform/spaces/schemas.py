from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from commonhold.platform.schemas import Email, Name, RequestBody, ResponseBody

SpaceKind = Literal["home", "building", "team", "workspace", "organization"]
Role = Literal["owner", "admin", "editor", "viewer"]
InvitableRole = Literal["admin", "editor", "viewer"]


class SpaceCreate(RequestBody):
    kind: SpaceKind = Field(examples=["home"])
    name: Name = Field(examples=["Maple Street house"])


class SpaceUpdate(RequestBody):
    name: Name = Field(examples=["Maple Street house"])


class SpaceRead(ResponseBody):
    id: uuid.UUID
    kind: SpaceKind
    name: str
    role: Role = Field(description="The caller's role in this space.")
    created_at: datetime


class MemberRead(ResponseBody):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: Role
    joined_at: datetime


class MemberUpdate(RequestBody):
    role: InvitableRole = Field(
        description="Ownership moves only by transfer.", examples=["editor"]
    )


class OwnershipTransfer(RequestBody):
    user_id: uuid.UUID = Field(
        description="A current member who becomes the owner; you become admin."
    )


class InvitationCreate(RequestBody):
    email: Email = Field(examples=["grace@example.com"])
    role: InvitableRole = Field(default="editor", examples=["editor"])


class InvitationRead(ResponseBody):
    id: uuid.UUID
    space_id: uuid.UUID
    email: str
    role: InvitableRole
    status: Literal["pending", "accepted", "declined", "revoked"]
    expires_at: datetime
    created_at: datetime


class InvitationPreview(ResponseBody):
    """What the holder of an invitation link sees before accepting."""

    space_id: uuid.UUID
    space_name: str
    space_kind: SpaceKind
    role: InvitableRole
    invited_by: str
    expires_at: datetime
