"""Who may do what on a board.

A workspace's owner and admins manage every board in it. Otherwise the board role decides:
observers read, members change lists, cards, labels and comments, admins also change the
board itself and its members. A workspace board is open to every workspace member (editors
as members, viewers as observers); a private board only to those named on it. Anyone else
gets 404, as for something that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.boards import repository as repo
from commonhold.apps.boards.cards import repository as cards_repo
from commonhold.apps.boards.errors import (
    BoardNotFound,
    BoardRoleNotAllowed,
    CardNotFound,
    WorkspaceNotFound,
)
from commonhold.apps.boards.models import WORKSPACE, Board, Card
from commonhold.platform.authz import AuthSubject, Permission
from commonhold.platform.errors import NotFound
from commonhold.platform.spaces.errors import SpaceNotFound
from commonhold.platform.spaces.service import Access, access_space


class BoardPermission(StrEnum):
    READ = "board:read"
    WRITE = "board:write"
    MANAGE = "board:manage"


_BOARD_ROLE_PERMISSIONS = {
    "observer": frozenset({BoardPermission.READ}),
    "member": frozenset({BoardPermission.READ, BoardPermission.WRITE}),
    "admin": frozenset(BoardPermission),
}
WORKSPACE_MANAGERS = ("owner", "admin")


@dataclass(frozen=True)
class BoardAccess:
    """A board as seen by someone who may see it, with their effective board role."""

    board: Board
    role: str

    def allows(self, permission: BoardPermission) -> bool:
        return permission in _BOARD_ROLE_PERMISSIONS[self.role]


def effective_board_role(visibility: str, space_role: str, board_role: str | None) -> str | None:
    """The board role someone acts with, or None when the board is hidden from them."""
    if space_role in WORKSPACE_MANAGERS:
        return "admin"
    if board_role is not None:
        # A workspace viewer reads, whatever the board says.
        return "observer" if space_role == "viewer" else board_role
    if visibility == "private":
        return None
    return "observer" if space_role == "viewer" else "member"


async def access_workspace(
    session: AsyncSession,
    subject: AuthSubject,
    workspace_id: uuid.UUID,
    permission: Permission = Permission.CONTENT_READ,
) -> Access:
    """The workspace if the caller is a member allowed ``permission``: 404
    ``workspace_not_found`` for everyone else, 403 ``role_not_allowed`` for a role too low."""
    try:
        return await access_space(session, subject, workspace_id, permission, WORKSPACE)
    except SpaceNotFound as exc:
        raise WorkspaceNotFound() from exc


async def access_board(
    session: AsyncSession,
    subject: AuthSubject,
    board_id: uuid.UUID,
    permission: BoardPermission = BoardPermission.READ,
) -> BoardAccess:
    """The board if the caller may see it (404 ``board_not_found`` otherwise), checked for
    ``permission`` (403 ``board_role_not_allowed``). One query."""
    found = await repo.board_with_roles(session, board_id, subject.user_id)
    role = effective_board_role(found.board.visibility, *found.roles) if found else None
    if found is None or role is None:
        raise BoardNotFound()
    access = BoardAccess(found.board, role)
    if not access.allows(permission):
        raise BoardRoleNotAllowed()
    return access


async def access_content(
    session: AsyncSession,
    subject: AuthSubject,
    board_id: uuid.UUID,
    permission: BoardPermission,
    not_found: type[NotFound],
) -> BoardAccess:
    """The board of a list, card, label, ... for the caller; someone who may not see the
    board learns only that the thing itself was not found."""
    try:
        return await access_board(session, subject, board_id, permission)
    except BoardNotFound as exc:
        raise not_found() from exc


async def access_card(
    session: AsyncSession,
    subject: AuthSubject,
    card_id: uuid.UUID,
    permission: BoardPermission = BoardPermission.READ,
    lock: bool = False,
) -> tuple[Card, BoardAccess]:
    """A card (locked for update with ``lock``) and its board for the caller;
    ``card_not_found`` for anyone who may not see the board."""
    card = await cards_repo.card(session, card_id, lock)
    if card is None:
        raise CardNotFound()
    return card, await access_content(session, subject, card.board_id, permission, CardNotFound)
