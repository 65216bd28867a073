"""Request and response bodies of the maintenance endpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from commonhold.platform import examples
from commonhold.platform.recurrence import MAX_INTERVAL, Frequency, Mode
from commonhold.platform.schemas import (
    Name,
    RequestBody,
    ResponseBody,
    Version,
    VersionedUpdate,
)

LongText = Annotated[str, StringConstraints(max_length=10_000)]
# Dates a household plans with; far-off years only lead rules past the calendar's end.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Priority = Annotated[int, Field(ge=0, le=3, description="0 low, 1 medium, 2 high, 3 urgent.")]
Interval = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_INTERVAL,
        description="Every N units: weekly with 2 is every other week; custom_days with 10 is "
        "every 10 days.",
    ),
]
RecurrenceDay = Annotated[
    int,
    Field(
        ge=0,
        le=31,
        description="Weekly: the weekday, 0 (Monday) to 6 (Sunday). Monthly: the day of the "
        "month, 1 to 31; short months use their last day. Unset: the due date's.",
    ),
]
NotifyDays = Annotated[int, Field(ge=0, le=365, description="Remind this many days before.")]
Status = Literal["pending", "in_progress", "completed", "skipped"]


class TaskFields(RequestBody):
    description: LongText | None = None
    item_id: uuid.UUID | None = Field(default=None, description="An item of the same home.")
    room_id: uuid.UUID | None = Field(default=None, description="A room of the same home.")
    assigned_to: uuid.UUID | None = Field(default=None, description="A member of the home.")
    recurrence_day: RecurrenceDay | None = None
    recurrence_end_date: Day | None = Field(
        default=None, description="The last date it may fall on.", examples=["2030-12-31"]
    )


class TaskCreate(TaskFields):
    title: Name = Field(examples=["Change the furnace filter"])
    due_date: Day = Field(description="The first due date.", examples=["2026-01-15"])
    priority: Priority = 0
    recurrence: Frequency = Field(default=Frequency.NONE, examples=["monthly"])
    recurrence_interval: Interval = Field(default=1, examples=[3])
    recurrence_mode: Mode = Field(
        default=Mode.FIXED,
        description="fixed: due dates follow the calendar; rolling: the next one is due a "
        "period after the last was done.",
    )
    notify_days_before: NotifyDays = 1
    notify_day_of: bool = True


class TaskUpdate(TaskFields, VersionedUpdate):
    """Only the fields sent change. Changing the schedule replaces the open occurrences from
    today on; what was done stays in the history."""

    title: Name | None = None
    due_date: Day | None = None
    priority: Priority | None = None
    recurrence: Frequency | None = None
    recurrence_interval: Interval | None = None
    recurrence_mode: Mode | None = None
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
    completed_on: Day | None = Field(
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
