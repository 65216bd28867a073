"""Every SQL statement about boards, their members and labels, the board view and activity.
Queries filter by board or workspace; RLS is the safety net."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.models import (
    Activity,
    Board,
    BoardList,
    BoardMember,
    Card,
    Checklist,
    ChecklistItem,
    Comment,
    Label,
)
from commonhold.platform.identity.models import User
from commonhold.platform.spaces.models import Space, SpaceMember

AnySelect = Select[*tuple[Any, ...]]
WORKSPACE_MANAGERS = ("owner", "admin")


@dataclass(frozen=True)
class BoardWithRoles:
    board: Board
    # The caller's role in the workspace, and on the board (None when not named on it).
    roles: tuple[str, str | None]


async def board_with_roles(
    session: AsyncSession, board_id: uuid.UUID, user_id: uuid.UUID
) -> BoardWithRoles | None:
    """A board of a live workspace the user belongs to, with the user's roles, in one query."""
    row = (
        await session.execute(
            select(Board, SpaceMember.role, BoardMember.role)
            .join(Space, Space.id == Board.space_id)
            .join(
                SpaceMember,
                and_(SpaceMember.space_id == Board.space_id, SpaceMember.user_id == user_id),
            )
            .outerjoin(
                BoardMember,
                and_(BoardMember.board_id == Board.id, BoardMember.user_id == user_id),
            )
            .where(Board.id == board_id, Space.deleted_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    return BoardWithRoles(row[0], (row[1], row[2]))


def visible_boards(
    workspace_id: uuid.UUID, user_id: uuid.UUID, space_role: str, archived: bool
) -> AnySelect:
    """The workspace's boards the user may see, with their board role (None when not named)."""
    statement = (
        select(Board, BoardMember.role.label("board_role"))
        .outerjoin(
            BoardMember, and_(BoardMember.board_id == Board.id, BoardMember.user_id == user_id)
        )
        .where(Board.space_id == workspace_id, Board.archived.is_(archived))
    )
    if space_role not in WORKSPACE_MANAGERS:
        statement = statement.where(
            or_(Board.visibility == "workspace", BoardMember.user_id.is_not(None))
        )
    return statement


async def members(session: AsyncSession, board_id: uuid.UUID) -> Sequence[Row[Any]]:
    """The board's members with their names, in the order they joined."""
    return (
        await session.execute(
            members_of_board(board_id).order_by(BoardMember.created_at, BoardMember.user_id)
        )
    ).all()


def members_of_board(board_id: uuid.UUID) -> AnySelect:
    return (
        select(BoardMember, User.display_name.label("display_name"))
        .join(User, User.id == BoardMember.user_id)
        .where(BoardMember.board_id == board_id)
    )


async def member(
    session: AsyncSession, board_id: uuid.UUID, user_id: uuid.UUID
) -> BoardMember | None:
    return await session.scalar(
        select(BoardMember).where(BoardMember.board_id == board_id, BoardMember.user_id == user_id)
    )


async def display_name(session: AsyncSession, user_id: uuid.UUID) -> str:
    return await session.scalar(select(User.display_name).where(User.id == user_id)) or ""


async def space_role(
    session: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> str | None:
    return await session.scalar(
        select(SpaceMember.role).where(
            SpaceMember.space_id == workspace_id, SpaceMember.user_id == user_id
        )
    )


async def unassign_from_board(
    session: AsyncSession, board_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Take ``user_id`` off every card of the board they were assigned."""
    await session.execute(
        update(Card)
        .where(Card.board_id == board_id, Card.assignee_ids.contains([user_id]))
        .values(assignee_ids=func.array_remove(Card.assignee_ids, user_id))
    )


async def label(session: AsyncSession, label_id: uuid.UUID) -> Label | None:
    return await session.get(Label, label_id)


def labels_of_board(board_id: uuid.UUID) -> Select[Label]:
    return select(Label).where(Label.board_id == board_id)


async def all_labels(session: AsyncSession, board_id: uuid.UUID) -> Sequence[Label]:
    return (
        await session.scalars(labels_of_board(board_id).order_by(Label.created_at, Label.id))
    ).all()


async def remove_label_from_cards(session: AsyncSession, label: Label) -> None:
    await session.execute(
        update(Card)
        .where(Card.board_id == label.board_id, Card.label_ids.contains([label.id]))
        .values(label_ids=func.array_remove(Card.label_ids, label.id))
    )


async def open_lists(session: AsyncSession, board_id: uuid.UUID) -> Sequence[BoardList]:
    return (
        await session.scalars(
            select(BoardList)
            .where(BoardList.board_id == board_id, BoardList.archived.is_(False))
            .order_by(BoardList.position)
        )
    ).all()


async def open_cards(session: AsyncSession, board_id: uuid.UUID) -> Sequence[Row[Any]]:
    """The board's cards that are not archived, by list and position, with how many comments
    and checklist items (done of all) each has: one query whatever the board's size."""
    comments = (
        select(func.count())
        .where(Comment.card_id == Card.id, Comment.deleted_at.is_(None))
        .correlate(Card)
        .scalar_subquery()
    )
    items = (
        select(
            func.count().label("total"),
            func.count().filter(ChecklistItem.done).label("done"),
        )
        .select_from(ChecklistItem)
        .where(ChecklistItem.checklist_id.in_(_checklists_of_card()))
        .correlate(Card)
        .lateral()
    )
    statement = (
        select(
            Card.id,
            Card.version,
            Card.list_id,
            Card.title,
            Card.position,
            Card.due_at,
            Card.label_ids,
            Card.assignee_ids,
            (Card.description.is_not(None) & (Card.description != "")).label("has_description"),
            comments.label("comment_count"),
            items.c.total.label("checklist_total"),
            items.c.done.label("checklist_done"),
        )
        .join(items, true())
        .where(Card.board_id == board_id, Card.archived.is_(False))
        .order_by(Card.list_id, Card.position)
    )
    return (await session.execute(statement)).all()


def _checklists_of_card() -> Select[uuid.UUID]:
    return select(Checklist.id).where(Checklist.card_id == Card.id).correlate(Card)


def activity_of_board(
    board_id: uuid.UUID, since: datetime | None, until: datetime | None
) -> AnySelect:
    statement = select(Activity).where(Activity.board_id == board_id)
    if since is not None:
        statement = statement.where(Activity.created_at >= since)
    if until is not None:
        statement = statement.where(Activity.created_at < until)
    return statement
