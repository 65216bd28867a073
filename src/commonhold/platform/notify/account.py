"""A person's own side of notifications: the inbox, preferences, schedule and devices."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.authz import AuthSubject
from commonhold.platform.cache import cached, invalidate_after_commit
from commonhold.platform.db.base import utcnow
from commonhold.platform.identity.models import User
from commonhold.platform.notify import repository as repo
from commonhold.platform.notify.digest import DEFAULT_DIGEST_TIME
from commonhold.platform.notify.errors import (
    DigestNeedsEmail,
    NotificationNotFound,
    NotificationTypeUnknown,
    PushEndpointInsecure,
    PushSubscriptionNotFound,
    PushSubscriptionTaken,
    QuietHoursIncomplete,
)
from commonhold.platform.notify.models import (
    CHANNELS,
    Notification,
    NotificationDelivery,
    NotificationSchedule,
    PushSubscription,
    VapidKey,
)
from commonhold.platform.notify.schemas import (
    Channel,
    DeliveryRead,
    Mode,
    NotificationRead,
    PushSubscriptionCreate,
    PushSubscriptionRead,
    ScheduleRead,
    ScheduleUpdate,
    TypePreferences,
)
from commonhold.platform.notify.types import NOTIFICATION_TYPES
from commonhold.platform.pagination import Page, paginate


async def inbox(
    session: AsyncSession, subject: AuthSubject, unread_only: bool, cursor: str | None, limit: int
) -> Page[NotificationRead]:
    return await paginate(
        session,
        repo.inbox(subject.user_id, unread_only),
        (Notification.created_at, Notification.id),
        cursor,
        limit,
        lambda row: NotificationRead.model_validate(row[0]),
        newest_first=True,
    )


async def unread_count(session: AsyncSession, subject: AuthSubject) -> int:
    """Asked by every screen: cached (when Redis is configured) until the count changes."""
    return await cached(
        session,
        repo.unread_count_key(subject.user_id),
        repo.UNREAD_COUNT_TTL_SECONDS,
        repo.COUNT,
        lambda: repo.unread_count(session, subject.user_id),
    )


async def mark_read(
    session: AsyncSession, subject: AuthSubject, notification_id: uuid.UUID
) -> NotificationRead:
    found = await repo.notification(session, subject.user_id, notification_id)
    if found is None:
        raise NotificationNotFound()
    if found.read_at is None:
        found.read_at = utcnow()
        await session.flush()
        invalidate_after_commit(session, repo.unread_count_key(subject.user_id))
    return NotificationRead.model_validate(found)


async def mark_all_read(session: AsyncSession, subject: AuthSubject) -> int:
    marked = await repo.mark_read(session, subject.user_id, utcnow(), None)
    if marked:
        invalidate_after_commit(session, repo.unread_count_key(subject.user_id))
    return marked


async def preferences(session: AsyncSession, subject: AuthSubject) -> list[TypePreferences]:
    chosen = {
        (each.type, each.channel): each.mode
        for each in await repo.own_preferences(session, subject.user_id)
    }
    return [
        TypePreferences(
            type=kind.key,
            description=kind.description,
            channels={
                channel: chosen.get((kind.key, channel), kind.default_mode(channel))
                for channel in CHANNELS
            },
        )
        for kind in sorted(NOTIFICATION_TYPES.values(), key=lambda kind: kind.key)
    ]


async def set_preferences(
    session: AsyncSession, subject: AuthSubject, type_key: str, channels: dict[Channel, Mode]
) -> TypePreferences:
    if type_key not in NOTIFICATION_TYPES:
        raise NotificationTypeUnknown()
    if any(mode == "digest" and channel != "email" for channel, mode in channels.items()):
        raise DigestNeedsEmail()
    for channel, mode in channels.items():
        await repo.set_preference(session, subject.user_id, type_key, channel, mode)
    return next(each for each in await preferences(session, subject) if each.type == type_key)


async def schedule(session: AsyncSession, subject: AuthSubject) -> ScheduleRead:
    user = await session.get(User, subject.user_id)
    assert user is not None
    found = await repo.schedule(session, subject.user_id)
    return ScheduleRead(
        quiet_start=found.quiet_start if found else None,
        quiet_end=found.quiet_end if found else None,
        digest_time=found.digest_time if found else DEFAULT_DIGEST_TIME,
        timezone=user.timezone,
    )


async def set_schedule(
    session: AsyncSession, subject: AuthSubject, body: ScheduleUpdate
) -> ScheduleRead:
    if (body.quiet_start is None) != (body.quiet_end is None):
        raise QuietHoursIncomplete()
    found = await repo.schedule(session, subject.user_id)
    if found is None:
        found = NotificationSchedule(user_id=subject.user_id)
        session.add(found)
    found.quiet_start, found.quiet_end = body.quiet_start, body.quiet_end
    found.digest_time = body.digest_time
    await session.flush()
    return await schedule(session, subject)


async def vapid_public_key(session: AsyncSession) -> str:
    key = await session.scalar(select(VapidKey.public_key))
    assert key is not None, "the migrations store the VAPID keys"
    return key


async def subscribe_push(
    session: AsyncSession, subject: AuthSubject, body: PushSubscriptionCreate, allow_http: bool
) -> PushSubscriptionRead:
    """Register a browser; registering the same one again answers the existing record."""
    scheme = urlsplit(body.endpoint).scheme
    if scheme != "https" and not (allow_http and scheme == "http"):
        raise PushEndpointInsecure()
    existing = await repo.push_subscription_by_endpoint(session, body.endpoint)
    if existing is not None:
        existing.p256dh, existing.auth = body.keys.p256dh, body.keys.auth
        existing.deactivated_at = None
        await session.flush()
        return PushSubscriptionRead.model_validate(existing)
    subscription = PushSubscription(
        user_id=subject.user_id,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
    )
    try:
        async with session.begin_nested():
            session.add(subscription)
    except IntegrityError as error:
        # Row-level security hid it: the endpoint is registered by another account.
        raise PushSubscriptionTaken() from error
    return PushSubscriptionRead.model_validate(subscription)


async def push_subscriptions(
    session: AsyncSession, subject: AuthSubject
) -> list[PushSubscriptionRead]:
    return [
        PushSubscriptionRead.model_validate(each)
        for each in await repo.active_push_subscriptions(session, subject.user_id)
    ]


async def unsubscribe_push(
    session: AsyncSession, subject: AuthSubject, subscription_id: uuid.UUID
) -> None:
    found = await session.get(PushSubscription, subscription_id)
    if found is None or found.user_id != subject.user_id:
        raise PushSubscriptionNotFound()
    await session.delete(found)
    await session.flush()


async def deliveries(
    session: AsyncSession,
    user_id: uuid.UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[DeliveryRead]:
    """The delivery log, newest first: a person's own, or an operator's view of anyone's
    (row-level security decides which rows exist)."""
    return await paginate(
        session,
        repo.deliveries(user_id, status),
        (NotificationDelivery.created_at, NotificationDelivery.id),
        cursor,
        limit,
        lambda row: DeliveryRead.model_validate(row[0]),
        newest_first=True,
    )
