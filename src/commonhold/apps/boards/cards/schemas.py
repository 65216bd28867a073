"""Request and response bodies of the list, card and checklist endpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from commonhold.apps.boards import examples
from commonhold.platform import examples as platform_examples
from commonhold.platform.recurrence import Frequency, Mode
from commonhold.platform.schemas import (
    MaxTextLength,
    Name,
    RecurrenceChange,
    RecurrenceSetting,
    RequestBody,
    ResponseBody,
    TimeZoneName,
    Version,
    VersionedUpdate,
)

Title = Annotated[str, StringConstraints(min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
MAX_INDEX = 100_000
# A moment with its offset and fraction of a second fits in 40 characters.
DueAt = Annotated[AwareDatetime, MaxTextLength(40)]
_RECURRENCE_TIMEZONE = (
    "Where the card's due time is kept when it comes back: due at 09:00 there, it is due at "
    "09:00 there next time, summer or winter. Unset: yours."
)


class Placement(RequestBody):
    """Where a list or card goes: right before one neighbour, right after one, or at an index
    of what the board shows; nothing named puts it last."""

    before_id: uuid.UUID | None = Field(
        default=None, description="Goes right before this one.", examples=[examples.OTHER_CARD_ID]
    )
    after_id: uuid.UUID | None = Field(default=None, description="Goes right after this one.")
    index: int | None = Field(
        default=None,
        ge=0,
        le=MAX_INDEX,
        description="Goes at this index among the ones not archived (0 is first; past the "
        "end is last).",
    )

    @model_validator(mode="after")
    def _one_anchor(self) -> Placement:
        named = [v for v in (self.before_id, self.after_id, self.index) if v is not None]
        if len(named) > 1:
            raise ValueError("name at most one of before_id, after_id and index")
        return self


class ListCreate(RequestBody):
    name: Name = Field(examples=["Doing"])


class ListUpdate(VersionedUpdate):
    name: Name | None = Field(default=None, examples=["In progress"])
    archived: bool | None = Field(default=None, examples=[False])


class ListMove(Placement):
    pass


class ListRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.LIST_ID])
    version: Version
    board_id: uuid.UUID = Field(examples=[examples.BOARD_ID])
    name: str = Field(examples=["Doing"])
    position: str = Field(
        description="Order key: lists sort by it, byte by byte.", examples=[examples.POSITION]
    )
    archived: bool
    created_at: datetime = Field(examples=[examples.CREATED_AT])
    updated_at: datetime


class CardCreate(RecurrenceSetting):
    """A recurring card (``recurrence`` other than ``none``) needs a due time: completing it
    moves the due time to the rule's next date instead of closing the card."""

    title: Title = Field(examples=["Write the press release"])
    description: LongText | None = Field(
        default=None, description=examples.MENTIONS, examples=["Quote from the CEO."]
    )
    due_at: DueAt | None = Field(default=None, examples=[examples.DUE_AT])
    recurrence_timezone: TimeZoneName | None = Field(
        default=None, description=_RECURRENCE_TIMEZONE, examples=["Europe/Berlin"]
    )


class CardUpdate(RecurrenceChange, VersionedUpdate):
    """Only the fields sent change. A new due time, or a new rule, starts the rule anew from
    the due time."""

    title: Title | None = Field(default=None, examples=["Write and send the press release"])
    description: LongText | None = Field(default=None, description=examples.MENTIONS)
    due_at: DueAt | None = Field(default=None, examples=[examples.DUE_AT])
    archived: bool | None = Field(default=None, examples=[False])
    recurrence_timezone: TimeZoneName | None = Field(
        default=None, description=_RECURRENCE_TIMEZONE, examples=["Europe/Berlin"]
    )


class CardMove(Placement):
    list_id: uuid.UUID | None = Field(
        default=None,
        description="The list it goes to, of the same board; omitted: its own list.",
        examples=[examples.OTHER_LIST_ID],
    )


class CardRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.CARD_ID])
    version: Version
    board_id: uuid.UUID = Field(examples=[examples.BOARD_ID])
    list_id: uuid.UUID = Field(examples=[examples.LIST_ID])
    title: str = Field(examples=["Write the press release"])
    description: str | None
    due_at: datetime | None = Field(examples=[examples.DUE_AT])
    position: str = Field(
        description="Order key: cards sort by it within their list, byte by byte.",
        examples=[examples.POSITION],
    )
    archived: bool
    label_ids: list[uuid.UUID] = Field(examples=[[examples.LABEL_ID]])
    assignee_ids: list[uuid.UUID] = Field(examples=[[platform_examples.GRACE_ID]])
    completed_at: datetime | None = Field(
        description="When it was completed; null while open. A recurring card never stays "
        "completed while its rule has dates left."
    )
    recurrence: Frequency = Field(examples=["weekly"])
    recurrence_interval: int = Field(examples=[1])
    recurrence_day: int | None
    recurrence_end_date: date | None
    recurrence_mode: Mode
    recurrence_timezone: str | None = Field(
        description="Set on recurring cards.", examples=["Europe/Berlin"]
    )
    created_by: uuid.UUID = Field(examples=[platform_examples.ADA_ID])
    created_at: datetime = Field(examples=[examples.CREATED_AT])
    updated_at: datetime


class AssigneeAdd(RequestBody):
    user_id: uuid.UUID = Field(
        description="Someone who can see the board.", examples=[platform_examples.GRACE_ID]
    )


class CardLabelAdd(RequestBody):
    label_id: uuid.UUID = Field(
        description="One of the board's labels.", examples=[examples.LABEL_ID]
    )


class ChecklistCreate(RequestBody):
    title: Name = Field(examples=["Before sending"])


class ChecklistUpdate(RequestBody):
    title: Name = Field(examples=["Before publishing"])


class ChecklistItemCreate(RequestBody):
    text: Title = Field(examples=["Legal has read it"])


class ChecklistItemUpdate(RequestBody):
    text: Title | None = Field(default=None, examples=["Legal and marketing have read it"])
    done: bool | None = Field(default=None, examples=[True])


class ChecklistItemRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.CHECKLIST_ITEM_ID])
    version: Version
    checklist_id: uuid.UUID = Field(examples=[examples.CHECKLIST_ID])
    text: str = Field(examples=["Legal has read it"])
    done: bool = Field(examples=[False])
    created_at: datetime = Field(examples=[examples.CREATED_AT])


class ChecklistRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.CHECKLIST_ID])
    version: Version
    card_id: uuid.UUID = Field(examples=[examples.CARD_ID])
    title: str = Field(examples=["Before sending"])
    items: list[ChecklistItemRead] = Field(default_factory=list, description="Oldest first.")
    created_at: datetime = Field(examples=[examples.CREATED_AT])


class CardDetail(CardRead):
    """A card with its checklists and their items."""

    checklists: list[ChecklistRead] = Field(default_factory=list, description="Oldest first.")
