"""Thin HTTP endpoints: a person's notifications, and operators' wording of them."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from commonhold.platform import examples
from commonhold.platform.deps import CurrentUser, Operator, Session, SettingsDep
from commonhold.platform.notify import account, admin
from commonhold.platform.notify.schemas import (
    DeliveryRead,
    MarkedRead,
    NotificationRead,
    NotificationTypeRead,
    PreferencesUpdate,
    PushSubscriptionCreate,
    PushSubscriptionRead,
    ScheduleRead,
    ScheduleUpdate,
    TypePreferences,
    UnreadCount,
    VapidPublicKey,
    WordingBody,
)
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses

notifications = APIRouter(
    prefix="/api/v1/notifications",
    tags=["notifications"],
    responses=problem_responses(400, 401, 404, 413, 422, 429),
)
operators = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    responses=problem_responses(400, 401, 404, 413, 422, 429),
)
TypeKey = Annotated[
    str, Path(max_length=100, description="A notification type.", examples=["homes.task_due_today"])
]
NotificationId = Annotated[
    uuid.UUID, Path(description="A notification's id.", examples=[examples.NOTIFICATION_ID])
]
SubscriptionId = Annotated[
    uuid.UUID,
    Path(description="A push subscription's id.", examples=[examples.PUSH_SUBSCRIPTION_ID]),
]
DeliveryStatus = Literal["pending", "digest", "sent", "failed", "skipped"]


@notifications.get("", operation_id="notifications_list", summary="Your notifications")
async def list_notifications(
    subject: CurrentUser,
    session: Session,
    unread: Annotated[bool, Query(description="Only those not yet read.")] = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[NotificationRead]:
    """Newest first."""
    return await account.inbox(session, subject, unread, cursor, limit)


@notifications.get(
    "/unread-count", operation_id="notifications_unread_count", summary="How many are unread"
)
async def unread_count(subject: CurrentUser, session: Session) -> UnreadCount:
    return UnreadCount(unread=await account.unread_count(session, subject))


@notifications.post(
    "/read-all", operation_id="notifications_read_all", summary="Mark every notification read"
)
async def read_all(subject: CurrentUser, session: Session) -> MarkedRead:
    return MarkedRead(marked=await account.mark_all_read(session, subject))


@notifications.post(
    "/{notification_id}/read", operation_id="notifications_read", summary="Mark one read"
)
async def read_one(
    notification_id: NotificationId, subject: CurrentUser, session: Session
) -> NotificationRead:
    return await account.mark_read(session, subject, notification_id)


@notifications.get(
    "/preferences", operation_id="notifications_preferences", summary="How each type reaches you"
)
async def get_preferences(subject: CurrentUser, session: Session) -> list[TypePreferences]:
    """Every notification type, with the mode of each channel: `immediate`, `digest` (email
    only: gathered into one email a day at your digest time) or `off`."""
    return await account.preferences(session, subject)


@notifications.patch(
    "/preferences/{type_key}",
    operation_id="notifications_preferences_update",
    summary="Choose how a type reaches you",
)
async def update_preferences(
    type_key: TypeKey, body: PreferencesUpdate, subject: CurrentUser, session: Session
) -> TypePreferences:
    return await account.set_preferences(session, subject, type_key, body.channels)


@notifications.get(
    "/schedule", operation_id="notifications_schedule", summary="Your quiet hours and digest time"
)
async def get_schedule(subject: CurrentUser, session: Session) -> ScheduleRead:
    return await account.schedule(session, subject)


@notifications.put(
    "/schedule",
    operation_id="notifications_schedule_update",
    summary="Set your quiet hours and digest time",
)
async def update_schedule(
    body: ScheduleUpdate, subject: CurrentUser, session: Session
) -> ScheduleRead:
    """Times are read in your account's timezone. During quiet hours email and push wait
    until the quiet hours end; in-app notifications arrive at once."""
    return await account.set_schedule(session, subject, body)


@notifications.get(
    "/deliveries", operation_id="notifications_deliveries", summary="Your delivery log"
)
async def own_deliveries(
    subject: CurrentUser,
    session: Session,
    status_filter: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DeliveryRead]:
    """Every email and push message sent to you (or not), with the provider's answer."""
    return await account.deliveries(session, subject.user_id, status_filter, cursor, limit)


@notifications.get(
    "/push/public-key",
    operation_id="notifications_push_public_key",
    summary="The server's VAPID public key",
)
async def push_public_key(subject: CurrentUser, session: Session) -> VapidPublicKey:
    return VapidPublicKey(public_key=await account.vapid_public_key(session))


@notifications.get(
    "/push/subscriptions",
    operation_id="notifications_push_subscriptions",
    summary="Your browsers that receive push",
)
async def list_push_subscriptions(
    subject: CurrentUser, session: Session
) -> list[PushSubscriptionRead]:
    return await account.push_subscriptions(session, subject)


@notifications.post(
    "/push/subscriptions",
    status_code=status.HTTP_201_CREATED,
    operation_id="notifications_push_subscribe",
    summary="Receive push on this browser",
    responses=problem_responses(409),
)
async def push_subscribe(
    body: PushSubscriptionCreate, subject: CurrentUser, session: Session, settings: SettingsDep
) -> PushSubscriptionRead:
    """Send the browser's `PushSubscription.toJSON()`. The endpoint must be https."""
    allow_http = settings.environment == "test"
    return await account.subscribe_push(session, subject, body, allow_http)


@notifications.delete(
    "/push/subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="notifications_push_unsubscribe",
    summary="Stop push to a browser",
)
async def push_unsubscribe(
    subscription_id: SubscriptionId, subject: CurrentUser, session: Session
) -> None:
    await account.unsubscribe_push(session, subject, subscription_id)


@operators.get(
    "/notification-types",
    operation_id="admin_notification_types",
    summary="Notification types and their wording",
)
async def list_notification_types(
    operator: Operator, session: Session
) -> list[NotificationTypeRead]:
    return await admin.notification_types(session)


@operators.put(
    "/notification-types/{type_key}/wording",
    operation_id="admin_notification_wording_set",
    summary="Reword a notification type",
)
async def set_wording(
    type_key: TypeKey, body: WordingBody, operator: Operator, session: Session
) -> NotificationTypeRead:
    """Jinja2 templates over the type's data (see `example`); a wording that does not
    render with the example is refused with `wording_invalid`."""
    return await admin.set_wording(session, operator.user_id, type_key, body)


@operators.delete(
    "/notification-types/{type_key}/wording",
    operation_id="admin_notification_wording_reset",
    summary="Back to the built-in wording",
)
async def reset_wording(
    type_key: TypeKey, operator: Operator, session: Session
) -> NotificationTypeRead:
    return await admin.reset_wording(session, type_key)


@operators.get(
    "/notification-deliveries",
    operation_id="admin_notification_deliveries",
    summary="Everyone's delivery log",
)
async def all_deliveries(
    operator: Operator,
    session: Session,
    user_id: uuid.UUID | None = None,
    status_filter: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DeliveryRead]:
    return await account.deliveries(session, user_id, status_filter, cursor, limit)
