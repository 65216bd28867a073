"""@mentions in comments and card descriptions.

A mention is the markup rich editors emit, ``@[Display Name](user:<uuid>)``: the name is
what the author saw and clients show; the id alone says who is meant. The name may hold any
character but square brackets and line breaks. Anything else, ``@Grace`` included, is text.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.boards import repository as boards_repo
from commonhold.apps.boards.errors import MentionNotBoardMember
from commonhold.apps.boards.events import CardMentioned
from commonhold.apps.boards.models import Board, Card, Comment
from commonhold.platform.authz import AuthSubject
from commonhold.platform.events import publish

MENTION = re.compile(
    r"@\[(?P<name>[^\[\]\r\n]{1,200})\]\(user:(?P<user_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)"
)
EXCERPT_LENGTH = 280


def mentioned(text: str | None) -> set[uuid.UUID]:
    """Everyone ``text`` mentions."""
    return {uuid.UUID(match["user_id"]) for match in MENTION.finditer(text or "")}


def excerpt(text: str) -> str:
    """``text`` as people read it (``@Display Name``), on one line, cut to a short length."""
    plain = " ".join(MENTION.sub(lambda match: f"@{match['name']}", text).split())
    if len(plain) <= EXCERPT_LENGTH:
        return plain
    return plain[: EXCERPT_LENGTH - 1].rstrip() + "…"


async def new_mentions(
    session: AsyncSession,
    subject: AuthSubject,
    board: Board,
    text: str | None,
    previous: str | None = None,
) -> list[uuid.UUID]:
    """Who to tell that ``text`` mentions them: those ``previous`` (the text it replaces) did
    not, the author aside. Each must be able to see the board, else 422
    ``mention_not_board_member`` before anything changes; mentions kept from ``previous``
    are not checked again."""
    added = mentioned(text) - mentioned(previous)
    if not added:
        return []
    refused = added - await boards_repo.who_can_see(session, board.id, added)
    if refused:
        raise MentionNotBoardMember(
            "These people cannot see the board: " + ", ".join(sorted(map(str, refused))),
            extra={"user_ids": sorted(map(str, refused))},
        )
    return sorted(added - {subject.user_id})


async def announce(
    session: AsyncSession, subject: AuthSubject, text_of: Card | Comment, user_ids: list[uuid.UUID]
) -> None:
    """Publish that a card's description, or a comment, newly mentions ``user_ids``: they hear
    of it once this transaction commits."""
    if not user_ids:
        return
    comment = text_of if isinstance(text_of, Comment) else None
    await publish(
        session,
        CardMentioned(
            space_id=text_of.space_id,
            actor_id=subject.user_id,
            card_id=comment.card_id if comment else text_of.id,
            board_id=text_of.board_id,
            comment_id=comment.id if comment else None,
            mentioned_ids=user_ids,
            version=text_of.version,
        ),
    )
