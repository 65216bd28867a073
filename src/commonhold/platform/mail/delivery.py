"""Sending one queued message and recording what the mail server said."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.base import utcnow
from commonhold.platform.mail.models import OutgoingEmail
from commonhold.platform.mail.senders import SEND_ATTEMPTS, Email, Mailer, send_email

log = structlog.get_logger(__name__)


async def send_queued_email(session: AsyncSession, mailer: Mailer, email_id: uuid.UUID) -> bool:
    """Try to send a queued message once and record the outcome; True if it should be tried
    again later. A message already sent or failed, or gone, is left alone."""
    queued = await session.scalar(
        select(OutgoingEmail).where(OutgoingEmail.id == email_id).with_for_update()
    )
    if queued is None or queued.status != "queued":
        if queued is None:
            log.warning("outgoing_email_missing", email_id=str(email_id))
        return False
    queued.attempts += 1
    email = Email(queued.to_address, queued.subject, queued.text_body, queued.html_body)
    result = await send_email(mailer, email)
    retry = result.status == "retry" and queued.attempts < SEND_ATTEMPTS
    queued.provider_response, queued.error = result.response, result.error
    if result.status == "sent":
        queued.status, queued.sent_at = "sent", utcnow()
        queued.text_body, queued.html_body = "", None
    elif not retry:
        queued.status = "failed"
    return retry
