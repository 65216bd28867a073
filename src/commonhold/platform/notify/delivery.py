"""Sending one delivery on its channel, and writing what happened to the delivery log."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.base import utcnow
from commonhold.platform.identity.models import User
from commonhold.platform.mail.senders import SEND_ATTEMPTS, Attempt, Email, Mailer, send_email
from commonhold.platform.notify import repository as repo
from commonhold.platform.notify.models import Notification, VapidKey
from commonhold.platform.notify.templates import WordingError, render, wording_of
from commonhold.platform.notify.types import NOTIFICATION_TYPES
from commonhold.platform.notify.webpush import (
    PushResponse,
    PushSender,
    PushTarget,
    PushUnreachable,
    VapidKeys,
)

log = structlog.get_logger(__name__)
# What a push message may carry: push services refuse bodies over 4 KiB once encrypted.
PUSH_TEXT_LIMIT = 1000


@dataclass(frozen=True)
class Outcome:
    status: str  # the delivery's status afterwards
    retry: bool = False


async def attempt_delivery(
    session: AsyncSession, mailer: Mailer, vapid_subject: str, delivery_id: uuid.UUID
) -> Outcome:
    """Try a pending delivery once and log the result. A delivery no longer pending (sent by
    an earlier run of the same job) or gone (its person deleted) is left alone."""
    row = await repo.delivery_for_update(session, delivery_id)
    if row is None:
        log.warning("notification_delivery_missing", delivery_id=str(delivery_id))
        return Outcome("missing")
    delivery, notification, user = row
    if delivery.status != "pending":
        return Outcome(delivery.status)
    delivery.attempts += 1
    if delivery.channel == "email":
        result = await _send_email(session, mailer, notification, user)
    else:
        result = await _send_push(session, vapid_subject, notification)
    retry = result.status == "retry" and delivery.attempts < SEND_ATTEMPTS
    delivery.status = (
        "pending" if retry else ("failed" if result.status == "retry" else result.status)
    )
    delivery.provider_response = result.response
    delivery.error = result.error
    if delivery.status == "sent":
        delivery.sent_at = utcnow()
    return Outcome(delivery.status, retry=retry)


async def _send_email(
    session: AsyncSession, mailer: Mailer, notification: Notification, user: User
) -> Attempt:
    kind = NOTIFICATION_TYPES.get(notification.type)
    if kind is None:
        return Attempt("failed", f"unknown notification type {notification.type}", "unknown_type")
    try:
        rendered = render(await wording_of(session, kind), notification.data)
    except WordingError as error:
        return Attempt("failed", str(error), "template_error")
    email = Email(to=user.email, subject=rendered.subject, text=rendered.text, html=rendered.html)
    return await send_email(mailer, email)


async def _send_push(
    session: AsyncSession, vapid_subject: str, notification: Notification
) -> Attempt:
    subscriptions = await repo.active_push_subscriptions(session, notification.user_id)
    if not subscriptions:
        return Attempt("skipped", "no active push subscription")
    keys = await session.scalar(select(VapidKey))
    assert keys is not None, "the migrations store the VAPID keys"
    sender = PushSender(VapidKeys(keys.private_key_pem, keys.public_key), vapid_subject)
    payload = json.dumps(
        {
            "id": str(notification.id),
            "type": notification.type,
            "title": notification.title,
            "body": notification.body[:PUSH_TEXT_LIMIT],
        }
    ).encode()
    answers: list[str] = []
    statuses: list[str] = []
    for subscription in subscriptions:
        target = PushTarget(subscription.endpoint, subscription.p256dh, subscription.auth)
        try:
            response: PushResponse = await sender.send(target, payload)
        except PushUnreachable as error:
            answers.append(str(error))
            statuses.append("retry")
            continue
        answers.append(f"{response.status} {response.body}".strip())
        if response.subscription_gone:
            subscription.deactivated_at = utcnow()
        statuses.append(
            "sent" if response.accepted else "retry" if response.retryable else "refused"
        )
    return _push_result(statuses, "\n".join(answers))


def _push_result(statuses: list[str], response: str) -> Attempt:
    """Sent if any device took it; else retried if any might later; else failed."""
    if "sent" in statuses:
        return Attempt("sent", response)
    if "retry" in statuses:
        return Attempt("retry", response, "push_unavailable")
    return Attempt("failed", response, "push_refused")
