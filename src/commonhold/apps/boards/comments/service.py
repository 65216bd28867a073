"""Comment rules: board members comment, observers read; only its author edits a comment or
deletes it (softly: it disappears, its row stays). Whoever a comment newly mentions hears of
it once it commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards import activity, mentions
from commonhold.apps.boards.access import BoardAccess, BoardPermission, access_card, access_content
from commonhold.apps.boards.comments import repository as repo
from commonhold.apps.boards.comments.schemas import CommentCreate, CommentRead, CommentUpdate
from commonhold.apps.boards.errors import CommentNotFound, NotCommentAuthor
from commonhold.apps.boards.models import Comment
from commonhold.platform.authz import AuthSubject
from commonhold.platform.db.base import utcnow
from commonhold.platform.pagination import Page, paginate


def _read(comment: Comment, author_name: str | None) -> CommentRead:
    return CommentRead(
        id=comment.id,
        version=comment.version,
        card_id=comment.card_id,
        author_id=comment.author_id,
        author_name=author_name,
        body=comment.body,
        edited_at=comment.edited_at,
        created_at=comment.created_at,
    )


async def _authored(
    session: AsyncSession, subject: AuthSubject, comment_id: uuid.UUID
) -> tuple[Comment, BoardAccess]:
    """A comment the caller wrote, on a board they may still write on."""
    comment = await repo.comment(session, comment_id)
    if comment is None:
        raise CommentNotFound()
    access = await access_content(
        session, subject, comment.board_id, BoardPermission.WRITE, CommentNotFound
    )
    if comment.author_id != subject.user_id:
        raise NotCommentAuthor()
    return comment, access


async def add_comment(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, body: CommentCreate
) -> CommentRead:
    card, access = await access_card(session, subject, card_id, BoardPermission.WRITE)
    mentioned = await mentions.new_mentions(session, subject, access.board, body.body)
    comment = Comment(
        space_id=card.space_id,
        board_id=card.board_id,
        card_id=card.id,
        author_id=subject.user_id,
        body=body.body,
    )
    session.add(comment)
    await session.flush()
    activity.record(session, subject, access.board, "comment.added", card.id, comment_id=comment.id)
    await mentions.announce(session, subject, comment, mentioned)
    return _read(comment, await repo.display_name(session, subject.user_id))


async def list_comments(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[CommentRead]:
    """Oldest first."""
    await access_card(session, subject, card_id)
    return await paginate(
        session,
        repo.comments_of_card(card_id),
        (Comment.created_at, Comment.id),
        cursor,
        limit,
        lambda row: _read(row._mapping[Comment], row._mapping["display_name"]),
    )


async def edit_comment(
    session: AsyncSession, subject: AuthSubject, comment_id: uuid.UUID, body: CommentUpdate
) -> CommentRead:
    comment, access = await _authored(session, subject, comment_id)
    mentioned = await mentions.new_mentions(
        session, subject, access.board, body.body, previous=comment.body
    )
    comment.body = body.body
    comment.edited_at = utcnow()
    await session.flush()
    activity.record(
        session, subject, access.board, "comment.edited", comment.card_id, comment_id=comment.id
    )
    await mentions.announce(session, subject, comment, mentioned)
    return _read(comment, await repo.display_name(session, subject.user_id))


async def delete_comment(
    session: AsyncSession, subject: AuthSubject, comment_id: uuid.UUID
) -> None:
    comment, access = await _authored(session, subject, comment_id)
    comment.deleted_at = utcnow()
    await session.flush()
    activity.record(
        session, subject, access.board, "comment.deleted", comment.card_id, comment_id=comment.id
    )
