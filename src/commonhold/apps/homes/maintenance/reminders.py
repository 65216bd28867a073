"""Reminders of due maintenance, and telling people what was assigned to them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, time

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.events import TaskAssigned
from commonhold.apps.homes.maintenance import repository as repo
from commonhold.apps.homes.notifications import TASK_ASSIGNED, TASK_DUE_SOON, TASK_DUE_TODAY
from commonhold.platform.events import subscriber
from commonhold.platform.identity.models import User
from commonhold.platform.notify.service import notify

# Nobody is reminded before this time of their own morning.
REMINDERS_FROM = time(8, 0)


async def send_due_reminders(session: AsyncSession) -> int:
    """Notify everyone owed a "due soon" or "due today" reminder now; returns how many
    notifications were created. Safe to run as often as wanted: one per occurrence, kind
    and person per day."""
    # The people who share a reminder (an occurrence on the same calendar day) get it together.
    shared: dict[tuple[uuid.UUID, date], list[repo.DueReminder]] = defaultdict(list)
    for due in await repo.due_reminders(session, REMINDERS_FROM):
        shared[(due.instance_id, due.local_today)].append(due)
    created = 0
    for reminders in shared.values():
        due = reminders[0]
        kind = TASK_DUE_TODAY.key if due.due_date == due.local_today else TASK_DUE_SOON.key
        user_ids = [each.user_id for each in reminders]
        data = {
            "task": due.task,
            "home": due.home,
            "room": due.room,
            "due_date": due.due_date.isoformat(),
            "days_before": (due.due_date - due.local_today).days,
            "task_id": str(due.task_id),
            "home_id": str(due.space_id),
        }
        dedupe_key = f"{due.instance_id}:{due.local_today.isoformat()}"
        created += len(await notify(session, user_ids, kind, data, dedupe_key, due.space_id))
    return created


@subscriber(TaskAssigned, "homes.notify_assignee")
async def notify_assignee(session: AsyncSession, event: TaskAssigned) -> None:
    details = await repo.assignment_details(session, event.task_id)
    if details is None:
        return
    task, home, room = details
    if task.assigned_to != event.assignee_id:
        return  # reassigned since: the newer assignment tells its own assignee
    assigner = await session.get(User, event.actor_id) if event.actor_id else None
    data = {
        "task": task.title,
        "home": home,
        "room": room,
        "due_date": task.next_due_date.isoformat() if task.next_due_date else None,
        "assigner": assigner.display_name if assigner else "Someone",
        "task_id": str(task.id),
        "home_id": str(task.space_id),
    }
    await notify(
        session, [event.assignee_id], TASK_ASSIGNED.key, data, str(event.event_id), task.space_id
    )
