"""Thin HTTP endpoints of comments."""

from __future__ import annotations

from fastapi import APIRouter, status

from commonhold.apps.boards.comments import service
from commonhold.apps.boards.comments.schemas import CommentCreate, CommentRead, CommentUpdate
from commonhold.apps.boards.params import CardId, CommentId
from commonhold.platform.deps import CurrentUser, Session
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses

router = APIRouter(
    prefix="/api/v1",
    tags=["boards"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 429),
)


@router.post(
    "/cards/{card_id}/comments",
    status_code=status.HTTP_201_CREATED,
    operation_id="comments_create",
    summary="Comment on a card",
)
async def add_comment(
    card_id: CardId, body: CommentCreate, subject: CurrentUser, session: Session
) -> CommentRead:
    """Board members and admins; observers read."""
    return await service.add_comment(session, subject, card_id, body)


@router.get("/cards/{card_id}/comments", operation_id="comments_list", summary="A card's comments")
async def list_comments(
    card_id: CardId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[CommentRead]:
    """Oldest first; deleted ones left out."""
    return await service.list_comments(session, subject, card_id, cursor, limit)


@router.patch("/comments/{comment_id}", operation_id="comments_update", summary="Edit my comment")
async def edit_comment(
    comment_id: CommentId, body: CommentUpdate, subject: CurrentUser, session: Session
) -> CommentRead:
    """Only its author (`403 not_comment_author`); `edited_at` says when."""
    return await service.edit_comment(session, subject, comment_id, body)


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="comments_delete",
    summary="Delete my comment",
)
async def delete_comment(comment_id: CommentId, subject: CurrentUser, session: Session) -> None:
    """Only its author; it disappears for everyone."""
    await service.delete_comment(session, subject, comment_id)
