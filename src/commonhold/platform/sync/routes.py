"""The catch-up endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from commonhold.platform.deps import CurrentUser, Session
from commonhold.platform.problems import problem_responses
from commonhold.platform.sync import service
from commonhold.platform.sync.schemas import SyncPage

router = APIRouter(
    prefix="/api/v1/sync",
    tags=["sync"],
    responses=problem_responses(400, 401, 410, 422, 429),
)


@router.get("", operation_id="sync_changes", summary="Changes since a cursor")
async def changes_since(
    subject: CurrentUser,
    session: Session,
    cursor: Annotated[
        str | None,
        Query(max_length=41, description="From the last page's `next_cursor`; omit at first."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Changes per page.")] = 200,
) -> SyncPage:
    """Every create, update and delete in the caller's spaces after `cursor`, in the order
    they committed, for clients catching up after being offline. Start without a cursor to
    get the current position, then load what you show, then follow `next_cursor`.
    `410 resync_required`: the cursor is older than the log keeps (90 days); load again."""
    return await service.catch_up(session, cursor, limit)
