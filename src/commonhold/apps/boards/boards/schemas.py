"""Request and response bodies of the board, member, label and activity endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from commonhold.apps.boards import examples
from commonhold.platform import examples as platform_examples
from commonhold.platform.recurrence import Frequency
from commonhold.platform.schemas import Name, RequestBody, ResponseBody, Version, VersionedUpdate

Visibility = Literal["workspace", "private"]
BoardRole = Literal["admin", "member", "observer"]
Color = Annotated[str, StringConstraints(max_length=7, pattern=r"^#[0-9a-fA-F]{6}$")]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
LabelName = Annotated[str, StringConstraints(max_length=50)]


class BoardCreate(RequestBody):
    name: Name = Field(examples=[examples.BOARD_NAME])
    description: LongText | None = Field(
        default=None, examples=["Everything for the new site going live in October."]
    )
    background_color: Color | None = Field(default=None, examples=["#0079bf"])
    visibility: Visibility = Field(
        default="workspace",
        description="`workspace`: every member of the workspace sees it; `private`: only "
        "its members (and the workspace's owner and admins).",
        examples=["workspace"],
    )


class BoardUpdate(VersionedUpdate):
    name: Name | None = Field(default=None, examples=["Website relaunch 2026"])
    description: LongText | None = None
    background_color: Color | None = Field(default=None, examples=["#519839"])
    visibility: Visibility | None = Field(default=None, examples=["private"])
    archived: bool | None = Field(default=None, examples=[False])


class BoardRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.BOARD_ID])
    version: Version
    workspace_id: uuid.UUID = Field(examples=[examples.WORKSPACE_ID])
    name: str = Field(examples=[examples.BOARD_NAME])
    description: str | None
    background_color: str | None = Field(examples=["#0079bf"])
    visibility: Visibility
    archived: bool
    role: BoardRole = Field(description="The caller's role on this board.", examples=["admin"])
    created_by: uuid.UUID = Field(examples=[platform_examples.ADA_ID])
    created_at: datetime = Field(examples=[examples.CREATED_AT])
    updated_at: datetime


class BoardMemberCreate(RequestBody):
    user_id: uuid.UUID = Field(
        description="A member of the workspace.", examples=[platform_examples.GRACE_ID]
    )
    role: BoardRole = Field(default="member", examples=["member"])


class BoardMemberUpdate(RequestBody):
    role: BoardRole = Field(examples=["observer"])


class BoardMemberRead(ResponseBody):
    user_id: uuid.UUID = Field(examples=[platform_examples.GRACE_ID])
    display_name: str = Field(examples=[platform_examples.GRACE_NAME])
    role: BoardRole = Field(examples=["member"])
    version: Version
    joined_at: datetime = Field(examples=[platform_examples.JOINED_AT])


class LabelCreate(RequestBody):
    name: LabelName = Field(default="", examples=["Urgent"])
    color: Color = Field(examples=["#eb5a46"])


class LabelUpdate(RequestBody):
    name: LabelName | None = Field(default=None, examples=["Blocked"])
    color: Color | None = Field(default=None, examples=["#c377e0"])


class LabelRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.LABEL_ID])
    version: Version
    board_id: uuid.UUID = Field(examples=[examples.BOARD_ID])
    name: str = Field(examples=["Urgent"])
    color: str = Field(examples=["#eb5a46"])


class CardSummary(ResponseBody):
    """A card as the board shows it: enough for its tile."""

    id: uuid.UUID = Field(examples=[examples.CARD_ID])
    version: Version
    list_id: uuid.UUID = Field(examples=[examples.LIST_ID])
    title: str = Field(examples=["Write the press release"])
    position: str = Field(examples=[examples.POSITION])
    due_at: datetime | None = Field(examples=[examples.DUE_AT])
    label_ids: list[uuid.UUID] = Field(examples=[[examples.LABEL_ID]])
    assignee_ids: list[uuid.UUID] = Field(examples=[[platform_examples.GRACE_ID]])
    completed_at: datetime | None = Field(description="Null while the card is open.")
    recurrence: Frequency = Field(
        description="How often the card comes back once completed; `none` if it does not.",
        examples=["weekly"],
    )
    has_description: bool
    comment_count: int = Field(examples=[2])
    attachment_count: int = Field(
        description="Files attached, whatever their upload's status.", examples=[1]
    )
    checklist_total: int = Field(description="Checklist items, done or not.", examples=[4])
    checklist_done: int = Field(examples=[1])


class BoardViewList(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.LIST_ID])
    version: Version
    name: str = Field(examples=["Doing"])
    position: str = Field(examples=[examples.POSITION])
    cards: list[CardSummary] = Field(description="In their order.")


class BoardView(ResponseBody):
    """A whole board: its lists in order, each with its cards in order (archived ones left
    out), its labels and its members."""

    board: BoardRead
    lists: list[BoardViewList]
    labels: list[LabelRead]
    members: list[BoardMemberRead]


class ActivityRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.ACTIVITY_ID])
    board_id: uuid.UUID = Field(examples=[examples.BOARD_ID])
    card_id: uuid.UUID | None = Field(examples=[examples.CARD_ID])
    actor_id: uuid.UUID | None = Field(
        description="Null once the account is gone.", examples=[platform_examples.ADA_ID]
    )
    action: str = Field(examples=["card.moved"])
    data: dict[str, Any] = Field(
        examples=[{"from_list_id": examples.LIST_ID, "to_list_id": examples.OTHER_LIST_ID}]
    )
    created_at: datetime = Field(examples=[examples.CREATED_AT])
