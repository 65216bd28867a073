"""The statements that take someone off a workspace's boards and cards, each one indexed
statement whatever the workspace's size."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Row, delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.models import BoardMember, Card


async def leave_boards(
    session: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> Sequence[uuid.UUID]:
    """Delete the user's board memberships in the workspace; the boards they were on."""
    boards = await session.scalars(
        delete(BoardMember)
        .where(BoardMember.space_id == workspace_id, BoardMember.user_id == user_id)
        .returning(BoardMember.board_id)
    )
    return boards.all()


async def unassign_everywhere(
    session: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> Sequence[Row[uuid.UUID, uuid.UUID]]:
    """Take the user off every card of the workspace (through ``ix_cards_assignee_ids``);
    the cards they were on, with their boards."""
    cards = await session.execute(
        update(Card)
        .where(Card.space_id == workspace_id, Card.assignee_ids.contains([user_id]))
        .values(assignee_ids=func.array_remove(Card.assignee_ids, user_id))
        .returning(Card.id, Card.board_id)
    )
    return cards.all()
