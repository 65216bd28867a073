"""Request and response bodies of the maintenance endpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from commonhold.platform import examples
from commonhold.platform.recurrence import Frequency, Mode
from commonhold.platform.schemas import (
    Name,
    PlannedDay,
    RecurrenceChange,
    RecurrenceSetting,
    RequestBody,
    ResponseBody,
    Version,
    VersionedUpdate,
)

LongText = Annotated[str, StringConstraints(max_length=10_000)]
Priority = Annotated[int, Field(ge=0, le=3, description="0 low, 1 medium, 2 high, 3 urgent.")]
NotifyDays = Annotated[int, Field(ge=0, le=365, description="Remind this many days before.")]
Status = Literal["pending", "in_progress", "completed", "skipped"]


class TaskFields(RequestBody):
    description: LongText | None = None
    item_id: uuid.UUID | None = Field(default=None, description="An item of the same home.")
    room_id: uuid.UUID | None = Field(default=None, description="A room of the same home.")
    assigned_to: uuid.UUID | None = Field(default=None, description="A member of the home.")


class TaskCreate(TaskFields, RecurrenceSetting):
    title: Name = Field(examples=["Change the furnace filter"])
    due_date: PlannedDay = Field(description="The first due date.", examples=["2026-01-15"])
    priority: Priority = 0
    notify_days_before: NotifyDays = 1
    notify_day_of: bool = True


class TaskUpdate(TaskFields, RecurrenceChange, VersionedUpdate):
    """Only the fields sent change. Changing the schedule replaces the open occurrences from
    today on; what was done stays in the history."""

    title: Name | None = None
    due_date: PlannedDay | None = None
    priority: Priority | None = None
    notify_days_before: NotifyDays | None = None
    notify_day_of: bool | None = None


class TaskRead(ResponseBody):
    id: uuid.UUID
    version: Version
    home_id: uuid.UUID = Field(validation_alias="space_id")
    title: str = Field(examples=["Change the furnace filter"])
    description: str | None
    priority: int
    item_id: uuid.UUID | None
    room_id: uuid.UUID | None
    assigned_to: uuid.UUID | None
    due_date: date = Field(
        validation_alias="starts_on", description="The first due date.", examples=["2026-01-15"]
    )
    recurrence: Frequency
    recurrence_interval: int
    recurrence_day: int | None
    recurrence_end_date: date | None
    recurrence_mode: Mode
    notify_days_before: int
    notify_day_of: bool
    next_due_date: date | None = Field(
        description="The earliest open occurrence; null once nothing is left to do."
    )
    is_active: bool = Field(description="False while paused.")
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class InstanceRead(ResponseBody):
    id: uuid.UUID
    version: Version
    task_id: uuid.UUID
    home_id: uuid.UUID = Field(validation_alias="space_id")
    due_date: date = Field(examples=["2026-04-15"])
    status: Status
    completed_by: uuid.UUID | None = Field(description="Who completed or skipped it.")
    completed_at: datetime | None
    notes: str | None = Field(examples=["Used a MERV 11 filter"])
    created_at: datetime


class InstanceComplete(RequestBody):
    notes: LongText | None = Field(default=None, examples=["Used a MERV 11 filter"])
    completed_on: PlannedDay | None = Field(
        default=None,
        description="When it was done; today (in your time zone) if unset. Not in the future.",
    )


class InstanceSkip(RequestBody):
    notes: LongText | None = Field(default=None, examples=["Away that week"])


class Occurrence(ResponseBody):
    """A date a task falls on: stored (with its instance) or computed ahead of time."""

    task_id: uuid.UUID
    instance_id: uuid.UUID | None = Field(
        description="Null for an occurrence not yet stored; it cannot be completed yet."
    )
    home_id: uuid.UUID
    title: str = Field(examples=["Change the furnace filter"])
    due_date: date
    status: Status
    priority: int
    assigned_to: uuid.UUID | None
    room_id: uuid.UUID | None
    item_id: uuid.UUID | None


class AgendaEntry(ResponseBody):
    home_id: uuid.UUID
    home_name: str = Field(examples=["Maple Street house"])
    task_id: uuid.UUID
    title: str = Field(examples=["Test the smoke detectors"])
    instance_id: uuid.UUID | None = Field(description="Null for an occurrence not yet stored.")
    due_date: date
    status: Status
    assigned_to: uuid.UUID | None
    overdue: bool = Field(description="Still open and due before today.")


class CalendarFeedRead(ResponseBody):
    url: str = Field(
        description="A private link any calendar app can subscribe to; keep it secret. "
        "Creating a new one revokes the previous link.",
        examples=[
            f"https://commonhold.example/api/v1/homes/{examples.SPACE_ID}/calendar.ics"
            "?token=q2V8rJ0xWmT5nKc3LbY7dP1sHf9gAe4uZo6iNw_Rj-E"
        ],
    )
