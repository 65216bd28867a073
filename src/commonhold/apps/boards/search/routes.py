"""Thin HTTP endpoint of search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from commonhold.apps.boards.params import WorkspaceId
from commonhold.apps.boards.search import service
from commonhold.apps.boards.search.schemas import SearchResults
from commonhold.platform.deps import CurrentUser, Session
from commonhold.platform.pagination import Cursor
from commonhold.platform.problems import problem_responses

router = APIRouter(
    prefix="/api/v1",
    tags=["boards"],
    responses=problem_responses(400, 401, 403, 404, 422, 429),
)
Terms = Annotated[
    str,
    Query(
        min_length=1,
        max_length=200,
        description='Words to find, as in a search box: `"exact phrase"`, `or`, `-excluded`.',
        examples=["press release"],
    ),
]
SearchLimit = Annotated[int, Query(ge=1, le=50, description="Matches per page (at most 50).")]


@router.get(
    "/workspaces/{workspace_id}/search",
    operation_id="boards_search",
    summary="Search the cards and comments I can see",
)
async def search(
    workspace_id: WorkspaceId,
    q: Terms,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: SearchLimit = 20,
) -> SearchResults:
    """Card titles and descriptions and comments on the boards I see, best matches first,
    each with its card, list and board and the passages that match; a page at a time, the
    next with the same `q` and the `next_cursor` of the last. `400 invalid_cursor` for a
    cursor that is not one."""
    return await service.search(session, subject, workspace_id, q, cursor, limit)
