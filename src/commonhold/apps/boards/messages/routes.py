"""Thin HTTP endpoints of direct messages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from commonhold.apps.boards.messages import service
from commonhold.apps.boards.messages.schemas import (
    MESSAGE_ID,
    ConversationRead,
    MarkedRead,
    MessageCreate,
    MessageRead,
)
from commonhold.apps.boards.params import MemberUserId, WorkspaceId
from commonhold.platform.deps import CurrentUser, Session
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses

router = APIRouter(
    prefix="/api/v1",
    tags=["boards"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429),
)
MessageId = Annotated[uuid.UUID, Path(description="A message's id.", examples=[MESSAGE_ID])]


@router.post(
    "/workspaces/{workspace_id}/messages",
    status_code=status.HTTP_201_CREATED,
    operation_id="messages_send",
    summary="Send a direct message to a member of the workspace",
)
async def send_message(
    workspace_id: WorkspaceId, body: MessageCreate, subject: CurrentUser, session: Session
) -> MessageRead:
    """Only the sender and the recipient ever read it; the recipient is notified as their
    preferences for `boards.message_received` say. `422 recipient_not_workspace_member`,
    `422 cannot_message_yourself`."""
    return await service.send(session, subject, workspace_id, body)


@router.get(
    "/workspaces/{workspace_id}/conversations",
    operation_id="messages_conversations",
    summary="My conversations in a workspace",
)
async def list_conversations(
    workspace_id: WorkspaceId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ConversationRead]:
    """One per person I have written to or heard from (someone who has left the workspace
    since too), with the last message and how many of theirs I have not read; the latest
    first."""
    return await service.list_conversations(session, subject, workspace_id, cursor, limit)


@router.get(
    "/workspaces/{workspace_id}/conversations/{user_id}",
    operation_id="messages_conversation",
    summary="My messages with one person",
)
async def read_conversation(
    workspace_id: WorkspaceId,
    user_id: MemberUserId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[MessageRead]:
    """Both ways, newest first."""
    return await service.read_conversation(session, subject, workspace_id, user_id, cursor, limit)


@router.post(
    "/workspaces/{workspace_id}/conversations/{user_id}/read",
    operation_id="messages_read_conversation",
    summary="Mark everything one person sent me read",
)
async def mark_conversation_read(
    workspace_id: WorkspaceId, user_id: MemberUserId, subject: CurrentUser, session: Session
) -> MarkedRead:
    """What they sent up to now."""
    return await service.mark_conversation_read(session, subject, workspace_id, user_id)


@router.post(
    "/messages/{message_id}/read", operation_id="messages_read", summary="Mark a message read"
)
async def mark_read(message_id: MessageId, subject: CurrentUser, session: Session) -> MessageRead:
    """Its recipient only (`403 not_message_recipient`); read again, it keeps its first
    `read_at`."""
    return await service.mark_read(session, subject, message_id)
