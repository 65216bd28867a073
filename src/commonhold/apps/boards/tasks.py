"""Boards background work: telling people they were mentioned or given a card (subscribers
of the app's events, published in the transaction of the change, so nobody hears of a change
that did not commit), and that a card of theirs is due soon. Each checks again that what it
tells still holds and that its people can still see the board."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards import activity, mentions
from commonhold.apps.boards.boards import repository as boards_repo
from commonhold.apps.boards.cards import repository as cards_repo
from commonhold.apps.boards.comments import repository as comments_repo
from commonhold.apps.boards.events import CardAssigned, CardMentioned
from commonhold.apps.boards.messages.notice import tell_recipient
from commonhold.apps.boards.models import Board, Card
from commonhold.apps.boards.notifications import CARD_ASSIGNED, CARD_DUE_SOON, MENTIONED
from commonhold.platform.db.base import utcnow
from commonhold.platform.db.session import Database
from commonhold.platform.events import subscriber
from commonhold.platform.jobs import JobContext, job_app, settings_of, system_database_of
from commonhold.platform.notify.service import notify

DUE_SOON_WITHIN = timedelta(hours=24)


def _due(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _card_and_board(session: AsyncSession, card_id: uuid.UUID) -> tuple[Card, Board] | None:
    card = await cards_repo.card(session, card_id)
    board = await session.get(Board, card.board_id) if card else None
    return (card, board) if card and board else None


def _about(card: Card, board: Board) -> dict[str, Any]:
    return {
        "card": card.title,
        "board": board.name,
        "card_id": str(card.id),
        "board_id": str(board.id),
    }


# Mentions


@subscriber(CardMentioned, "boards.notify_mentioned")
async def notify_mentioned(session: AsyncSession, event: CardMentioned) -> None:
    assert event.actor_id is not None
    await tell_mentioned(
        session,
        event.card_id,
        event.comment_id,
        event.version,
        event.actor_id,
        set(event.mentioned_ids),
    )


async def tell_mentioned(
    session: AsyncSession,
    card_id: uuid.UUID,
    comment_id: uuid.UUID | None,
    version: int,
    author_id: uuid.UUID,
    user_ids: set[uuid.UUID],
) -> int:
    """Once per person and version of the text; nobody the text no longer mentions, and
    nothing about a card or comment deleted since."""
    found = await _card_and_board(session, card_id)
    if found is None:
        return 0
    card, board = found
    text = card.description or ""
    if comment_id is not None:
        comment = await comments_repo.comment(session, comment_id)
        if comment is None:
            return 0
        text = comment.body
    audience = await boards_repo.who_can_see(session, board.id, mentions.mentioned(text) & user_ids)
    if not audience:
        return 0
    data = {
        **_about(card, board),
        "author": await boards_repo.display_name(session, author_id),
        "excerpt": mentions.excerpt(text),
        "comment_id": str(comment_id) if comment_id else None,
    }
    source = f"comment:{comment_id}" if comment_id else f"card:{card_id}"
    created = await notify(
        session, sorted(audience), MENTIONED.key, data, f"{source}:{version}", card.space_id
    )
    return len(created)


# Assignments


@subscriber(CardAssigned, "boards.notify_assignee")
async def notify_assignee(session: AsyncSession, event: CardAssigned) -> None:
    assert event.actor_id is not None
    await tell_assignee(session, event.card_id, event.version, event.actor_id, event.assignee_id)


async def tell_assignee(
    session: AsyncSession,
    card_id: uuid.UUID,
    version: int,
    assigner_id: uuid.UUID,
    assignee_id: uuid.UUID,
) -> int:
    """Once per assignment, unless the card was taken off them (or they off the board)
    since."""
    found = await _card_and_board(session, card_id)
    if found is None or assignee_id not in found[0].assignee_ids:
        return 0
    card, board = found
    if not await boards_repo.who_can_see(session, board.id, {assignee_id}):
        return 0
    data = {
        **_about(card, board),
        "assigner": await boards_repo.display_name(session, assigner_id),
        "due": _due(card.due_at) if card.due_at else None,
    }
    created = await notify(
        session, [assignee_id], CARD_ASSIGNED.key, data, f"{card_id}:{version}", card.space_id
    )
    return len(created)


# Cards due soon


@job_app.periodic(cron="15 * * * *", periodic_id="boards.send_due_soon")
@job_app.task(name="boards.send_due_soon", pass_context=True, queueing_lock="boards.due_soon")
async def send_due_soon(context: JobContext, timestamp: int) -> int:
    """Hourly: tell the assignees of every card due within a day; returns how many
    notifications were created."""
    async with system_database_of(context).sessionmaker() as session, session.begin():
        return await tell_due_soon(session, utcnow())


async def tell_due_soon(session: AsyncSession, now: datetime) -> int:
    """Each assignee of a card due from ``now`` to a day later hears of it once per due
    time: a card given a new due time is told anew. Safe to run as often as wanted."""
    due: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in await cards_repo.assignees_of_cards_due(session, now, now + DUE_SOON_WITHIN):
        due[row.id].append(row)
    created = 0
    for rows in due.values():
        card = rows[0]
        due_at = card.due_at.astimezone(UTC).isoformat()
        data = {
            "card": card.title,
            "board": card.board,
            "card_id": str(card.id),
            "board_id": str(card.board_id),
            "due": _due(card.due_at),
            "due_at": due_at,
        }
        dedupe_key = f"{card.id}:{due_at}"
        user_ids = [row.user_id for row in rows]
        created += len(
            await notify(session, user_ids, CARD_DUE_SOON.key, data, dedupe_key, card.space_id)
        )
    return created


# Activity


@job_app.periodic(cron="37 4 * * 0", periodic_id="boards.trim_activity")
@job_app.task(name="boards.trim_activity", pass_context=True, queueing_lock="boards.trim")
async def trim_activity(context: JobContext, timestamp: int) -> int:
    """Weekly: delete board activity older than the retention, a batch per transaction;
    returns how many rows went."""
    older_than = utcnow() - timedelta(days=settings_of(context).boards_activity_retention_days)
    return await trim_all_activity(system_database_of(context), older_than)


async def trim_all_activity(database: Database, older_than: datetime) -> int:
    """Delete the activity that happened before ``older_than``, a batch per transaction."""
    trimmed, batch = 0, activity.TRIM_BATCH
    while batch == activity.TRIM_BATCH:
        async with database.sessionmaker() as session, session.begin():
            batch = await activity.trim(session, older_than)
        trimmed += batch
    return trimmed


# Direct messages


@job_app.task(name="boards.notify_message_recipient", pass_context=True)
async def notify_message_recipient(context: JobContext, message_id: str) -> bool:
    """Tell a message's recipient about it; False when there was nothing to tell."""
    async with system_database_of(context).sessionmaker() as session, session.begin():
        return await tell_recipient(session, uuid.UUID(message_id))
