"""Every SQL statement of notifications."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.identity.models import User
from commonhold.platform.notify.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    NotificationSchedule,
    PushSubscription,
)


async def recipients(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> Sequence[Row[User, NotificationSchedule]]:
    """Active users with their schedule (if they set one)."""
    statement = (
        select(User, NotificationSchedule)
        .outerjoin(NotificationSchedule, NotificationSchedule.user_id == User.id)
        .where(User.id.in_(user_ids), User.is_active)
    )
    return (await session.execute(statement)).all()


async def preferences(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], type_key: str
) -> dict[tuple[uuid.UUID, str], str]:
    """(user, channel) -> mode, for the users who chose one for this type."""
    rows = await session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.channel,
            NotificationPreference.mode,
        ).where(
            NotificationPreference.user_id.in_(user_ids), NotificationPreference.type == type_key
        )
    )
    return {(user_id, channel): mode for user_id, channel, mode in rows}


async def add_notification(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Insert unless this person already got this type with this dedupe key; the new id, or
    None for a repeat."""
    new_id: uuid.UUID | None = await session.scalar(
        insert(Notification)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(constraint="uq_notifications_dedupe")
        .returning(Notification.id)
    )
    return new_id


def add_delivery(session: AsyncSession, delivery: NotificationDelivery) -> None:
    session.add(delivery)


async def delivery_for_update(
    session: AsyncSession, delivery_id: uuid.UUID
) -> Row[NotificationDelivery, Notification, User] | None:
    statement = (
        select(NotificationDelivery, Notification, User)
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .join(User, User.id == NotificationDelivery.user_id)
        .where(NotificationDelivery.id == delivery_id)
        .with_for_update(of=NotificationDelivery)
    )
    return (await session.execute(statement)).first()


async def active_push_subscriptions(
    session: AsyncSession, user_id: uuid.UUID
) -> Sequence[PushSubscription]:
    statement = select(PushSubscription).where(
        PushSubscription.user_id == user_id, PushSubscription.deactivated_at.is_(None)
    )
    return (await session.scalars(statement)).all()


async def users_with_digest_waiting(session: AsyncSession) -> Sequence[uuid.UUID]:
    statement = (
        select(NotificationDelivery.user_id)
        .where(NotificationDelivery.status == "digest")
        .distinct()
    )
    return (await session.scalars(statement)).all()


async def digest_entries(
    session: AsyncSession, user_id: uuid.UUID, created_before: datetime
) -> Sequence[Row[NotificationDelivery, Notification]]:
    """The user's deliveries waiting for a digest, locked so one digest takes them."""
    statement = (
        select(NotificationDelivery, Notification)
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .where(
            NotificationDelivery.user_id == user_id,
            NotificationDelivery.status == "digest",
            NotificationDelivery.created_at <= created_before,
        )
        .order_by(NotificationDelivery.created_at)
        .with_for_update(of=NotificationDelivery, skip_locked=True)
    )
    return (await session.execute(statement)).all()


# The person's own view, under row-level security.


def inbox(user_id: uuid.UUID, unread_only: bool) -> Select[Notification]:
    statement = select(Notification).where(Notification.user_id == user_id, Notification.in_app)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement


# The unread count is cached per person (platform/cache.py) and invalidated by every change
# to it: a new in-app notification, one or all marked read.
UNREAD_COUNT_TTL_SECONDS = 60
COUNT: TypeAdapter[int] = TypeAdapter(int)


def unread_count_key(user_id: uuid.UUID) -> str:
    return f"notifications:unread:{user_id}"


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.in_app, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, notification_id: uuid.UUID | None
) -> int:
    statement = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.in_app, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def notification(
    session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification | None:
    found: Notification | None = await session.scalar(
        select(Notification).where(
            Notification.id == notification_id,
            Notification.user_id == user_id,
            Notification.in_app,
        )
    )
    return found


async def own_preferences(
    session: AsyncSession, user_id: uuid.UUID
) -> Sequence[NotificationPreference]:
    statement = select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    return (await session.scalars(statement)).all()


async def set_preference(
    session: AsyncSession, user_id: uuid.UUID, type_key: str, channel: str, mode: str
) -> None:
    await session.execute(
        insert(NotificationPreference)
        .values(user_id=user_id, type=type_key, channel=channel, mode=mode)
        .on_conflict_do_update(index_elements=["user_id", "type", "channel"], set_={"mode": mode})
    )


async def schedule(session: AsyncSession, user_id: uuid.UUID) -> NotificationSchedule | None:
    return await session.get(NotificationSchedule, user_id)


def deliveries(user_id: uuid.UUID | None, status: str | None) -> Select[NotificationDelivery]:
    statement = select(NotificationDelivery)
    if user_id is not None:
        statement = statement.where(NotificationDelivery.user_id == user_id)
    if status is not None:
        statement = statement.where(NotificationDelivery.status == status)
    return statement


async def push_subscription_by_endpoint(
    session: AsyncSession, endpoint: str
) -> PushSubscription | None:
    found: PushSubscription | None = await session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    return found
