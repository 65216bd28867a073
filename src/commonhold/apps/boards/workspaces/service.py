"""Workspace rules: a workspace is a space of kind ``workspace``; the platform's space roles
apply (editors create boards, admins rename, the owner deletes)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.access import access_workspace
from commonhold.apps.boards.models import WORKSPACE
from commonhold.apps.boards.workspaces.schemas import (
    WorkspaceCreate,
    WorkspaceRead,
    WorkspaceUpdate,
)
from commonhold.platform.authz import AuthSubject, Permission
from commonhold.platform.pagination import Page
from commonhold.platform.spaces import service as spaces
from commonhold.platform.spaces.schemas import SpaceCreate, SpaceRead, SpaceUpdate
from commonhold.platform.spaces.service import Access


def _read(space: SpaceRead) -> WorkspaceRead:
    return WorkspaceRead(id=space.id, name=space.name, role=space.role, created_at=space.created_at)


def _from_access(access: Access) -> WorkspaceRead:
    return _read(access.read())


async def create_workspace(
    session: AsyncSession, subject: AuthSubject, body: WorkspaceCreate
) -> WorkspaceRead:
    """The caller becomes its owner."""
    access = await spaces.create_space(
        session, subject, SpaceCreate(kind=WORKSPACE, name=body.name)
    )
    return _from_access(access)


async def list_workspaces(
    session: AsyncSession, subject: AuthSubject, cursor: str | None, limit: int
) -> Page[WorkspaceRead]:
    page = await spaces.list_spaces(session, subject, WORKSPACE, cursor, limit)
    return Page(items=[_read(space) for space in page.items], next_cursor=page.next_cursor)


async def get_workspace(
    session: AsyncSession, subject: AuthSubject, workspace_id: uuid.UUID
) -> WorkspaceRead:
    return _from_access(await access_workspace(session, subject, workspace_id))


async def update_workspace(
    session: AsyncSession, subject: AuthSubject, workspace_id: uuid.UUID, body: WorkspaceUpdate
) -> WorkspaceRead:
    await access_workspace(session, subject, workspace_id, Permission.SPACE_UPDATE)
    access = await spaces.update_space(session, subject, workspace_id, SpaceUpdate(name=body.name))
    return _from_access(access)


async def delete_workspace(
    session: AsyncSession, subject: AuthSubject, workspace_id: uuid.UUID
) -> None:
    """Soft delete (owner only): the workspace and its boards disappear for every member."""
    await access_workspace(session, subject, workspace_id, Permission.SPACE_DELETE)
    await spaces.delete_space(session, subject, workspace_id)
