"""Search rules: the caller finds only what they could open (cards and comments of the
boards they see, never a deleted comment); archived cards are found, and marked."""

from __future__ import annotations

import html
import math
import uuid
from typing import Any, get_args

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.access import WORKSPACE_MANAGERS, access_workspace
from commonhold.apps.boards.search import repository as repo
from commonhold.apps.boards.search.schemas import Kind, SearchHit, SearchResults
from commonhold.platform.authz import AuthSubject
from commonhold.platform.pagination import InvalidCursor, decode_cursor, encode_cursor

KINDS = get_args(Kind)


def _snippet(headline: str) -> str:
    return (
        html.escape(headline, quote=False)
        .replace(repo.MATCH_START, "<mark>")
        .replace(repo.MATCH_END, "</mark>")
    )


def _hit(row: Row[Any]) -> SearchHit:
    fields = row._mapping
    return SearchHit(
        kind=fields["kind"],
        id=fields["id"],
        card_id=fields["card_id"],
        card_title=fields["card_title"],
        list_id=fields["list_id"],
        list_name=fields["list_name"],
        board_id=fields["board_id"],
        board_name=fields["board_name"],
        archived=fields["archived"],
        snippet=_snippet(fields["headline"]),
        rank=fields["rank"],
    )


def _position(cursor: str) -> repo.Position:
    """Where the previous page ended; ``invalid_cursor`` for anything else."""
    rank, kind, last_id = decode_cursor(cursor, (float, str, uuid.UUID))
    if not math.isfinite(rank) or kind not in KINDS:
        raise InvalidCursor()
    return repo.Position(rank, kind, last_id)


async def search(
    session: AsyncSession,
    subject: AuthSubject,
    workspace_id: uuid.UUID,
    terms: str,
    cursor: str | None,
    limit: int,
) -> SearchResults:
    """Best matches first, a page at a time. Words as a search box takes them (`"exact
    phrase"`, `or`, `-excluded`); words too common to count (``the``) or symbols alone match
    nothing. Pages follow each other by rank, then kind and id: equal ranks never repeat or
    skip a match between pages."""
    workspace = await access_workspace(session, subject, workspace_id)
    every_board = workspace.role in WORKSPACE_MANAGERS
    after = _position(cursor) if cursor is not None else None
    rows = await repo.search(
        session, workspace_id, subject.user_id, every_board, terms, after, limit + 1
    )
    hits = [_hit(row) for row in rows[:limit]]
    last = hits[-1] if len(rows) > limit else None
    next_cursor = encode_cursor((last.rank, last.kind, last.id)) if last else None
    return SearchResults(items=hits, next_cursor=next_cursor)
