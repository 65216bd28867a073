"""Thin HTTP endpoints of workspaces."""

from __future__ import annotations

from fastapi import APIRouter, status

from commonhold.apps.boards.params import WorkspaceId
from commonhold.apps.boards.workspaces import service
from commonhold.apps.boards.workspaces.schemas import (
    WorkspaceCreate,
    WorkspaceRead,
    WorkspaceUpdate,
)
from commonhold.platform.deps import CurrentUser, Session
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses

router = APIRouter(
    prefix="/api/v1",
    tags=["boards"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429),
)


@router.post(
    "/workspaces",
    status_code=status.HTTP_201_CREATED,
    operation_id="workspaces_create",
    summary="Create a workspace",
)
async def create_workspace(
    body: WorkspaceCreate, subject: CurrentUser, session: Session
) -> WorkspaceRead:
    """The caller becomes its owner; invite people with `POST /spaces/{id}/invitations`."""
    return await service.create_workspace(session, subject, body)


@router.get("/workspaces", operation_id="workspaces_list", summary="Workspaces I belong to")
async def list_workspaces(
    subject: CurrentUser, session: Session, cursor: Cursor = None, limit: Limit = 50
) -> Page[WorkspaceRead]:
    return await service.list_workspaces(session, subject, cursor, limit)


@router.get("/workspaces/{workspace_id}", operation_id="workspaces_get", summary="One workspace")
async def get_workspace(
    workspace_id: WorkspaceId, subject: CurrentUser, session: Session
) -> WorkspaceRead:
    return await service.get_workspace(session, subject, workspace_id)


@router.patch(
    "/workspaces/{workspace_id}",
    operation_id="workspaces_update",
    summary="Rename a workspace (admin)",
)
async def update_workspace(
    workspace_id: WorkspaceId, body: WorkspaceUpdate, subject: CurrentUser, session: Session
) -> WorkspaceRead:
    return await service.update_workspace(session, subject, workspace_id, body)


@router.delete(
    "/workspaces/{workspace_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="workspaces_delete",
    summary="Delete a workspace and hide its boards (owner)",
)
async def delete_workspace(
    workspace_id: WorkspaceId, subject: CurrentUser, session: Session
) -> None:
    await service.delete_workspace(session, subject, workspace_id)
