"""Thin HTTP endpoints for spaces, members and invitations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from commonhold.platform import examples
from commonhold.platform.audit import AuditEntryRead
from commonhold.platform.deps import CurrentUser, Session, SettingsDep
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses
from commonhold.platform.spaces import service
from commonhold.platform.spaces.schemas import (
    InvitationCreate,
    InvitationPreview,
    InvitationRead,
    MemberRead,
    MemberUpdate,
    OwnershipTransfer,
    SpaceCreate,
    SpaceKind,
    SpaceRead,
    SpaceUpdate,
)

spaces = APIRouter(
    prefix="/api/v1/spaces",
    tags=["spaces"],
    responses=problem_responses(400, 401, 404, 413, 422, 429),
)
invitations = APIRouter(
    prefix="/api/v1/invitations",
    tags=["spaces"],
    responses=problem_responses(400, 401, 404, 413, 422, 429),
)
SpaceId = Annotated[uuid.UUID, Path(description="A space's id.", examples=[examples.SPACE_ID])]
MemberId = Annotated[
    uuid.UUID, Path(description="A member's user id.", examples=[examples.GRACE_ID])
]
InvitationId = Annotated[
    uuid.UUID, Path(description="An invitation's id.", examples=[examples.INVITATION_ID])
]
InvitationToken = Annotated[
    str,
    Path(
        max_length=200,
        description="The token from the invitation email.",
        examples=[examples.INVITATION_TOKEN],
    ),
]


@spaces.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="spaces_create",
    summary="Create a space",
    responses=problem_responses(403),
)
async def create_space(body: SpaceCreate, subject: CurrentUser, session: Session) -> SpaceRead:
    """The caller becomes the owner."""
    return (await service.create_space(session, subject, body)).read()


@spaces.get("", operation_id="spaces_list", summary="Spaces I belong to")
async def list_spaces(
    subject: CurrentUser,
    session: Session,
    kind: Annotated[SpaceKind | None, Query()] = None,
    deleted: Annotated[
        bool, Query(description="List deleted spaces instead, to restore one.")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[SpaceRead]:
    return await service.list_spaces(session, subject, kind, cursor, limit, deleted)


@spaces.get("/{space_id}", operation_id="spaces_get", summary="One space")
async def get_space(space_id: SpaceId, subject: CurrentUser, session: Session) -> SpaceRead:
    return (await service.access_space(session, subject, space_id)).read()


@spaces.patch(
    "/{space_id}",
    operation_id="spaces_update",
    summary="Rename a space",
    responses=problem_responses(403),
)
async def update_space(
    space_id: SpaceId, body: SpaceUpdate, subject: CurrentUser, session: Session
) -> SpaceRead:
    return (await service.update_space(session, subject, space_id, body)).read()


@spaces.delete(
    "/{space_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="spaces_delete",
    summary="Delete a space (owner only)",
    responses=problem_responses(403),
)
async def delete_space(space_id: SpaceId, subject: CurrentUser, session: Session) -> None:
    await service.delete_space(session, subject, space_id)


@spaces.post(
    "/{space_id}/restore",
    operation_id="spaces_restore",
    summary="Restore a deleted space (owner only)",
    responses=problem_responses(403),
)
async def restore_space(space_id: SpaceId, subject: CurrentUser, session: Session) -> SpaceRead:
    """Everything in the space comes back as it was. Counts against the owner's plan again."""
    return (await service.restore_space(session, subject, space_id)).read()


@spaces.post(
    "/{space_id}/transfer-ownership",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="spaces_transfer_ownership",
    summary="Make another member the owner",
    responses=problem_responses(403),
)
async def transfer_ownership(
    space_id: SpaceId, body: OwnershipTransfer, subject: CurrentUser, session: Session
) -> None:
    """The current owner becomes an admin."""
    await service.transfer_ownership(session, subject, space_id, body.user_id)


@spaces.get("/{space_id}/members", operation_id="members_list", summary="Members of a space")
async def list_members(
    space_id: SpaceId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[MemberRead]:
    return await service.list_members(session, subject, space_id, cursor, limit)


@spaces.patch(
    "/{space_id}/members/{user_id}",
    operation_id="members_update",
    summary="Change a member's role",
    responses=problem_responses(403),
)
async def change_role(
    space_id: SpaceId,
    user_id: MemberId,
    body: MemberUpdate,
    subject: CurrentUser,
    session: Session,
) -> MemberRead:
    """Owners manage admins and below; admins manage editors and viewers."""
    return await service.change_role(session, subject, space_id, user_id, body.role)


@spaces.delete(
    "/{space_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="members_remove",
    summary="Remove a member, or leave",
    responses=problem_responses(403, 409),
)
async def remove_member(
    space_id: SpaceId, user_id: MemberId, subject: CurrentUser, session: Session
) -> None:
    """With your own user id this leaves the space; the owner must transfer ownership first."""
    await service.remove_member(session, subject, space_id, user_id)


@spaces.get(
    "/{space_id}/audit",
    operation_id="spaces_audit_trail",
    summary="Who did what in a space (admins and the owner)",
    responses=problem_responses(403),
)
async def audit_trail(
    space_id: SpaceId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[AuditEntryRead]:
    """Newest first: space changes, invitations, role changes, departures. Entries cannot be
    edited or deleted."""
    return await service.audit_trail(session, subject, space_id, cursor, limit)


@spaces.get(
    "/{space_id}/invitations",
    operation_id="invitations_list",
    summary="Pending invitations",
    responses=problem_responses(403),
)
async def list_invitations(
    space_id: SpaceId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[InvitationRead]:
    return await service.list_invitations(session, subject, space_id, cursor, limit)


@spaces.post(
    "/{space_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    operation_id="invitations_create",
    summary="Invite someone by email",
    responses=problem_responses(403, 409),
)
async def invite(
    space_id: SpaceId,
    body: InvitationCreate,
    subject: CurrentUser,
    session: Session,
    settings: SettingsDep,
) -> InvitationRead:
    """Mails a single-use link that expires after 7 days. Inviting the same address again
    replaces its pending invitation."""
    return await service.invite(session, settings, subject, space_id, body)


@spaces.delete(
    "/{space_id}/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="invitations_revoke",
    summary="Revoke a pending invitation",
    responses=problem_responses(403),
)
async def revoke_invitation(
    space_id: SpaceId, invitation_id: InvitationId, subject: CurrentUser, session: Session
) -> None:
    await service.revoke_invitation(session, subject, space_id, invitation_id)


@invitations.get("/{token}", operation_id="invitations_preview", summary="See an invitation")
async def preview_invitation(
    token: InvitationToken, subject: CurrentUser, session: Session
) -> InvitationPreview:
    return await service.preview_invitation(session, token)


@invitations.post(
    "/{token}/accept",
    operation_id="invitations_accept",
    summary="Accept an invitation",
    responses=problem_responses(409),
)
async def accept_invitation(
    token: InvitationToken, subject: CurrentUser, session: Session
) -> SpaceRead:
    """Whoever is signed in and holds the link joins with the invited role."""
    return (await service.accept_invitation(session, subject, token)).read()


@invitations.post(
    "/{token}/decline",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="invitations_decline",
    summary="Decline an invitation",
)
async def decline_invitation(
    token: InvitationToken, subject: CurrentUser, session: Session
) -> None:
    await service.decline_invitation(session, subject, token)
