"""Maintenance rules: tasks, their occurrences, who may change them, and what a plan allows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.access import access_home, today_for
from commonhold.apps.homes.errors import (
    AssigneeNotMember,
    CompletionInFuture,
    InstanceAlreadyClosed,
    InstanceNotFound,
    InvalidDateRange,
    NotDeleted,
    RoomNotFound,
    TaskNotFound,
    UnknownItem,
    UnknownRoom,
)
from commonhold.apps.homes.events import InstanceClosed, TaskAssigned
from commonhold.apps.homes.inventory import repository as inventory_repo
from commonhold.apps.homes.maintenance import repository as repo
from commonhold.apps.homes.maintenance.generation import (
    DAY,
    END_OF_TIME,
    HORIZON_DAYS,
    extend,
    is_single_open,
    rule_of,
    unstored,
)
from commonhold.apps.homes.maintenance.schemas import (
    AgendaEntry,
    InstanceComplete,
    InstanceRead,
    InstanceSkip,
    Occurrence,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)
from commonhold.apps.homes.models import Task, TaskInstance
from commonhold.platform import audit
from commonhold.platform.authz import AuthSubject, Permission
from commonhold.platform.billing import limits
from commonhold.platform.db.base import utcnow
from commonhold.platform.errors import InvalidRequest
from commonhold.platform.events import publish
from commonhold.platform.identity import repository as identity_repo
from commonhold.platform.pagination import Page, paginate
from commonhold.platform.recurrence import Frequency, Mode, Recurrence, checked
from commonhold.platform.spaces import repository as spaces_repo
from commonhold.platform.sync.merge import note_overwrites

WRITE = Permission.CONTENT_WRITE
MAX_RANGE_DAYS = 366
# Fields a task always has: an update may change them but not clear them.
REQUIRED = frozenset(
    {
        "title",
        "due_date",
        "priority",
        "recurrence",
        "recurrence_interval",
        "recurrence_mode",
        "notify_days_before",
        "notify_day_of",
    }
)


async def _record(
    session: AsyncSession,
    subject: AuthSubject,
    action: str,
    target: Task | TaskInstance,
    details: dict[str, Any] | None = None,
) -> None:
    await audit.record(
        session,
        action,
        actor_id=subject.user_id,
        space_id=target.space_id,
        target_type="task" if isinstance(target, Task) else "task_instance",
        target_id=target.id,
        details=details,
    )


# Tasks


async def _task(
    session: AsyncSession,
    subject: AuthSubject,
    task_id: uuid.UUID,
    permission: Permission = Permission.CONTENT_READ,
    *,
    deleted: bool = False,
    lock: bool = False,
) -> Task:
    """A task the caller may see (404 otherwise), checked for ``permission`` in its home."""
    task = await repo.task(session, task_id, deleted=deleted, lock=lock)
    if task is None:
        if deleted and await repo.task(session, task_id) is not None:
            raise NotDeleted()
        raise TaskNotFound()
    await access_home(session, subject, task.space_id, permission)
    return task


def _valid_rule(task: Task) -> Recurrence:
    return checked(rule_of(task))


async def _check_links(
    session: AsyncSession, home_id: uuid.UUID, fields: Mapping[str, Any]
) -> None:
    """The room, item and assignee being set must belong to the home."""
    if fields.get("room_id") and not await repo.has_room(session, home_id, fields["room_id"]):
        raise UnknownRoom()
    if fields.get("item_id") and not await repo.has_item(session, home_id, fields["item_id"]):
        raise UnknownItem()
    assignee = fields.get("assigned_to")
    if assignee and await spaces_repo.member(session, home_id, assignee) is None:
        raise AssigneeNotMember()


async def _ensure_room_for_task(session: AsyncSession, home_id: uuid.UUID) -> None:
    await limits.ensure_room_for(
        session,
        await limits.tier_of_space(session, home_id),
        "home.tasks",
        await repo.count_tasks(session, home_id),
    )


async def _dates_to_store(
    session: AsyncSession, task: Task, rule: Recurrence, today: date
) -> tuple[list[date], date]:
    """The occurrences to store from today on, and the new ``generated_through``.

    A task with no occurrence yet also gets its first due date, even a past one: it was due
    then. Earlier gaps (while paused, say) are not filled in.
    """
    if rule.frequency is Frequency.NONE:
        return [rule.starts_on], END_OF_TIME
    latest, has_open = await repo.instance_summary(session, task.id)
    first = rule.first()
    if rule.mode is Mode.ROLLING:
        if has_open:
            return [], END_OF_TIME
        upcoming = first if latest is None else rule.next_after(max(latest, today - DAY))
        return [upcoming] if upcoming else [], END_OF_TIME
    extension = extend(rule, max(today, rule.starts_on) - DAY, today + timedelta(days=HORIZON_DAYS))
    missed = [first] if latest is None and first is not None and first < today else []
    return missed + extension.dates, extension.through


async def _next_due(session: AsyncSession, task: Task, rule: Recurrence) -> date | None:
    """The earliest open occurrence, else the next one not stored yet, else none."""
    pending = await repo.earliest_open_due(session, task.id)
    through = task.generated_through
    if pending is not None or not task.is_active or through is None or through == END_OF_TIME:
        return pending
    return rule.next_after(through)


async def _plan(session: AsyncSession, task: Task, rule: Recurrence, today: date) -> None:
    """Store the task's coming occurrences (if it is active) and set its next due date."""
    if task.is_active:
        dates, task.generated_through = await _dates_to_store(session, task, rule, today)
        new = repo.NewInstances()
        new.add(task.space_id, task.id, dates)
        await repo.insert_instances(session, new)
    task.next_due_date = await _next_due(session, task, rule)
    await session.flush()


async def create_task(
    session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID, body: TaskCreate
) -> TaskRead:
    await access_home(session, subject, home_id, WRITE)
    task = Task(
        space_id=home_id,
        created_by=subject.user_id,
        starts_on=body.due_date,
        **body.model_dump(exclude={"due_date"}),
    )
    rule = _valid_rule(task)
    await _check_links(session, home_id, body.model_dump())
    await _ensure_room_for_task(session, home_id)
    session.add(task)
    await session.flush()
    await _plan(session, task, rule, await today_for(session, subject.user_id))
    await _record(session, subject, "task.created", task)
    await _tell_assignee(session, subject, task, previous_assignee=None)
    return TaskRead.model_validate(task)


async def list_tasks(
    session: AsyncSession,
    subject: AuthSubject,
    home_id: uuid.UUID,
    *,
    room_id: uuid.UUID | None,
    assigned_to: uuid.UUID | None,
    overdue: bool,
    deleted: bool,
    cursor: str | None,
    limit: int,
) -> Page[TaskRead]:
    await access_home(session, subject, home_id)
    statement = repo.tasks_of_home(
        home_id,
        room_id=room_id,
        assigned_to=assigned_to,
        overdue_on=await today_for(session, subject.user_id) if overdue else None,
        deleted=deleted,
    )
    return await _task_page(session, statement, cursor, limit)


async def list_room_tasks(
    session: AsyncSession,
    subject: AuthSubject,
    room_id: uuid.UUID,
    *,
    overdue: bool,
    cursor: str | None,
    limit: int,
) -> Page[TaskRead]:
    """Tasks of the room or of an item in it: "overdue tasks for my kitchen"."""
    room = await inventory_repo.room(session, room_id)
    if room is None:
        raise RoomNotFound()
    await access_home(session, subject, room.space_id)
    overdue_on = await today_for(session, subject.user_id) if overdue else None
    return await _task_page(session, repo.tasks_of_room(room, overdue_on), cursor, limit)


async def _task_page(
    session: AsyncSession, statement: Select[Task], cursor: str | None, limit: int
) -> Page[TaskRead]:
    return await paginate(
        session,
        statement,
        (Task.title, Task.id),
        cursor,
        limit,
        lambda row: TaskRead.model_validate(row[0]),
    )


async def get_task(session: AsyncSession, subject: AuthSubject, task_id: uuid.UUID) -> TaskRead:
    return TaskRead.model_validate(await _task(session, subject, task_id))


async def update_task(
    session: AsyncSession, subject: AuthSubject, task_id: uuid.UUID, body: TaskUpdate
) -> TaskRead:
    """Changing the schedule replaces the open occurrences from today on (all of them when
    the task is or becomes one-time or rolling); completed and skipped ones stay."""
    task = await _task(session, subject, task_id, WRITE, lock=True)
    written = body.model_dump(mode="json", exclude_unset=True, exclude={"base_version"})
    await note_overwrites(
        session,
        subject.user_id,
        "homes.task",
        task.space_id,
        task.id,
        task.version,
        body.base_version,
        {"starts_on" if name == "due_date" else name: value for name, value in written.items()},
    )
    changes = body.model_dump(exclude_unset=True, exclude={"base_version"})
    for name in sorted(REQUIRED & changes.keys()):
        if changes[name] is None:
            raise InvalidRequest(f"{name} cannot be null")
    await _check_links(session, task.space_id, changes)
    before, previous_assignee = rule_of(task), task.assigned_to
    for name, value in changes.items():
        setattr(task, "starts_on" if name == "due_date" else name, value)
    rule = _valid_rule(task)
    if rule != before:
        today = await today_for(session, subject.user_id)
        # A one-time or rolling task's single open occurrence goes whatever its date.
        single = is_single_open(before) or is_single_open(rule)
        await repo.delete_open_instances(session, task.id, None if single else today)
        await _plan(session, task, rule, today)
    await session.flush()
    await _record(session, subject, "task.updated", task, {"fields": sorted(changes)})
    await _tell_assignee(session, subject, task, previous_assignee)
    return TaskRead.model_validate(task)


async def _tell_assignee(
    session: AsyncSession, subject: AuthSubject, task: Task, previous_assignee: uuid.UUID | None
) -> None:
    """A new assignee hears of it, unless they assigned the task to themselves."""
    assignee = task.assigned_to
    if assignee is None or assignee == previous_assignee or assignee == subject.user_id:
        return
    await publish(
        session,
        TaskAssigned(
            space_id=task.space_id, actor_id=subject.user_id, task_id=task.id, assignee_id=assignee
        ),
    )


async def delete_task(session: AsyncSession, subject: AuthSubject, task_id: uuid.UUID) -> None:
    """Soft delete: the task and its occurrences disappear until restored."""
    task = await _task(session, subject, task_id, WRITE, lock=True)
    task.deleted_at = utcnow()
    await _record(session, subject, "task.deleted", task)


async def restore_task(session: AsyncSession, subject: AuthSubject, task_id: uuid.UUID) -> TaskRead:
    """Counts against the plan again; occurrences missed meanwhile are not filled in."""
    task = await _task(session, subject, task_id, WRITE, deleted=True, lock=True)
    await _ensure_room_for_task(session, task.space_id)
    task.deleted_at = None
    await _plan(session, task, rule_of(task), await today_for(session, subject.user_id))
    await _record(session, subject, "task.restored", task)
    return TaskRead.model_validate(task)


async def pause_task(session: AsyncSession, subject: AuthSubject, task_id: uuid.UUID) -> TaskRead:
    """Drops the open occurrences from today on; earlier open ones stay on record."""
    task = await _task(session, subject, task_id, WRITE, lock=True)
    if task.is_active:
        task.is_active = False
        await repo.delete_open_instances(
            session, task.id, await today_for(session, subject.user_id)
        )
        task.next_due_date = await _next_due(session, task, rule_of(task))
        await _record(session, subject, "task.paused", task)
    return TaskRead.model_validate(task)


async def resume_task(session: AsyncSession, subject: AuthSubject, task_id: uuid.UUID) -> TaskRead:
    """Occurrences start again from today; those that fell while paused are not made."""
    task = await _task(session, subject, task_id, WRITE, lock=True)
    if not task.is_active:
        task.is_active = True
        await _plan(session, task, rule_of(task), await today_for(session, subject.user_id))
        await _record(session, subject, "task.resumed", task)
    return TaskRead.model_validate(task)


# Occurrences


async def _open_instance(
    session: AsyncSession, subject: AuthSubject, instance_id: uuid.UUID
) -> tuple[TaskInstance, Task]:
    """The open occurrence and its task, locked in that order for the change."""
    found = await repo.instance(session, instance_id)
    if found is None:
        raise InstanceNotFound()
    task = await _task(session, subject, found.task_id, WRITE, lock=True)
    instance = await repo.instance(session, instance_id, lock=True)
    if instance is None:  # dropped meanwhile by a pause or a schedule change
        raise InstanceNotFound()
    if instance.status not in repo.OPEN:
        raise InstanceAlreadyClosed()
    return instance, task


async def _completed_at(
    session: AsyncSession, user_id: uuid.UUID, day: date, today: date
) -> datetime:
    """Now, or for an earlier day noon of that day in the member's time zone."""
    if day == today:
        return utcnow()
    user = await identity_repo.user_by_id(session, user_id)
    return datetime.combine(day, time(12), ZoneInfo(user.timezone if user else "UTC"))


async def _close(
    session: AsyncSession,
    subject: AuthSubject,
    instance: TaskInstance,
    task: Task,
    done_on: date,
) -> InstanceRead:
    """Advance the task past a closed occurrence: a rolling task gets its next one."""
    rule = rule_of(task)
    if rule.mode is Mode.ROLLING and task.is_active:
        upcoming = rule.next_after_completion(instance.due_date, done_on)
        if upcoming is not None and upcoming <= instance.due_date:
            # Done a whole period early: the next one still comes after this one.
            upcoming = rule.next_after_completion(instance.due_date, instance.due_date)
        new = repo.NewInstances()
        new.add(task.space_id, task.id, [upcoming] if upcoming else [])
        await repo.insert_instances(session, new)
    task.next_due_date = await _next_due(session, task, rule)
    await session.flush()
    await _record(
        session,
        subject,
        f"task_instance.{instance.status}",
        instance,
        {"task_id": str(task.id), "due_date": instance.due_date.isoformat()},
    )
    await publish(
        session,
        InstanceClosed(
            space_id=task.space_id,
            actor_id=subject.user_id,
            task_id=task.id,
            instance_id=instance.id,
            due_date=instance.due_date,
            status=instance.status,
        ),
    )
    return InstanceRead.model_validate(instance)


async def complete_instance(
    session: AsyncSession, subject: AuthSubject, instance_id: uuid.UUID, body: InstanceComplete
) -> InstanceRead:
    instance, task = await _open_instance(session, subject, instance_id)
    today = await today_for(session, subject.user_id)
    done_on = body.completed_on or today
    if done_on > today:
        raise CompletionInFuture(f"completed_on is after today ({today.isoformat()})")
    instance.status = "completed"
    instance.completed_by = subject.user_id
    instance.completed_at = await _completed_at(session, subject.user_id, done_on, today)
    instance.notes = body.notes
    return await _close(session, subject, instance, task, done_on)


async def skip_instance(
    session: AsyncSession, subject: AuthSubject, instance_id: uuid.UUID, body: InstanceSkip
) -> InstanceRead:
    instance, task = await _open_instance(session, subject, instance_id)
    instance.status = "skipped"
    instance.completed_by = subject.user_id
    instance.completed_at = utcnow()
    instance.notes = body.notes
    return await _close(session, subject, instance, task, await today_for(session, subject.user_id))


async def list_instances(
    session: AsyncSession, subject: AuthSubject, task_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[InstanceRead]:
    """The task's occurrences, latest due date first: what was done, skipped or missed."""
    task = await _task(session, subject, task_id)
    # A task has one occurrence per date, so the due date alone orders them.
    return await paginate(
        session,
        repo.instances_of_task(task.id),
        (TaskInstance.due_date,),
        cursor,
        limit,
        lambda row: InstanceRead.model_validate(row[0]),
        newest_first=True,
    )


# Dates across tasks


@dataclass(frozen=True)
class Dated:
    """A task on one date: a stored occurrence, or one computed ahead (``instance`` None)."""

    task: Task
    home_name: str
    due_date: date
    instance: TaskInstance | None

    @property
    def status(self) -> str:
        return self.instance.status if self.instance else "pending"


def _dated(rows: Iterable[repo.OccurrenceRow], start: date, end: date) -> list[Dated]:
    """Stored occurrences of the rows, plus each active task's unstored ones from ``start``
    to ``end``; by date, then title."""
    found: list[Dated] = []
    projected: set[uuid.UUID] = set()
    for task, home_name, instance in rows:
        if instance is not None:
            found.append(Dated(task, home_name, instance.due_date, instance))
        if task.is_active and task.id not in projected:
            projected.add(task.id)
            found += [Dated(task, home_name, day, None) for day in unstored(task, start, end)]
    return sorted(found, key=lambda d: (d.due_date, d.task.title, d.task.id))


async def home_dates(
    session: AsyncSession, home_id: uuid.UUID, start: date, end: date
) -> list[Dated]:
    """Every occurrence in the home from ``start`` to ``end``, stored or not; reads only."""
    return _dated(await repo.home_occurrence_rows(session, home_id, start, end), start, end)


def _occurrence(dated: Dated) -> Occurrence:
    task = dated.task
    return Occurrence(
        task_id=task.id,
        instance_id=dated.instance.id if dated.instance else None,
        home_id=task.space_id,
        title=task.title,
        due_date=dated.due_date,
        status=dated.status,
        priority=task.priority,
        assigned_to=task.assigned_to,
        room_id=task.room_id,
        item_id=task.item_id,
    )


async def occurrences(
    session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID, start: date, end: date
) -> list[Occurrence]:
    await access_home(session, subject, home_id)
    if end < start:
        raise InvalidDateRange("to is before from")
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidDateRange(f"The range may span at most {MAX_RANGE_DAYS} days")
    return [_occurrence(dated) for dated in await home_dates(session, home_id, start, end)]


async def agenda(session: AsyncSession, subject: AuthSubject, days: int) -> list[AgendaEntry]:
    """What is open across all the caller's homes: overdue, then due in the next ``days``
    days (1 is today only)."""
    today = await today_for(session, subject.user_id)
    end = today + timedelta(days=days - 1)
    rows = await repo.agenda_rows(session, subject.user_id, end)
    return [_agenda_entry(dated, today) for dated in _dated(rows, today, end)]


def _agenda_entry(dated: Dated, today: date) -> AgendaEntry:
    return AgendaEntry(
        home_id=dated.task.space_id,
        home_name=dated.home_name,
        task_id=dated.task.id,
        title=dated.task.title,
        instance_id=dated.instance.id if dated.instance else None,
        due_date=dated.due_date,
        status=dated.status,
        assigned_to=dated.task.assigned_to,
        overdue=dated.due_date < today,
    )
