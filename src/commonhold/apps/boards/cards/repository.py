"""Every SQL statement about lists, cards and checklists, their order keys and the locks that
keep those keys apart. Queries filter by board or list; RLS is the safety net."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, func, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import String, Uuid

from commonhold.apps.boards.boards.repository import sees_board
from commonhold.apps.boards.models import (
    POSITION_COLLATION,
    Board,
    BoardList,
    BoardMember,
    Card,
    Checklist,
    ChecklistItem,
)
from commonhold.platform.spaces.models import Space, SpaceMember

Ordered = type[BoardList] | type[Card]


def container_of(model: Ordered) -> InstrumentedAttribute[uuid.UUID]:
    """The column whose value groups the rows one order applies to: a board's lists, a
    list's cards."""
    return BoardList.board_id if model is BoardList else Card.list_id


async def lock_board(session: AsyncSession, board_id: uuid.UUID) -> None:
    """Order changes of a board's lists one at a time (until the transaction ends)."""
    await session.execute(
        select(Board.id).where(Board.id == board_id).with_for_update(key_share=True)
    )


async def lock_list(session: AsyncSession, list_id: uuid.UUID) -> BoardList | None:
    """The list, locked: order changes of its cards happen one at a time (until the
    transaction ends). Its rows still take new cards' foreign keys meanwhile."""
    return await session.scalar(
        select(BoardList)
        .where(BoardList.id == list_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


async def board_list(session: AsyncSession, list_id: uuid.UUID) -> BoardList | None:
    return await session.get(BoardList, list_id)


def lists_of_board(board_id: uuid.UUID, archived: bool) -> Select[*tuple[Any, ...]]:
    return select(BoardList).where(BoardList.board_id == board_id, BoardList.archived.is_(archived))


async def card(session: AsyncSession, card_id: uuid.UUID, lock: bool = False) -> Card | None:
    statement = select(Card).where(Card.id == card_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(statement)


def cards_of_list(list_id: uuid.UUID, archived: bool) -> Select[*tuple[Any, ...]]:
    return select(Card).where(Card.list_id == list_id, Card.archived.is_(archived))


async def position_of(
    session: AsyncSession, model: Ordered, container_id: uuid.UUID, row_id: uuid.UUID
) -> str | None:
    """The key of ``row_id`` if it is in the container."""
    return await session.scalar(
        select(model.position).where(model.id == row_id, container_of(model) == container_id)
    )


async def neighbour_key(
    session: AsyncSession,
    model: Ordered,
    container_id: uuid.UUID,
    moving_id: uuid.UUID | None,
    *,
    above: str | None = None,
    below: str | None = None,
) -> str | None:
    """The nearest key above ``above`` or below ``below`` (with neither: the last key) among
    the container's rows, archived ones included, the moving row left out."""
    aggregate = func.min if above is not None else func.max
    statement = select(aggregate(model.position)).where(container_of(model) == container_id)
    if moving_id is not None:
        statement = statement.where(model.id != moving_id)
    if above is not None:
        statement = statement.where(model.position > above)
    if below is not None:
        statement = statement.where(model.position < below)
    return await session.scalar(statement)


async def key_at_index(
    session: AsyncSession,
    model: Ordered,
    container_id: uuid.UUID,
    moving_id: uuid.UUID | None,
    index: int,
) -> str | None:
    """The key of the row shown at ``index`` (archived rows are not shown), the moving row
    left out; None past the end."""
    statement = (
        select(model.position)
        .where(container_of(model) == container_id, model.archived.is_(False))
        .order_by(model.position)
        .offset(index)
        .limit(1)
    )
    if moving_id is not None:
        statement = statement.where(model.id != moving_id)
    return await session.scalar(statement)


async def ids_in_order(
    session: AsyncSession, model: Ordered, container_id: uuid.UUID, moving_id: uuid.UUID | None
) -> Sequence[uuid.UUID]:
    statement = select(model.id).where(container_of(model) == container_id).order_by(model.position)
    if moving_id is not None:
        statement = statement.where(model.id != moving_id)
    return (await session.scalars(statement)).all()


async def set_keys(
    session: AsyncSession,
    model: Ordered,
    container_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    keys: Sequence[str],
) -> None:
    """Give each row its new key, in one statement. A row that left the container meanwhile
    keeps its own (the container condition is checked again on the row's newest version)."""
    new = select(
        func.unnest(bindparam("ids", list(ids), type_=ARRAY(Uuid))).label("id"),
        func.unnest(bindparam("keys", list(keys), type_=ARRAY(String))).label("position"),
    ).subquery()
    await session.execute(
        update(model)
        .where(model.id == new.c.id, container_of(model) == container_id)
        .values(position=new.c.position.collate(POSITION_COLLATION))
        .execution_options(synchronize_session=False)
    )


async def checklist(session: AsyncSession, checklist_id: uuid.UUID) -> Checklist | None:
    return await session.get(Checklist, checklist_id)


async def checklist_item(session: AsyncSession, item_id: uuid.UUID) -> ChecklistItem | None:
    return await session.get(ChecklistItem, item_id)


async def checklists_of_card(
    session: AsyncSession, card_id: uuid.UUID
) -> list[tuple[Checklist, list[ChecklistItem]]]:
    """The card's checklists with their items, oldest first, in two queries."""
    checklists = (
        await session.scalars(
            select(Checklist)
            .where(Checklist.card_id == card_id)
            .order_by(Checklist.created_at, Checklist.id)
        )
    ).all()
    items: dict[uuid.UUID, list[ChecklistItem]] = {c.id: [] for c in checklists}
    if checklists:
        for item in await session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.checklist_id.in_(list(items)))
            .order_by(ChecklistItem.created_at, ChecklistItem.id)
        ):
            items[item.checklist_id].append(item)
    return [(c, items[c.id]) for c in checklists]


async def items_of_checklist(
    session: AsyncSession, checklist_id: uuid.UUID
) -> Sequence[ChecklistItem]:
    return (
        await session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.checklist_id == checklist_id)
            .order_by(ChecklistItem.created_at, ChecklistItem.id)
        )
    ).all()


async def reset_checklists(session: AsyncSession, card_id: uuid.UUID) -> None:
    """Every item of the card's checklists not done again."""
    await session.execute(
        update(ChecklistItem)
        .where(
            ChecklistItem.checklist_id.in_(
                select(Checklist.id).where(Checklist.card_id == card_id)
            ),
            ChecklistItem.done.is_(True),
        )
        .values(done=False)
    )


async def assignees_of_cards_due(
    session: AsyncSession, start: datetime, end: datetime
) -> Sequence[Row[Any]]:
    """Cards due from ``start`` (inclusive) to ``end`` (exclusive) that anyone still works
    on (not completed; neither they, their list, their board nor its workspace archived or
    deleted): one row
    per assignee who can see the board, with the card's ``id``, ``title``, ``due_at``,
    ``board_id``, ``space_id``, the ``board``'s name and the assignee's ``user_id``."""
    # A function in FROM sees the rows before it: unnest(...) AS assignee(user_id).
    assignee = func.unnest(Card.assignee_ids).table_valued("user_id").render_derived("assignee")
    statement = (
        select(
            Card.id,
            Card.title,
            Card.due_at,
            Card.board_id,
            Card.space_id,
            Board.name.label("board"),
            assignee.c.user_id,
        )
        .join(BoardList, BoardList.id == Card.list_id)
        .join(Board, Board.id == Card.board_id)
        .join(Space, Space.id == Card.space_id)
        .join(assignee, true())
        .join(
            SpaceMember,
            and_(SpaceMember.space_id == Card.space_id, SpaceMember.user_id == assignee.c.user_id),
        )
        .outerjoin(
            BoardMember,
            and_(BoardMember.board_id == Card.board_id, BoardMember.user_id == assignee.c.user_id),
        )
        .where(
            Card.due_at >= start,
            Card.due_at < end,
            # As ``ix_cards_open_due_at`` is limited: the index serves the range.
            Card.archived.is_(False),
            Card.completed_at.is_(None),
            BoardList.archived.is_(False),
            Board.archived.is_(False),
            Space.deleted_at.is_(None),
            sees_board(SpaceMember.role, BoardMember.user_id),
        )
        .order_by(Card.due_at, Card.id, assignee.c.user_id)
    )
    return (await session.execute(statement)).all()
