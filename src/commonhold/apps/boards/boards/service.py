"""Board rules: who sees which board, who changes it and its members and labels; the whole
board in a constant number of queries; its activity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards import activity
from commonhold.apps.boards.access import (
    BoardAccess,
    BoardPermission,
    access_board,
    access_content,
    access_workspace,
    effective_board_role,
)
from commonhold.apps.boards.boards import repository as repo
from commonhold.apps.boards.boards.schemas import (
    ActivityRead,
    BoardCreate,
    BoardMemberCreate,
    BoardMemberRead,
    BoardMemberUpdate,
    BoardRead,
    BoardUpdate,
    LabelCreate,
    LabelRead,
    LabelUpdate,
)
from commonhold.apps.boards.errors import (
    AlreadyBoardMember,
    BoardMemberNotFound,
    BoardRoleNotAllowed,
    InvalidTimeRange,
    LabelNotFound,
    NotWorkspaceMember,
)
from commonhold.apps.boards.models import Activity, Board, BoardMember, Label
from commonhold.platform.authz import AuthSubject, Permission
from commonhold.platform.cache import cached, invalidate_after_commit
from commonhold.platform.errors import InvalidRequest
from commonhold.platform.pagination import Page, paginate, paginate_loaded
from commonhold.platform.sync.merge import note_overwrites

READ = BoardPermission.READ
WRITE = BoardPermission.WRITE
MANAGE = BoardPermission.MANAGE
MEMBER_LIST: TypeAdapter[list[BoardMemberRead]] = TypeAdapter(list[BoardMemberRead])


def _board_read(board: Board, role: str) -> BoardRead:
    return BoardRead(
        id=board.id,
        version=board.version,
        workspace_id=board.space_id,
        name=board.name,
        description=board.description,
        background_color=board.background_color,
        visibility=board.visibility,
        archived=board.archived,
        role=role,
        created_by=board.created_by,
        created_at=board.created_at,
        updated_at=board.updated_at,
    )


def _member_read(member: BoardMember, display_name: str) -> BoardMemberRead:
    return BoardMemberRead(
        user_id=member.user_id,
        display_name=display_name,
        role=member.role,
        version=member.version,
        joined_at=member.created_at,
    )


# Boards


async def create_board(
    session: AsyncSession, subject: AuthSubject, workspace_id: uuid.UUID, body: BoardCreate
) -> BoardRead:
    """Workspace editors and up create boards; the creator becomes the board's admin."""
    await access_workspace(session, subject, workspace_id, Permission.CONTENT_WRITE)
    board = Board(space_id=workspace_id, created_by=subject.user_id, **body.model_dump())
    session.add(board)
    await session.flush()
    session.add(
        BoardMember(space_id=workspace_id, board_id=board.id, user_id=subject.user_id, role="admin")
    )
    await session.flush()
    activity.record(session, subject, board, "board.created", name=board.name)
    return _board_read(board, "admin")


async def list_boards(
    session: AsyncSession,
    subject: AuthSubject,
    workspace_id: uuid.UUID,
    archived: bool,
    cursor: str | None,
    limit: int,
) -> Page[BoardRead]:
    """The boards the caller may see, oldest first."""
    workspace = await access_workspace(session, subject, workspace_id)

    def to_item(row: Row[Any]) -> BoardRead:
        board = row._mapping[Board]
        role = effective_board_role(board.visibility, workspace.role, row._mapping["board_role"])
        assert role is not None  # the query shows only boards the caller may see
        return _board_read(board, role)

    return await paginate(
        session,
        repo.visible_boards(workspace_id, subject.user_id, workspace.role, archived),
        (Board.created_at, Board.id),
        cursor,
        limit,
        to_item,
    )


@dataclass(frozen=True)
class RenderedBoard:
    """A whole board already written as JSON, in ``BoardView``'s shape."""

    version: int
    json: bytes


LABELS: TypeAdapter[list[LabelRead]] = TypeAdapter(list[LabelRead])
MEMBERS: TypeAdapter[list[BoardMemberRead]] = TypeAdapter(list[BoardMemberRead])


async def board_view(
    session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID
) -> RenderedBoard:
    """Lists in order with their cards in order, labels and members, in a constant number of
    queries whatever the board's size. The lists and cards come from PostgreSQL as JSON, which
    goes out as it came: a board of thousands of cards costs no Python object per card."""
    access = await access_board(session, subject, board_id)
    lists = await repo.open_lists_json(session, board_id)
    labels = [LabelRead.model_validate(label) for label in await repo.all_labels(session, board_id)]
    members = await _members(session, board_id)
    board = _board_read(access.board, access.role)
    parts = (
        b'{"board":',
        board.model_dump_json().encode(),
        b',"lists":',
        lists.encode(),
        b',"labels":',
        LABELS.dump_json(labels),
        b',"members":',
        MEMBERS.dump_json(members),
        b"}",
    )
    return RenderedBoard(board.version, b"".join(parts))


async def update_board(
    session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID, body: BoardUpdate
) -> BoardRead:
    access = await access_board(session, subject, board_id, MANAGE)
    board = access.board
    changes = body.model_dump(exclude_unset=True, exclude={"base_version"})
    for field in ("name", "visibility", "archived"):
        if field in changes and changes[field] is None:
            raise InvalidRequest(f"{field} cannot be null")
    await note_overwrites(
        session,
        subject.user_id,
        "boards.board",
        board.space_id,
        board.id,
        board.version,
        body.base_version,
        body.model_dump(mode="json", exclude_unset=True, exclude={"base_version"}),
    )
    for field, value in changes.items():
        setattr(board, field, value)
    await session.flush()
    activity.record(session, subject, board, "board.updated", **changes)
    return _board_read(board, access.role)


async def delete_board(session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID) -> None:
    """For good, with everything on it (board admins); archive a board to keep it."""
    access = await access_board(session, subject, board_id, MANAGE)
    await session.delete(access.board)
    await session.flush()


# Members


async def _members(session: AsyncSession, board_id: uuid.UUID) -> list[BoardMemberRead]:
    """The board's members in the order they joined: read by every open board, so cached
    (with Redis) until a member is added, removed or given another role."""

    async def load() -> list[BoardMemberRead]:
        return [
            _member_read(row._mapping[BoardMember], row._mapping["display_name"])
            for row in await repo.members(session, board_id)
        ]

    return await cached(
        session, repo.members_key(board_id), repo.MEMBERS_TTL_SECONDS, MEMBER_LIST, load
    )


def _members_changed(session: AsyncSession, board_id: uuid.UUID) -> None:
    invalidate_after_commit(session, repo.members_key(board_id))


async def list_members(
    session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[BoardMemberRead]:
    await access_board(session, subject, board_id)
    return paginate_loaded(
        await _members(session, board_id),
        lambda member: (member.joined_at, member.user_id),
        (BoardMember.created_at, BoardMember.user_id),
        cursor,
        limit,
    )


async def add_member(
    session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID, body: BoardMemberCreate
) -> BoardMemberRead:
    """Board admins name workspace members on the board (``not_workspace_member``)."""
    access = await access_board(session, subject, board_id, MANAGE)
    if await repo.space_role(session, access.board.space_id, body.user_id) is None:
        raise NotWorkspaceMember()
    if await repo.member(session, board_id, body.user_id) is not None:
        raise AlreadyBoardMember()
    member = BoardMember(
        space_id=access.board.space_id, board_id=board_id, user_id=body.user_id, role=body.role
    )
    session.add(member)
    await session.flush()
    _members_changed(session, board_id)
    activity.record(
        session, subject, access.board, "member.added", user_id=body.user_id, role=body.role
    )
    return _member_read(member, await repo.display_name(session, body.user_id))


async def _member(session: AsyncSession, access: BoardAccess, user_id: uuid.UUID) -> BoardMember:
    member = await repo.member(session, access.board.id, user_id)
    if member is None:
        raise BoardMemberNotFound()
    return member


async def change_member_role(
    session: AsyncSession,
    subject: AuthSubject,
    board_id: uuid.UUID,
    user_id: uuid.UUID,
    body: BoardMemberUpdate,
) -> BoardMemberRead:
    access = await access_board(session, subject, board_id, MANAGE)
    member = await _member(session, access, user_id)
    previous, member.role = member.role, body.role
    await session.flush()
    _members_changed(session, board_id)
    activity.record(
        session,
        subject,
        access.board,
        "member.role_changed",
        user_id=user_id,
        role=body.role,
        previous_role=previous,
    )
    return _member_read(member, await repo.display_name(session, user_id))


async def remove_member(
    session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Board admins remove anyone; anyone may leave. Cards assigned to them are unassigned."""
    access = await access_board(session, subject, board_id)
    if user_id != subject.user_id and not access.allows(MANAGE):
        raise BoardRoleNotAllowed()
    member = await _member(session, access, user_id)
    # Before the membership goes: someone leaving a private board no longer sees its rows.
    await repo.unassign_from_board(session, board_id, user_id)
    activity.record(session, subject, access.board, "member.removed", user_id=user_id)
    await session.flush()
    await session.delete(member)
    await session.flush()
    _members_changed(session, board_id)


# Labels


async def _label(
    session: AsyncSession, subject: AuthSubject, label_id: uuid.UUID
) -> tuple[Label, BoardAccess]:
    label = await repo.label(session, label_id)
    if label is None:
        raise LabelNotFound()
    return label, await access_content(session, subject, label.board_id, WRITE, LabelNotFound)


async def create_label(
    session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID, body: LabelCreate
) -> LabelRead:
    access = await access_board(session, subject, board_id, WRITE)
    label = Label(space_id=access.board.space_id, board_id=board_id, **body.model_dump())
    session.add(label)
    await session.flush()
    activity.record(
        session, subject, access.board, "label.created", label_id=label.id, name=label.name
    )
    return LabelRead.model_validate(label)


async def list_labels(
    session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[LabelRead]:
    await access_board(session, subject, board_id)
    return await paginate(
        session,
        repo.labels_of_board(board_id),
        (Label.created_at, Label.id),
        cursor,
        limit,
        lambda row: LabelRead.model_validate(row[0]),
    )


async def update_label(
    session: AsyncSession, subject: AuthSubject, label_id: uuid.UUID, body: LabelUpdate
) -> LabelRead:
    label, access = await _label(session, subject, label_id)
    changes = body.model_dump(exclude_unset=True)
    for field in ("name", "color"):
        if field in changes and changes[field] is None:
            raise InvalidRequest(f"{field} cannot be null")
    for field, value in changes.items():
        setattr(label, field, value)
    await session.flush()
    activity.record(session, subject, access.board, "label.updated", label_id=label.id, **changes)
    return LabelRead.model_validate(label)


async def delete_label(session: AsyncSession, subject: AuthSubject, label_id: uuid.UUID) -> None:
    """The label goes, and off every card that had it."""
    label, access = await _label(session, subject, label_id)
    await repo.remove_label_from_cards(session, label)
    await session.delete(label)
    await session.flush()
    activity.record(
        session, subject, access.board, "label.deleted", label_id=label.id, name=label.name
    )


# Activity


async def list_activity(
    session: AsyncSession,
    subject: AuthSubject,
    board_id: uuid.UUID,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> Page[ActivityRead]:
    """Newest first, optionally from ``since`` (inclusive) to ``until`` (exclusive)."""
    if since is not None and until is not None and since >= until:
        raise InvalidTimeRange()
    await access_board(session, subject, board_id)
    return await paginate(
        session,
        repo.activity_of_board(board_id, since, until),
        (Activity.created_at, Activity.id),
        cursor,
        limit,
        lambda row: ActivityRead.model_validate(row[0]),
        newest_first=True,
    )
