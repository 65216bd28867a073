"""Direct message rules: members of a workspace write to one another, never to themselves or
to someone outside it; a message is its sender's and its recipient's alone; the recipient
marks it read. Messages stay out of the workspace's change log (every member would hear
them): the recipient is notified instead, by a job deferred with the message."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.access import access_workspace
from commonhold.apps.boards.errors import WorkspaceNotFound
from commonhold.apps.boards.messages import repository as repo
from commonhold.apps.boards.messages.errors import (
    CannotMessageYourself,
    MessageNotFound,
    NotMessageRecipient,
    RecipientNotWorkspaceMember,
)
from commonhold.apps.boards.messages.schemas import (
    ConversationRead,
    MarkedRead,
    MessageCreate,
    MessageRead,
)
from commonhold.apps.boards.models import DirectMessage
from commonhold.apps.boards.tasks import notify_message_recipient
from commonhold.platform.authz import AuthSubject
from commonhold.platform.db.base import utcnow
from commonhold.platform.jobs import defer_in_transaction
from commonhold.platform.pagination import Page, paginate

NEWEST_FIRST = (DirectMessage.created_at, DirectMessage.id)


def _read(message: DirectMessage) -> MessageRead:
    return MessageRead(
        id=message.id,
        workspace_id=message.space_id,
        sender_id=message.sender_id,
        recipient_id=message.recipient_id,
        body=message.body,
        created_at=message.created_at,
        read_at=message.read_at,
    )


def _conversation(row: Row[Any]) -> ConversationRead:
    return ConversationRead(
        user_id=row._mapping["other_id"],
        display_name=row._mapping["display_name"],
        unread_count=row._mapping["unread_count"],
        last_message=_read(row[0]),
    )


async def send(
    session: AsyncSession, subject: AuthSubject, workspace_id: uuid.UUID, body: MessageCreate
) -> MessageRead:
    """Any member of the workspace, to another member."""
    await access_workspace(session, subject, workspace_id)
    if body.recipient_id == subject.user_id:
        raise CannotMessageYourself()
    if not await repo.is_member(session, workspace_id, body.recipient_id):
        raise RecipientNotWorkspaceMember()
    message = DirectMessage(
        space_id=workspace_id,
        sender_id=subject.user_id,
        recipient_id=body.recipient_id,
        body=body.body,
    )
    session.add(message)
    await session.flush()
    await defer_in_transaction(session, notify_message_recipient, message_id=str(message.id))
    return _read(message)


async def list_conversations(
    session: AsyncSession,
    subject: AuthSubject,
    workspace_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[ConversationRead]:
    """The caller's conversations, the one with the latest message first."""
    await access_workspace(session, subject, workspace_id)
    statement, last = repo.conversations(workspace_id, subject.user_id)
    return await paginate(
        session,
        statement,
        (last.created_at, last.id),
        cursor,
        limit,
        _conversation,
        newest_first=True,
    )


async def read_conversation(
    session: AsyncSession,
    subject: AuthSubject,
    workspace_id: uuid.UUID,
    other_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[MessageRead]:
    """The messages between the caller and ``other_id``, newest first. Someone who has left
    the workspace keeps the conversation they had with those still in it."""
    await access_workspace(session, subject, workspace_id)
    return await paginate(
        session,
        repo.conversation(workspace_id, subject.user_id, other_id),
        NEWEST_FIRST,
        cursor,
        limit,
        lambda row: _read(row._mapping[DirectMessage]),
        newest_first=True,
    )


async def mark_conversation_read(
    session: AsyncSession, subject: AuthSubject, workspace_id: uuid.UUID, other_id: uuid.UUID
) -> MarkedRead:
    """Everything ``other_id`` has sent the caller so far."""
    await access_workspace(session, subject, workspace_id)
    marked = await repo.mark_conversation_read(
        session, workspace_id, subject.user_id, other_id, utcnow()
    )
    return MarkedRead(marked=marked)


async def mark_read(
    session: AsyncSession, subject: AuthSubject, message_id: uuid.UUID
) -> MessageRead:
    """The recipient only; a message read already keeps the time it was first read."""
    message = await repo.message(session, message_id)
    if message is None:
        raise MessageNotFound()
    try:
        await access_workspace(session, subject, message.space_id)
    except WorkspaceNotFound as exc:
        raise MessageNotFound() from exc
    if message.recipient_id != subject.user_id:
        raise NotMessageRecipient()
    if message.read_at is None:
        message.read_at = utcnow()
        await session.flush()
    return _read(message)
