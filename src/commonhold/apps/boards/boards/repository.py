"""Every SQL statement about boards, their members and labels, the board view and activity.
Queries filter by board or workspace; RLS is the safety net."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    SQLColumnExpression,
    Text,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.models import (
    Activity,
    Board,
    BoardList,
    BoardMember,
    Card,
    CardAttachment,
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


def sees_board(
    space_role: SQLColumnExpression[str], board_member: SQLColumnExpression[uuid.UUID]
) -> ColumnElement[bool]:
    """Whether a workspace member sees ``Board`` (``access.effective_board_role`` in SQL):
    ``board_member`` is their board membership's user id, null when not named on it."""
    return or_(
        Board.visibility == "workspace",
        board_member.is_not(None),
        space_role.in_(WORKSPACE_MANAGERS),
    )


async def who_can_see(
    session: AsyncSession, board_id: uuid.UUID, user_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``user_ids`` who may see the board (of a workspace not deleted)."""
    found = await session.scalars(
        select(SpaceMember.user_id)
        .join(Board, Board.space_id == SpaceMember.space_id)
        .join(Space, Space.id == Board.space_id)
        .outerjoin(
            BoardMember,
            and_(BoardMember.board_id == Board.id, BoardMember.user_id == SpaceMember.user_id),
        )
        .where(
            Board.id == board_id,
            Space.deleted_at.is_(None),
            SpaceMember.user_id.in_(user_ids),
            sees_board(SpaceMember.role, BoardMember.user_id),
        )
    )
    return set(found)


# A board's member list is cached (platform/cache.py) and invalidated by every change of its
# rows: a member added, removed or given another role. It holds the rows as named, whatever
# the workspace role of each, so a workspace's membership changes leave it as it is (who sees
# the board is decided afresh by every request). A renamed person keeps their former display
# name in it until it expires.
MEMBERS_TTL_SECONDS = 120


def members_key(board_id: uuid.UUID) -> str:
    return f"boards:members:{board_id}"


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


async def open_lists_json(session: AsyncSession, board_id: uuid.UUID) -> str:
    """The board's lists that are not archived, in order, each with its cards that are not
    archived, in order, and per card how many comments, attachments and checklist items (done
    of all) it has: one JSON array in ``BoardViewList``'s shape, built by PostgreSQL in one
    query whatever the board's size, with no Python object per card on the way to the
    response. Counts are grouped over the board's comments, attachments and items at once,
    not looked up card by card."""
    comments = (
        select(Comment.card_id, func.count().label("count"))
        .where(Comment.board_id == board_id, Comment.deleted_at.is_(None))
        .group_by(Comment.card_id)
        .subquery()
    )
    attachments = (
        select(CardAttachment.card_id, func.count().label("count"))
        .where(CardAttachment.board_id == board_id)
        .group_by(CardAttachment.card_id)
        .subquery()
    )
    items = (
        select(
            Checklist.card_id,
            func.count().label("total"),
            func.count().filter(ChecklistItem.done).label("done"),
        )
        .join(Checklist, Checklist.id == ChecklistItem.checklist_id)
        .where(ChecklistItem.board_id == board_id)
        .group_by(Checklist.card_id)
        .subquery()
    )
    card = func.json_build_object(
        "id", Card.id,
        "version", Card.version,
        "list_id", Card.list_id,
        "title", Card.title,
        "position", Card.position,
        "due_at", _json_time(Card.due_at),
        "label_ids", Card.label_ids,
        "assignee_ids", Card.assignee_ids,
        "completed_at", _json_time(Card.completed_at),
        "recurrence", Card.recurrence,
        "has_description", func.coalesce(Card.description, "") != "",
        "comment_count", func.coalesce(comments.c.count, 0),
        "attachment_count", func.coalesce(attachments.c.count, 0),
        "checklist_total", func.coalesce(items.c.total, 0),
        "checklist_done", func.coalesce(items.c.done, 0),
    )  # fmt: skip
    cards = (
        select(
            Card.list_id,
            func.json_agg(aggregate_order_by(card, Card.position)).label("cards"),
        )
        .outerjoin(comments, comments.c.card_id == Card.id)
        .outerjoin(attachments, attachments.c.card_id == Card.id)
        .outerjoin(items, items.c.card_id == Card.id)
        .where(Card.board_id == board_id, Card.archived.is_(False))
        .group_by(Card.list_id)
        # Computed once: left to the planner, it may aggregate the cards again for each list.
        .cte("cards_by_list")
        .prefix_with("MATERIALIZED")
    )
    board_list = func.json_build_object(
        "id", BoardList.id,
        "version", BoardList.version,
        "name", BoardList.name,
        "position", BoardList.position,
        "cards", func.coalesce(cards.c.cards, literal_column("'[]'::json")),
    )  # fmt: skip
    statement = (
        select(
            func.coalesce(
                func.json_agg(aggregate_order_by(board_list, BoardList.position)).cast(Text),
                "[]",
            )
        )
        .outerjoin(cards, cards.c.list_id == BoardList.id)
        .where(BoardList.board_id == board_id, BoardList.archived.is_(False))
    )
    lists: str = (await session.execute(statement)).scalar_one()
    return lists


def _json_time(column: SQLColumnExpression[datetime | None]) -> ColumnElement[str | None]:
    """A time as the API writes times: UTC, ``Z``, microseconds only when there are some."""
    utc = column.op("AT TIME ZONE")("UTC")
    whole_second = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
    fraction = case(
        (func.date_part("microseconds", column).cast(BigInteger) % 1_000_000 == 0, ""),
        else_=func.to_char(utc, ".US"),
    )
    return whole_second + fraction + "Z"


def activity_of_board(
    board_id: uuid.UUID, since: datetime | None, until: datetime | None
) -> AnySelect:
    statement = select(Activity).where(Activity.board_id == board_id)
    if since is not None:
        statement = statement.where(Activity.created_at >= since)
    if until is not None:
        statement = statement.where(Activity.created_at < until)
    return statement
