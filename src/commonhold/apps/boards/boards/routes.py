"""Thin HTTP endpoints of boards: the board view, members, labels and activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from pydantic import AwareDatetime

from commonhold.apps.boards.boards import service
from commonhold.apps.boards.boards.schemas import (
    ActivityRead,
    BoardCreate,
    BoardMemberCreate,
    BoardMemberRead,
    BoardMemberUpdate,
    BoardRead,
    BoardUpdate,
    BoardView,
    LabelCreate,
    LabelRead,
    LabelUpdate,
)
from commonhold.apps.boards.params import BoardId, LabelId, MemberUserId, WorkspaceId
from commonhold.platform.deps import CurrentUser, Session
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses
from commonhold.platform.sync.merge import IfMatch, etag

router = APIRouter(
    prefix="/api/v1",
    tags=["boards"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 429),
)
Archived = Annotated[bool, Query(description="List archived ones instead.")]
TimeBound = Annotated[
    AwareDatetime | None,
    Query(description="A moment with its time zone, e.g. `2025-09-16T00:00:00Z`."),
]


# Boards


@router.post(
    "/workspaces/{workspace_id}/boards",
    status_code=status.HTTP_201_CREATED,
    operation_id="boards_create",
    summary="Create a board",
)
async def create_board(
    workspace_id: WorkspaceId, body: BoardCreate, subject: CurrentUser, session: Session
) -> BoardRead:
    """Workspace editors and up; the creator becomes the board's admin."""
    return await service.create_board(session, subject, workspace_id, body)


@router.get(
    "/workspaces/{workspace_id}/boards",
    operation_id="boards_list",
    summary="Boards of a workspace I can see",
)
async def list_boards(
    workspace_id: WorkspaceId,
    subject: CurrentUser,
    session: Session,
    archived: Archived = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[BoardRead]:
    """Workspace boards, and the private boards I am a member of (all of them for the
    workspace's owner and admins), oldest first."""
    return await service.list_boards(session, subject, workspace_id, archived, cursor, limit)


@router.get(
    "/boards/{board_id}",
    operation_id="boards_get",
    summary="A whole board",
    response_model=BoardView,
)
async def get_board(board_id: BoardId, subject: CurrentUser, session: Session) -> Response:
    """Its lists in order, each with its cards in order (archived ones left out), its labels
    and members: a constant number of SQL statements whatever the board's size."""
    view = await service.board_view(session, subject, board_id)
    return Response(view.json, media_type="application/json", headers={"ETag": etag(view.version)})


@router.patch(
    "/boards/{board_id}",
    operation_id="boards_update",
    summary="Change or archive a board (board admin)",
)
async def update_board(
    board_id: BoardId,
    body: BoardUpdate,
    subject: CurrentUser,
    session: Session,
    if_match: IfMatch,
    response: Response,
) -> BoardRead:
    board = await service.update_board(session, subject, board_id, body.based_on(if_match))
    response.headers["ETag"] = etag(board.version)
    return board


@router.delete(
    "/boards/{board_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="boards_delete",
    summary="Delete a board with everything on it (board admin)",
)
async def delete_board(board_id: BoardId, subject: CurrentUser, session: Session) -> None:
    await service.delete_board(session, subject, board_id)


# Members


@router.get("/boards/{board_id}/members", operation_id="board_members_list", summary="Members")
async def list_members(
    board_id: BoardId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[BoardMemberRead]:
    return await service.list_members(session, subject, board_id, cursor, limit)


@router.post(
    "/boards/{board_id}/members",
    status_code=status.HTTP_201_CREATED,
    operation_id="board_members_add",
    summary="Add a workspace member to a board (board admin)",
)
async def add_member(
    board_id: BoardId, body: BoardMemberCreate, subject: CurrentUser, session: Session
) -> BoardMemberRead:
    return await service.add_member(session, subject, board_id, body)


@router.patch(
    "/boards/{board_id}/members/{user_id}",
    operation_id="board_members_update",
    summary="Change a member's board role (board admin)",
)
async def change_member_role(
    board_id: BoardId,
    user_id: MemberUserId,
    body: BoardMemberUpdate,
    subject: CurrentUser,
    session: Session,
) -> BoardMemberRead:
    return await service.change_member_role(session, subject, board_id, user_id, body)


@router.delete(
    "/boards/{board_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="board_members_remove",
    summary="Remove a member from a board, or leave it",
)
async def remove_member(
    board_id: BoardId, user_id: MemberUserId, subject: CurrentUser, session: Session
) -> None:
    """Board admins remove anyone; your own id leaves. Their cards are unassigned."""
    await service.remove_member(session, subject, board_id, user_id)


# Labels


@router.post(
    "/boards/{board_id}/labels",
    status_code=status.HTTP_201_CREATED,
    operation_id="labels_create",
    summary="Add a label to a board",
)
async def create_label(
    board_id: BoardId, body: LabelCreate, subject: CurrentUser, session: Session
) -> LabelRead:
    return await service.create_label(session, subject, board_id, body)


@router.get("/boards/{board_id}/labels", operation_id="labels_list", summary="A board's labels")
async def list_labels(
    board_id: BoardId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[LabelRead]:
    return await service.list_labels(session, subject, board_id, cursor, limit)


@router.patch("/labels/{label_id}", operation_id="labels_update", summary="Change a label")
async def update_label(
    label_id: LabelId, body: LabelUpdate, subject: CurrentUser, session: Session
) -> LabelRead:
    return await service.update_label(session, subject, label_id, body)


@router.delete(
    "/labels/{label_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="labels_delete",
    summary="Delete a label, and take it off every card",
)
async def delete_label(label_id: LabelId, subject: CurrentUser, session: Session) -> None:
    await service.delete_label(session, subject, label_id)


# Activity


@router.get(
    "/boards/{board_id}/activity",
    operation_id="board_activity",
    summary="What happened on a board, newest first",
)
async def list_activity(
    board_id: BoardId,
    subject: CurrentUser,
    session: Session,
    since: TimeBound = None,
    until: TimeBound = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ActivityRead]:
    """From `since` (inclusive) to `until` (exclusive) when given."""
    return await service.list_activity(session, subject, board_id, since, until, cursor, limit)
