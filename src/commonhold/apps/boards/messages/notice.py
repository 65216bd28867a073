"""Telling a recipient about a message they were sent, on the channels they chose."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.messages import repository as repo
from commonhold.apps.boards.notifications import MESSAGE_RECEIVED
from commonhold.platform.notify.service import notify

EXCERPT_LENGTH = 200


async def tell_recipient(session: AsyncSession, message_id: uuid.UUID) -> bool:
    """Notify the message's recipient once (its id is the dedupe key); False when the message
    or its workspace is gone, or they were told already. ``session`` is the system role's:
    only it may create notifications."""
    found = await repo.notice_details(session, message_id)
    if found is None:
        return False
    message, sender, workspace = found
    data = {
        "sender": sender,
        "workspace": workspace,
        "excerpt": _excerpt(message.body),
        "message_id": str(message.id),
        "sender_id": str(message.sender_id),
        "workspace_id": str(message.space_id),
    }
    created = await notify(
        session,
        [message.recipient_id],
        MESSAGE_RECEIVED.key,
        data,
        str(message.id),
        message.space_id,
    )
    return bool(created)


def _excerpt(body: str) -> str:
    return body if len(body) <= EXCERPT_LENGTH else body[: EXCERPT_LENGTH - 1].rstrip() + "…"
