"""Every SQL statement about direct messages. Queries filter by workspace and participant;
RLS is the safety net (only a message's sender and recipient read it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Uuid, and_, case, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from commonhold.apps.boards.models import DirectMessage
from commonhold.platform.identity.models import User
from commonhold.platform.spaces.models import Space, SpaceMember

AnySelect = Select[*tuple[Any, ...]]


def _pair(
    messages: type[DirectMessage] = DirectMessage,
) -> tuple[ColumnElement[uuid.UUID], ColumnElement[uuid.UUID]]:
    """A message's two people in a fixed order, as ``ix_direct_messages_conversation`` has
    them."""
    people = (messages.sender_id, messages.recipient_id)
    return func.least(*people, type_=Uuid), func.greatest(*people, type_=Uuid)


def _between(first: uuid.UUID, second: uuid.UUID) -> ColumnElement[bool]:
    """The messages of ``first`` and ``second``, whoever wrote each."""
    # PostgreSQL orders uuids by their bytes, as Python does.
    low, high = sorted((first, second))
    least, greatest = _pair()
    return and_(least == low, greatest == high)


async def is_member(session: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(SpaceMember.user_id).where(
            SpaceMember.space_id == workspace_id, SpaceMember.user_id == user_id
        )
    )
    return found is not None


async def message(session: AsyncSession, message_id: uuid.UUID) -> DirectMessage | None:
    return await session.scalar(select(DirectMessage).where(DirectMessage.id == message_id))


def conversation(workspace_id: uuid.UUID, user_id: uuid.UUID, other_id: uuid.UUID) -> AnySelect:
    return select(DirectMessage).where(
        DirectMessage.space_id == workspace_id, _between(user_id, other_id)
    )


def conversations(workspace_id: uuid.UUID, user_id: uuid.UUID) -> AnySelect:
    """The last message of each of the user's conversations in the workspace, with the other
    person's name and how many of their messages the user has not read."""
    each = aliased(DirectMessage)
    last = (
        select(each.id, each.created_at)
        .ext(distinct_on(*_pair(each)))
        .where(
            each.space_id == workspace_id,
            or_(each.sender_id == user_id, each.recipient_id == user_id),
        )
        .order_by(*_pair(each), each.created_at.desc(), each.id.desc())
    )
    other = case(
        (DirectMessage.sender_id == user_id, DirectMessage.recipient_id),
        else_=DirectMessage.sender_id,
    )
    theirs = aliased(DirectMessage)
    unread = (
        select(func.count())
        .where(
            theirs.space_id == workspace_id,
            theirs.recipient_id == user_id,
            theirs.sender_id == other,
            theirs.read_at.is_(None),
        )
        .correlate(DirectMessage)
        .scalar_subquery()
    )
    return (
        select(
            DirectMessage,
            User.id.label("other_id"),
            User.display_name.label("display_name"),
            unread.label("unread_count"),
        )
        .join(User, User.id == other)
        .where(tuple_(DirectMessage.id, DirectMessage.created_at).in_(last))
    )


async def mark_conversation_read(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    recipient_id: uuid.UUID,
    sender_id: uuid.UUID,
    until: datetime,
) -> int:
    """Mark read what ``sender_id`` sent ``recipient_id`` up to ``until``; how many."""
    result = await session.execute(
        update(DirectMessage)
        .where(
            DirectMessage.space_id == workspace_id,
            DirectMessage.recipient_id == recipient_id,
            DirectMessage.sender_id == sender_id,
            DirectMessage.read_at.is_(None),
            DirectMessage.created_at <= until,
        )
        .values(read_at=until)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def notice_details(
    session: AsyncSession, message_id: uuid.UUID
) -> tuple[DirectMessage, str, str] | None:
    """A message with its sender's name and its workspace's, while the workspace stands."""
    row = (
        await session.execute(
            select(DirectMessage, User.display_name, Space.name)
            .join(User, User.id == DirectMessage.sender_id)
            .join(Space, Space.id == DirectMessage.space_id)
            .where(DirectMessage.id == message_id, Space.deleted_at.is_(None))
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None
