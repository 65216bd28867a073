"""The search statement: the best matches among a workspace's cards and comments, on the
boards the caller sees. It filters by workspace and board; RLS is the safety net."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    DOUBLE_PRECISION,
    ColumnElement,
    Row,
    SQLColumnExpression,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.models import Board, BoardList, BoardMember, Card, Comment

CONFIG = "english"
# ts_headline marks matches with characters nobody types (private use), removed from the
# text first: the service turns them into <mark> once the rest is escaped.
MATCH_START, MATCH_END = "\ue000", "\ue001"
HEADLINE_OPTIONS = f'StartSel="{MATCH_START}", StopSel="{MATCH_END}", MaxWords=35, MinWords=15'


@dataclass(frozen=True)
class Position:
    """Where a page of matches ends, in their order: rank down, then kind and id up."""

    rank: float
    kind: str
    id: uuid.UUID


def _rank(vector: SQLColumnExpression[str], query: ColumnElement[Any]) -> ColumnElement[float]:
    """How well ``vector`` matches, in double precision: the ``real`` that ``ts_rank`` gives
    reaches Python (and a cursor) as text rounded for a ``real``, which as a ``double`` no
    longer equals the rank it came from, so ties at a page's end would be lost."""
    return cast(func.ts_rank(vector, query), DOUBLE_PRECISION)


def _sees_board(user_id: uuid.UUID, every_board: bool) -> ColumnElement[bool]:
    """``Board`` is one the user sees: every board for the workspace's owner and admins,
    otherwise workspace boards and the private ones naming them."""
    if every_board:
        return true()
    named = exists().where(BoardMember.board_id == Board.id, BoardMember.user_id == user_id)
    return or_(Board.visibility == "workspace", named)


async def search(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID,
    every_board: bool,
    terms: str,
    after: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Matching cards (title, description) and comments not deleted, best first (those past
    ``after``), each with its card, list and board and a headline of the matching passage.

    The words are parsed once, in a subquery, and only the rows kept get a headline.
    """
    query = select(func.websearch_to_tsquery(CONFIG, terms)).scalar_subquery()
    visible = _sees_board(user_id, every_board)
    cards = (
        select(
            literal("card").label("kind"),
            Card.id.label("id"),
            Card.id.label("card_id"),
            _rank(Card.search_vector, query).label("rank"),
        )
        .join(Board, Board.id == Card.board_id)
        .where(Card.space_id == workspace_id, Card.search_vector.op("@@")(query), visible)
    )
    comments = (
        select(
            literal("comment").label("kind"),
            Comment.id.label("id"),
            Comment.card_id.label("card_id"),
            _rank(Comment.search_vector, query).label("rank"),
        )
        .join(Board, Board.id == Comment.board_id)
        .where(
            Comment.space_id == workspace_id,
            Comment.deleted_at.is_(None),
            Comment.search_vector.op("@@")(query),
            visible,
        )
    )
    matches = union_all(cards, comments).subquery("matches")
    page = select(matches).order_by(matches.c.rank.desc(), matches.c.kind, matches.c.id)
    if after is not None:
        page = page.where(
            or_(
                matches.c.rank < after.rank,
                and_(
                    matches.c.rank == after.rank,
                    tuple_(matches.c.kind, matches.c.id) > tuple_(after.kind, after.id),
                ),
            )
        )
    hits = page.limit(limit).subquery("hits")
    document = case(
        (hits.c.kind == "card", Card.title + "\n" + func.coalesce(Card.description, "")),
        else_=Comment.body,
    )
    headline = func.ts_headline(
        CONFIG, func.translate(document, MATCH_START + MATCH_END, ""), query, HEADLINE_OPTIONS
    )
    statement = (
        select(
            hits.c.kind,
            hits.c.id,
            hits.c.rank,
            Card.id.label("card_id"),
            Card.title.label("card_title"),
            BoardList.id.label("list_id"),
            BoardList.name.label("list_name"),
            Board.id.label("board_id"),
            Board.name.label("board_name"),
            (Card.archived | BoardList.archived | Board.archived).label("archived"),
            headline.label("headline"),
        )
        .select_from(hits)
        .join(Card, Card.id == hits.c.card_id)
        .join(BoardList, BoardList.id == Card.list_id)
        .join(Board, Board.id == Card.board_id)
        .outerjoin(Comment, and_(hits.c.kind == "comment", Comment.id == hits.c.id))
        .order_by(hits.c.rank.desc(), hits.c.kind, hits.c.id)
    )
    return (await session.execute(statement)).all()
