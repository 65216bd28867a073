"""Every SQL statement of maintenance. Queries filter by home; RLS is the safety net."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Date,
    Row,
    Select,
    Time,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.models import CalendarFeed, Item, Room, Task, TaskInstance
from commonhold.platform.identity.models import User
from commonhold.platform.spaces.models import Space, SpaceMember

OPEN = ("pending", "in_progress")
CLOSED = ("completed", "skipped")
OccurrenceRow = Row[Task, str, TaskInstance | None]


# Tasks


async def task(
    session: AsyncSession, task_id: uuid.UUID, *, deleted: bool = False, lock: bool = False
) -> Task | None:
    """A task of a live home: not deleted (or only a deleted one, to restore it)."""
    statement = (
        select(Task)
        .join(Space, Space.id == Task.space_id)
        .where(
            Task.id == task_id,
            Space.deleted_at.is_(None),
            Task.deleted_at.is_not(None) if deleted else Task.deleted_at.is_(None),
        )
    )
    if lock:
        statement = statement.with_for_update(of=Task).execution_options(populate_existing=True)
    return await session.scalar(statement)


async def count_tasks(session: AsyncSession, home_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.count()).where(Task.space_id == home_id, Task.deleted_at.is_(None))
        )
        or 0
    )


async def has_room(session: AsyncSession, home_id: uuid.UUID, room_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Room.id == room_id, Room.space_id == home_id, Room.deleted_at.is_(None)
                )
            )
        )
    )


async def has_item(session: AsyncSession, home_id: uuid.UUID, item_id: uuid.UUID) -> bool:
    """Whether the home has this item, and neither it nor its room is deleted."""
    return bool(
        await session.scalar(
            select(
                exists()
                .where(Item.id == item_id, Item.space_id == home_id, Item.deleted_at.is_(None))
                .where(Room.id == Item.room_id, Room.deleted_at.is_(None))
            )
        )
    )


def _overdue(today: date) -> ColumnElement[bool]:
    """Active, with an occurrence still open that was due before ``today``."""
    return and_(
        Task.is_active,
        exists().where(
            TaskInstance.task_id == Task.id,
            TaskInstance.status.in_(OPEN),
            TaskInstance.due_date < today,
        ),
    )


def tasks_of_home(
    home_id: uuid.UUID,
    *,
    room_id: uuid.UUID | None,
    assigned_to: uuid.UUID | None,
    overdue_on: date | None,
    deleted: bool,
) -> Select[Task]:
    statement = select(Task).where(
        Task.space_id == home_id,
        Task.deleted_at.is_not(None) if deleted else Task.deleted_at.is_(None),
    )
    if room_id is not None:
        statement = statement.where(Task.room_id == room_id)
    if assigned_to is not None:
        statement = statement.where(Task.assigned_to == assigned_to)
    if overdue_on is not None:
        statement = statement.where(_overdue(overdue_on))
    return statement


def tasks_of_room(room: Room, overdue_on: date | None) -> Select[Task]:
    """Tasks of the room itself or of a live item in it."""
    items = select(Item.id).where(Item.room_id == room.id, Item.deleted_at.is_(None))
    statement = select(Task).where(
        Task.space_id == room.space_id,
        Task.deleted_at.is_(None),
        or_(Task.room_id == room.id, Task.item_id.in_(items)),
    )
    return statement.where(_overdue(overdue_on)) if overdue_on is not None else statement


# Occurrences


async def instance(
    session: AsyncSession, instance_id: uuid.UUID, *, lock: bool = False
) -> TaskInstance | None:
    """An occurrence of a live task in a live home."""
    statement = (
        select(TaskInstance)
        .join(Task, Task.id == TaskInstance.task_id)
        .join(Space, Space.id == TaskInstance.space_id)
        .where(
            TaskInstance.id == instance_id,
            Task.deleted_at.is_(None),
            Space.deleted_at.is_(None),
        )
    )
    if lock:
        statement = statement.with_for_update(of=TaskInstance).execution_options(
            populate_existing=True
        )
    return await session.scalar(statement)


async def earliest_open_before(
    session: AsyncSession, task_id: uuid.UUID, day: date
) -> TaskInstance | None:
    """The task's earliest occurrence still open and due before ``day``."""
    return await session.scalar(
        select(TaskInstance)
        .where(
            TaskInstance.task_id == task_id,
            TaskInstance.status.in_(OPEN),
            TaskInstance.due_date < day,
        )
        .order_by(TaskInstance.due_date)
        .limit(1)
    )


async def earliest_open_due(session: AsyncSession, task_id: uuid.UUID) -> date | None:
    return await session.scalar(
        select(func.min(TaskInstance.due_date)).where(
            TaskInstance.task_id == task_id, TaskInstance.status.in_(OPEN)
        )
    )


async def instance_summary(session: AsyncSession, task_id: uuid.UUID) -> tuple[date | None, bool]:
    """The latest due date of the task's occurrences, and whether any is still open."""
    row = (
        await session.execute(
            select(
                func.max(TaskInstance.due_date),
                func.coalesce(func.bool_or(TaskInstance.status.in_(OPEN)), False),
            ).where(TaskInstance.task_id == task_id)
        )
    ).one()
    return row[0], bool(row[1])


async def delete_open_instances(
    session: AsyncSession, task_id: uuid.UUID, due_from: date | None
) -> None:
    """Drop the task's open occurrences (from ``due_from`` on, or all); history stays."""
    statement = delete(TaskInstance).where(
        TaskInstance.task_id == task_id, TaskInstance.status.in_(OPEN)
    )
    if due_from is not None:
        statement = statement.where(TaskInstance.due_date >= due_from)
    await session.execute(statement.execution_options(synchronize_session=False))


def instances_of_task(task_id: uuid.UUID) -> Select[TaskInstance]:
    return select(TaskInstance).where(TaskInstance.task_id == task_id)


def _occurrence_rows(
    scope: ColumnElement[bool], instances_on: ColumnElement[bool], end: date
) -> Select[Task, str, TaskInstance | None]:
    """Live tasks in ``scope`` with their home's name: once per stored occurrence matching
    ``instances_on``, and once more without one when occurrences up to ``end`` may still be
    unstored (see generation.unstored)."""
    rolling_ahead = and_(
        Task.recurrence_mode == "rolling",
        Task.recurrence != "none",
        Task.next_due_date < end,
    )
    may_have_unstored = and_(
        Task.is_active,
        or_(Task.generated_through.is_(None), Task.generated_through < end, rolling_ahead),
    )
    return (
        select(Task, Space.name, TaskInstance)
        .join(Space, Space.id == Task.space_id)
        .outerjoin(TaskInstance, and_(TaskInstance.task_id == Task.id, instances_on))
        .where(
            scope,
            Task.deleted_at.is_(None),
            Space.deleted_at.is_(None),
            or_(TaskInstance.id.is_not(None), may_have_unstored),
        )
    )


async def home_occurrence_rows(
    session: AsyncSession, home_id: uuid.UUID, start: date, end: date
) -> Sequence[OccurrenceRow]:
    statement = _occurrence_rows(
        Task.space_id == home_id, TaskInstance.due_date.between(start, end), end
    )
    return (await session.execute(statement)).all()


async def agenda_rows(
    session: AsyncSession, user_id: uuid.UUID, end: date
) -> Sequence[OccurrenceRow]:
    """Across every home of the user: active tasks with their open occurrences due by
    ``end``, overdue ones included."""
    homes = select(SpaceMember.space_id).where(SpaceMember.user_id == user_id)
    statement = _occurrence_rows(
        and_(Task.space_id.in_(homes), Task.is_active),
        and_(TaskInstance.status.in_(OPEN), TaskInstance.due_date <= end),
        end,
    )
    return (await session.execute(statement)).all()


# Bulk generation


@dataclass(frozen=True)
class GenerationRow:
    id: uuid.UUID
    space_id: uuid.UUID
    recurrence: str
    recurrence_mode: str
    recurrence_interval: int
    recurrence_day: int | None
    starts_on: date
    recurrence_end_date: date | None
    generated_through: date
    next_due_date: date | None


@dataclass
class NewInstances:
    """Occurrences to store, as the columns of one INSERT."""

    space_ids: list[uuid.UUID] = field(default_factory=list)
    task_ids: list[uuid.UUID] = field(default_factory=list)
    due_dates: list[date] = field(default_factory=list)

    def add(self, space_id: uuid.UUID, task_id: uuid.UUID, dates: Sequence[date]) -> None:
        self.space_ids += [space_id] * len(dates)
        self.task_ids += [task_id] * len(dates)
        self.due_dates += dates


@dataclass
class Advances:
    """New ``generated_through`` and ``next_due_date`` of tasks, as the columns of one UPDATE."""

    task_ids: list[uuid.UUID] = field(default_factory=list)
    throughs: list[date] = field(default_factory=list)
    next_dues: list[date | None] = field(default_factory=list)

    def add(self, task_id: uuid.UUID, through: date, next_due: date | None) -> None:
        self.task_ids.append(task_id)
        self.throughs.append(through)
        self.next_dues.append(next_due)


_INSERT_INSTANCES = text(
    "INSERT INTO homes.task_instances (id, space_id, task_id, due_date) "
    "SELECT gen_random_uuid(), new.space_id, new.task_id, new.due_date "
    "FROM unnest(CAST(:space_ids AS uuid[]), CAST(:task_ids AS uuid[]), "
    "CAST(:due_dates AS date[])) AS new (space_id, task_id, due_date) "
    "ON CONFLICT ON CONSTRAINT uq_task_instances_task_due DO NOTHING"
)
# System bookkeeping, not a change by anyone: updated_at stays; and where only
# generated_through moves (hidden from sync), the version stays and nothing is logged.
_ADVANCE_TASKS = text(
    "UPDATE homes.tasks AS t SET generated_through = a.through, next_due_date = a.next_due "
    "FROM unnest(CAST(:task_ids AS uuid[]), CAST(:throughs AS date[]), "
    "CAST(:next_dues AS date[])) AS a (id, through, next_due) "
    "WHERE t.id = a.id"
)
# A task inserted without it has no occurrence yet: generate from its first due date.
_START_NEVER_GENERATED = text(
    "UPDATE homes.tasks SET generated_through = starts_on - 1 "
    "WHERE generated_through IS NULL AND is_active AND deleted_at IS NULL"
)


async def insert_instances(session: AsyncSession, new: NewInstances) -> int:
    """Store occurrences in one statement, skipping dates a task already has; returns how
    many were created."""
    if not new.due_dates:
        return 0
    result = await session.execute(
        _INSERT_INSTANCES,
        {"space_ids": new.space_ids, "task_ids": new.task_ids, "due_dates": new.due_dates},
    )
    return int(cast(CursorResult[Any], result).rowcount)


async def advance_tasks(session: AsyncSession, advances: Advances) -> None:
    await session.execute(
        _ADVANCE_TASKS,
        {
            "task_ids": advances.task_ids,
            "throughs": advances.throughs,
            "next_dues": advances.next_dues,
        },
    )


async def start_never_generated(session: AsyncSession) -> None:
    await session.execute(_START_NEVER_GENERATED)


async def generation_batch(
    session: AsyncSession, until: date, after: tuple[date, uuid.UUID] | None, size: int
) -> list[GenerationRow]:
    """The next active tasks, in (generated_through, id) order, whose occurrences are not
    stored up to ``until``; locked, skipping any locked by someone else."""
    statement = (
        select(
            Task.id,
            Task.space_id,
            Task.recurrence,
            Task.recurrence_mode,
            Task.recurrence_interval,
            Task.recurrence_day,
            Task.starts_on,
            Task.recurrence_end_date,
            Task.generated_through,
            Task.next_due_date,
        )
        .where(Task.is_active, Task.deleted_at.is_(None), Task.generated_through < until)
        .order_by(Task.generated_through, Task.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    if after is not None:
        statement = statement.where(tuple_(Task.generated_through, Task.id) > tuple_(*after))
    rows = await session.execute(statement)
    return [GenerationRow(**row._mapping) for row in rows]


# Calendar feeds


async def replace_feed(
    session: AsyncSession, home_id: uuid.UUID, user_id: uuid.UUID, token_hash: str
) -> None:
    """The member's one feed of the home, with a new token."""
    await session.execute(
        insert(CalendarFeed)
        .values(id=uuid.uuid4(), space_id=home_id, user_id=user_id, token_hash=token_hash)
        .on_conflict_do_update(
            constraint="uq_calendar_feeds_space_user",
            set_={"token_hash": token_hash, "created_at": func.now()},
        )
    )


async def delete_feed(session: AsyncSession, home_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(CalendarFeed).where(
            CalendarFeed.space_id == home_id, CalendarFeed.user_id == user_id
        )
    )
    return bool(cast(CursorResult[Any], result).rowcount)


async def feed_member(session: AsyncSession, token_hash: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The home and member a feed token opens, while the holder is still a member."""
    row = (
        await session.execute(
            text("SELECT space_id, user_id FROM homes.calendar_feed_member(:token_hash)"),
            {"token_hash": token_hash},
        )
    ).first()
    return (row[0], row[1]) if row else None


async def home_name(session: AsyncSession, home_id: uuid.UUID) -> str | None:
    return await session.scalar(
        select(Space.name).where(Space.id == home_id, Space.deleted_at.is_(None))
    )


# Reminders (system role: across every home)


@dataclass(frozen=True)
class DueReminder:
    instance_id: uuid.UUID
    space_id: uuid.UUID
    task_id: uuid.UUID
    task: str
    home: str
    room: str | None
    due_date: date
    user_id: uuid.UUID
    local_today: date


async def due_reminders(session: AsyncSession, send_from: time) -> list[DueReminder]:
    """Each (open occurrence, person) owed a reminder now: due today (when the task says
    ``notify_day_of``) or in ``notify_days_before`` days, by the person's own calendar, once
    their clock has passed ``send_from``. The person is the assignee if still a member, else
    every member of the home."""
    local_now = func.timezone(User.timezone, func.now())
    local_today = sql_cast(local_now, Date)
    statement = (
        select(
            TaskInstance.id,
            TaskInstance.space_id,
            Task.id,
            Task.title,
            Space.name,
            Room.name,
            TaskInstance.due_date,
            SpaceMember.user_id,
            local_today,
        )
        .join(Task, Task.id == TaskInstance.task_id)
        .join(Space, Space.id == TaskInstance.space_id)
        .outerjoin(Room, Room.id == Task.room_id)
        .join(SpaceMember, SpaceMember.space_id == TaskInstance.space_id)
        .join(User, User.id == SpaceMember.user_id)
        .where(
            TaskInstance.status.in_(OPEN),
            Task.is_active,
            Task.deleted_at.is_(None),
            Space.deleted_at.is_(None),
            User.is_active,
            or_(Task.assigned_to.is_(None), Task.assigned_to == SpaceMember.user_id),
            # Within a day of the server's date either side, whatever the person's timezone:
            # lets the due-date index narrow the scan before the per-person test.
            TaskInstance.due_date.between(
                func.current_date() - 1, func.current_date() + 1 + Task.notify_days_before
            ),
            sql_cast(local_now, Time) >= send_from,
            or_(
                and_(Task.notify_day_of, TaskInstance.due_date == local_today),
                and_(
                    Task.notify_days_before > 0,
                    TaskInstance.due_date == local_today + Task.notify_days_before,
                ),
            ),
        )
    )
    return [DueReminder(*row) for row in await session.execute(statement)]


async def assignment_details(
    session: AsyncSession, task_id: uuid.UUID
) -> Row[Task, str, str | None] | None:
    """A task with its home's and room's names, unless deleted."""
    statement = (
        select(Task, Space.name, Room.name)
        .join(Space, Space.id == Task.space_id)
        .outerjoin(Room, Room.id == Task.room_id)
        .where(Task.id == task_id, Task.deleted_at.is_(None), Space.deleted_at.is_(None))
    )
    return (await session.execute(statement)).first()
