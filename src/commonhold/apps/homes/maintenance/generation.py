"""From recurrence rules to stored occurrences, made ahead of time and in bulk.

A task's occurrences are stored up to its ``generated_through`` date: on a fixed schedule at
least 30 days past today, and ``generate_instances`` extends it daily. A one-time task has
its single occurrence, and a rolling task exactly one open occurrence (the next is made when
it is closed), so both are stored "through the end of time" and the generator leaves them
alone. Occurrences further ahead are computed when asked for, never stored by reading."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.maintenance import repository as repo
from commonhold.platform.recurrence import Frequency, Mode, Recurrence

END_OF_TIME = date.max
HORIZON_DAYS = 30
BATCH_SIZE = 2_000
DAY = timedelta(days=1)


class Schedule(Protocol):
    """What a task row says about when it is due (a Task, or a row of its columns)."""

    @property
    def recurrence(self) -> str: ...
    @property
    def recurrence_interval(self) -> int: ...
    @property
    def recurrence_day(self) -> int | None: ...
    @property
    def recurrence_end_date(self) -> date | None: ...
    @property
    def recurrence_mode(self) -> str: ...
    @property
    def starts_on(self) -> date: ...


class Materialized(Schedule, Protocol):
    @property
    def generated_through(self) -> date | None: ...
    @property
    def next_due_date(self) -> date | None: ...


def rule_of(task: Schedule) -> Recurrence:
    return Recurrence(
        frequency=Frequency(task.recurrence),
        starts_on=task.starts_on,
        interval=task.recurrence_interval,
        day=task.recurrence_day,
        ends_on=task.recurrence_end_date,
        mode=Mode(task.recurrence_mode),
    )


def is_single_open(rule: Recurrence) -> bool:
    """One-time and rolling tasks have one open occurrence at most, made one at a time."""
    return rule.frequency is Frequency.NONE or rule.mode is Mode.ROLLING


@dataclass(frozen=True)
class Extension:
    dates: list[date]
    """Occurrences to store."""
    through: date
    """The task's new ``generated_through``."""
    upcoming: date | None
    """The first of ``dates``, else the next occurrence after them; None if none is left."""


def extend(rule: Recurrence, after: date, until: date) -> Extension:
    """What to store for a task whose occurrences are stored through ``after``, to reach
    ``until``. A one-time or rolling task that has none yet gets its first, however far.

    The new ``generated_through`` is the eve of the next occurrence: nothing falls between,
    and the task stays off the generator's work list until that occurrence comes in range
    (a yearly task is worked on once a year, not daily).
    """
    if is_single_open(rule):
        first = rule.first() if after < rule.starts_on else None
        return Extension([first] if first else [], END_OF_TIME, first)
    dates = rule.between(after + DAY, until)
    upcoming = rule.next_after(max(after, until))
    through = END_OF_TIME if upcoming is None else upcoming - DAY
    return Extension(dates, through, dates[0] if dates else upcoming)


def unstored(task: Materialized, start: date, end: date) -> list[date]:
    """Occurrences from ``start`` to ``end`` that are not stored: for a rolling task, those
    after its open one if each is done on its due date."""
    rule = rule_of(task)
    through = task.generated_through
    if through is None:
        return rule.between(start, end)
    if rule.mode is Mode.ROLLING and rule.frequency is not Frequency.NONE:
        open_on = task.next_due_date
        if open_on is None:
            return []
        return replace(rule, starts_on=open_on).between(max(start, open_on + DAY), end)
    if through >= end:
        return []
    return rule.between(max(start, through + DAY), end)


async def generate_instances(
    session: AsyncSession, today: date, horizon_days: int = HORIZON_DAYS
) -> int:
    """Store every active task's occurrences up to ``today + horizon_days``; returns how many
    were created. Running it again creates none.

    Runs as the system: ``session`` must be on the owner role, which row-level security lets
    see every home. Tasks are locked while their batch is worked on; those a person is
    changing at that moment are skipped until the next run. While the database stores one
    batch, the next batch's dates are computed in a thread: the two take about as long.
    """
    until = today + timedelta(days=horizon_days)
    await repo.start_never_generated(session)
    created = 0
    batch = await repo.generation_batch(session, until, None, BATCH_SIZE)
    plan = _plan(batch, until)
    while batch:
        last = batch[-1]
        following = await repo.generation_batch(
            session, until, (last.generated_through, last.id), BATCH_SIZE
        )
        storing = asyncio.create_task(_store(session, plan))
        try:
            following_plan = await asyncio.to_thread(_plan, following, until)
        finally:  # the session is not left mid-statement, whatever happened in the thread
            created += await storing
        batch, plan = following, following_plan
    return created


@dataclass
class _Plan:
    instances: repo.NewInstances
    advances: repo.Advances


def _plan(batch: Sequence[repo.GenerationRow], until: date) -> _Plan:
    """A batch's occurrences to store and the tasks' new bookkeeping, computed in Python."""
    plan = _Plan(repo.NewInstances(), repo.Advances())
    for task in batch:
        extension = extend(rule_of(task), task.generated_through, until)
        plan.instances.add(task.space_id, task.id, extension.dates)
        plan.advances.add(task.id, extension.through, task.next_due_date or extension.upcoming)
    return plan


async def _store(session: AsyncSession, plan: _Plan) -> int:
    """Store a batch's occurrences and advance its tasks, in two statements."""
    created = await repo.insert_instances(session, plan.instances)
    await repo.advance_tasks(session, plan.advances)
    return created
