"""Search rules: the caller finds only what they could open (cards and comments of the
boards they see, never a deleted comment); archived cards are found, and marked."""

from __future__ import annotations

import html
import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.access import WORKSPACE_MANAGERS, access_workspace
from commonhold.apps.boards.search import repository as repo
from commonhold.apps.boards.search.schemas import SearchHit, SearchResults
from commonhold.platform.authz import AuthSubject


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


async def search(
    session: AsyncSession, subject: AuthSubject, workspace_id: uuid.UUID, terms: str, limit: int
) -> SearchResults:
    """Best matches first. Words as a search box takes them (`"exact phrase"`, `or`,
    `-excluded`); words too common to count (``the``) or symbols alone match nothing."""
    workspace = await access_workspace(session, subject, workspace_id)
    every_board = workspace.role in WORKSPACE_MANAGERS
    rows = await repo.search(session, workspace_id, subject.user_id, every_board, terms, limit)
    return SearchResults(items=[_hit(row) for row in rows])
