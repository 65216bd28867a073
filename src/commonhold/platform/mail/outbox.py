"""Queueing mail with the change that causes it."""

from __future__ import annotations

import uuid

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.jobs import defer_in_transaction
from commonhold.platform.mail.models import OutgoingEmail
from commonhold.platform.mail.senders import Email
from commonhold.platform.mail.tasks import send_queued


async def queue_email(session: AsyncSession, email: Email) -> uuid.UUID:
    """Send ``email`` once the transaction commits (never if it rolls back)."""
    email_id = uuid.uuid4()
    await session.execute(
        insert(OutgoingEmail).values(
            id=email_id,
            to_address=email.to,
            subject=email.subject,
            text_body=email.text,
            html_body=email.html,
        )
    )
    await defer_in_transaction(session, send_queued, email_id=str(email_id))
    return email_id
