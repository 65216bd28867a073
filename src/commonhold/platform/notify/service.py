"""Telling people things: one call creates the in-app entry and schedules email and push,
each as its person's preferences, quiet hours and digest time say."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.cache import invalidate_after_commit
from commonhold.platform.db.base import utcnow
from commonhold.platform.identity.models import User
from commonhold.platform.jobs import defer_in_transaction
from commonhold.platform.notify import repository as repo
from commonhold.platform.notify.models import NotificationDelivery, NotificationSchedule
from commonhold.platform.notify.schedule import quiet_until
from commonhold.platform.notify.tasks import deliver
from commonhold.platform.notify.templates import Rendered, WordingError, render, wording_of
from commonhold.platform.notify.types import NOTIFICATION_TYPES, NotificationType

log = structlog.get_logger(__name__)
OUTSIDE_CHANNELS = ("email", "push")


async def notify(
    session: AsyncSession,
    user_ids: Sequence[uuid.UUID],
    type_key: str,
    data: dict[str, Any],
    dedupe_key: str,
    space_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Notify each user once per ``(type, dedupe_key)``; returns the ids of the notifications
    created (repeats are skipped). Runs on the system role, from a job or an event
    subscriber; the deliveries are jobs deferred in the same transaction."""
    kind = NOTIFICATION_TYPES[type_key]
    rendered = await _in_app_text(session, kind, data)
    modes = await repo.preferences(session, user_ids, type_key)
    now = utcnow()
    created: list[uuid.UUID] = []
    for user, schedule in await repo.recipients(session, user_ids):

        def mode(channel: str, user_id: uuid.UUID = user.id) -> str:
            return modes.get((user_id, channel), kind.default_mode(channel))

        notification_id = await repo.add_notification(
            session,
            {
                "user_id": user.id,
                "space_id": space_id,
                "type": type_key,
                "dedupe_key": dedupe_key,
                "title": rendered.subject[:300],
                "body": rendered.summary,
                "data": data,
                "in_app": mode("in_app") != "off",
            },
        )
        if notification_id is None:
            continue
        created.append(notification_id)
        if mode("in_app") != "off":
            invalidate_after_commit(session, repo.unread_count_key(user.id))
        hold_until = _end_of_quiet_hours(user, schedule, now)
        for channel in OUTSIDE_CHANNELS:
            await _schedule_delivery(
                session, notification_id, user.id, channel, mode(channel), hold_until
            )
    return created


async def _in_app_text(
    session: AsyncSession, kind: NotificationType, data: dict[str, Any]
) -> Rendered:
    """The operator's wording; if it cannot render this data, the built-in one, so a bad
    edit never silences a notification."""
    try:
        return render(await wording_of(session, kind), data)
    except WordingError as error:
        log.error("notification_wording_failed", type=kind.key, error=str(error))
        try:
            return render(kind.wording, data)
        except WordingError:
            return Rendered(subject=kind.description, summary="", text="", html="")


def _end_of_quiet_hours(
    user: User, schedule: NotificationSchedule | None, now: datetime
) -> datetime | None:
    if schedule is None or schedule.quiet_start is None or schedule.quiet_end is None:
        return None
    return quiet_until(now, ZoneInfo(user.timezone), schedule.quiet_start, schedule.quiet_end)


async def _schedule_delivery(
    session: AsyncSession,
    notification_id: uuid.UUID,
    user_id: uuid.UUID,
    channel: str,
    mode: str,
    hold_until: datetime | None,
) -> None:
    if mode == "off":
        return
    delivery = NotificationDelivery(
        id=uuid.uuid4(),
        notification_id=notification_id,
        user_id=user_id,
        channel=channel,
        status="digest" if mode == "digest" else "pending",
        scheduled_for=None if mode == "digest" else hold_until,
    )
    repo.add_delivery(session, delivery)
    await session.flush()
    if mode != "digest":
        await defer_in_transaction(
            session, deliver, schedule_at=hold_until, delivery_id=str(delivery.id)
        )
