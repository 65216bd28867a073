"""Every SQL statement about direct messages. Queries filter by workspace and participant;
RLS is the safety net (only a message's sender and recipient read it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    and_,
    func,
    literal,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from commonhold.apps.boards.models import DirectMessage
from commonhold.platform.identity.models import User
from commonhold.platform.spaces.models import Space, SpaceMember

AnySelect = Select[*tuple[Any, ...]]
# The messages table as the conversation list's subqueries name it; made once, as adapting a
# new alias's columns costs more than building the rest of the statement.
_WALKED = aliased(DirectMessage, name="walked")
_NEWEST = aliased(DirectMessage, name="newest")
_THEIRS = aliased(DirectMessage, name="theirs")


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


def _correspondents(
    workspace_id: uuid.UUID, user_id: uuid.UUID, user_first: bool
) -> Select[uuid.UUID]:
    """The people the user has a conversation with in the workspace, each once: those whose
    ids sort after the user's (``user_first``: the user leads the pair in
    ``ix_direct_messages_conversation``) or those before. A loose index scan: each step
    jumps from one person to the next in the index, past their conversation's messages."""
    least, greatest = _pair(_WALKED)
    mine, theirs = (least, greatest) if user_first else (greatest, least)
    in_order = (
        select(theirs)
        .where(_WALKED.space_id == workspace_id, mine == user_id)
        .order_by(theirs)
        .limit(1)
    )
    walk = select(in_order.scalar_subquery().label("other_id")).cte(
        "after_me" if user_first else "before_me", recursive=True
    )
    # When the other person leads the pair, the walk is over the index's first person:
    # PostgreSQL 18 skips from one to the next within the index (skip scan), older servers
    # read the index entries of the workspace's conversations in between (not their rows).
    step = select(in_order.where(theirs > walk.c.other_id).scalar_subquery()).where(
        walk.c.other_id.is_not(None)
    )
    walk = walk.union_all(step)
    return select(walk.c.other_id).where(walk.c.other_id.is_not(None))


def conversations(
    workspace_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[AnySelect, type[DirectMessage]]:
    """The last message of each of the user's conversations in the workspace, with the other
    person's name and how many of their messages the user has not read; and the entity of
    those last messages, to order and page by. The other person may have left the workspace
    since. A few index entries per conversation, whatever its length: the people the user
    writes with, then the newest message with each."""
    people = union_all(
        _correspondents(workspace_id, user_id, user_first=True),
        _correspondents(workspace_id, user_id, user_first=False),
    ).subquery("people")
    other = people.c.other_id
    me = literal(user_id, Uuid)
    least, greatest = _pair(_NEWEST)
    newest = (
        select(_NEWEST)
        .where(
            _NEWEST.space_id == workspace_id,
            least == func.least(me, other, type_=Uuid),
            greatest == func.greatest(me, other, type_=Uuid),
        )
        .order_by(_NEWEST.created_at.desc(), _NEWEST.id.desc())
        .limit(1)
        .lateral("last_message")
    )
    last = aliased(DirectMessage, newest)
    unread = (
        select(func.count())
        .where(
            _THEIRS.space_id == workspace_id,
            _THEIRS.recipient_id == user_id,
            _THEIRS.sender_id == other,
            _THEIRS.read_at.is_(None),
        )
        .scalar_subquery()
    )
    statement = (
        select(
            last,
            User.id.label("other_id"),
            User.display_name.label("display_name"),
            unread.label("unread_count"),
        )
        .select_from(people)
        .join(newest, true())
        .join(User, User.id == other)
    )
    return statement, last


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
