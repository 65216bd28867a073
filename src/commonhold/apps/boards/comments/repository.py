"""Every SQL statement about comments. Queries filter by card; RLS is the safety net."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.models import Comment
from commonhold.platform.identity.models import User


async def comment(session: AsyncSession, comment_id: uuid.UUID) -> Comment | None:
    """A comment that is not deleted."""
    return await session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.deleted_at.is_(None))
    )


def comments_of_card(card_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    """The card's comments that are not deleted, with their authors' names."""
    return (
        select(Comment, User.display_name.label("display_name"))
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.card_id == card_id, Comment.deleted_at.is_(None))
    )


async def display_name(session: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    return await session.scalar(select(User.display_name).where(User.id == user_id))
