"""Space rules: who may see, change, invite, manage members and transfer ownership."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform import audit
from commonhold.platform.authz import ROLE_RANK, AuthSubject, Permission, role_allows
from commonhold.platform.billing import limits
from commonhold.platform.db.base import utcnow
from commonhold.platform.db.session import set_invitation_context
from commonhold.platform.events import publish
from commonhold.platform.identity import repository as identity_repo
from commonhold.platform.identity.models import User
from commonhold.platform.identity.security import hash_opaque_token, new_opaque_token
from commonhold.platform.mail import Email, queue_email
from commonhold.platform.pagination import Page, paginate
from commonhold.platform.spaces import repository as repo
from commonhold.platform.spaces.errors import (
    AlreadyMember,
    InvitationNotFound,
    MemberNotFound,
    OwnerMustTransfer,
    RoleNotAllowed,
    SpaceNotFound,
)
from commonhold.platform.spaces.events import MemberRemoved
from commonhold.platform.spaces.models import Space, SpaceInvitation, SpaceMember
from commonhold.platform.spaces.schemas import (
    InvitationCreate,
    InvitationPreview,
    InvitationRead,
    MemberRead,
    SpaceCreate,
    SpaceRead,
    SpaceUpdate,
)
from commonhold.settings import Settings


@dataclass(frozen=True)
class Access:
    """A space as seen by one of its members."""

    space: Space
    role: str

    def read(self) -> SpaceRead:
        return SpaceRead(
            id=self.space.id,
            kind=self.space.kind,
            name=self.space.name,
            role=self.role,
            created_at=self.space.created_at,
        )


async def access_space(
    session: AsyncSession,
    subject: AuthSubject,
    space_id: uuid.UUID,
    permission: Permission = Permission.SPACE_READ,
    kind: str | None = None,
    deleted: bool = False,
) -> Access:
    """The space if the caller is a member allowed ``permission``; 404 for everyone else.

    ``deleted`` finds a soft-deleted space instead, to restore it.
    """
    found = await repo.membership(session, space_id, subject.user_id, deleted)
    if found is None or (kind is not None and found[0].kind != kind):
        raise SpaceNotFound()
    space, member = found
    if not role_allows(member.role, permission):
        raise RoleNotAllowed()
    return Access(space, member.role)


async def _ensure_room_for_space(session: AsyncSession, subject: AuthSubject, kind: str) -> None:
    owned = await repo.count_owned_spaces(session, subject.user_id, kind)
    await limits.ensure_room_for(
        session, await limits.tier_of_caller(session), f"spaces.{kind}", owned
    )


async def create_space(session: AsyncSession, subject: AuthSubject, body: SpaceCreate) -> Access:
    await _ensure_room_for_space(session, subject, body.kind)
    space = Space(kind=body.kind, name=body.name, created_by=subject.user_id)
    session.add(space)
    await session.flush()
    session.add(SpaceMember(space_id=space.id, user_id=subject.user_id, role="owner"))
    await session.flush()
    await audit.record(
        session,
        "space.created",
        actor_id=subject.user_id,
        space_id=space.id,
        target_type="space",
        target_id=space.id,
        details={"kind": space.kind},
    )
    return Access(space, "owner")


def _space_item(row: Row[Any]) -> SpaceRead:
    return Access(row._mapping[Space], row._mapping[SpaceMember.role]).read()


async def list_spaces(
    session: AsyncSession,
    subject: AuthSubject,
    kind: str | None,
    cursor: str | None,
    limit: int,
    deleted: bool = False,
) -> Page[SpaceRead]:
    return await paginate(
        session,
        repo.spaces_of_user(subject.user_id, kind, deleted),
        (Space.created_at, Space.id),
        cursor,
        limit,
        _space_item,
    )


async def update_space(
    session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID, body: SpaceUpdate
) -> Access:
    access = await access_space(session, subject, space_id, Permission.SPACE_UPDATE)
    access.space.name = body.name
    await session.flush()
    await audit.record(
        session,
        "space.updated",
        actor_id=subject.user_id,
        space_id=space_id,
        target_type="space",
        target_id=space_id,
        details={"name": body.name},
    )
    return access


async def delete_space(session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID) -> None:
    """Soft delete: the space disappears for everyone; its rows stay for recovery."""
    access = await access_space(session, subject, space_id, Permission.SPACE_DELETE)
    access.space.deleted_at = utcnow()
    await audit.record(
        session,
        "space.deleted",
        actor_id=subject.user_id,
        space_id=space_id,
        target_type="space",
        target_id=space_id,
    )


async def restore_space(session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID) -> Access:
    """Bring back a soft-deleted space, if the owner's plan still has room for it."""
    access = await access_space(session, subject, space_id, Permission.SPACE_DELETE, deleted=True)
    await _ensure_room_for_space(session, subject, access.space.kind)
    access.space.deleted_at = None
    await audit.record(
        session,
        "space.restored",
        actor_id=subject.user_id,
        space_id=space_id,
        target_type="space",
        target_id=space_id,
    )
    return access


def _member_read(member: SpaceMember, email: str, display_name: str) -> MemberRead:
    return MemberRead(
        user_id=member.user_id,
        email=email,
        display_name=display_name,
        role=member.role,
        joined_at=member.created_at,
    )


def _member_item(row: Row[Any]) -> MemberRead:
    found = row._mapping
    return _member_read(found[SpaceMember], found[User.email], found[User.display_name])


async def list_members(
    session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[MemberRead]:
    await access_space(session, subject, space_id)
    return await paginate(
        session,
        repo.members_of_space(space_id),
        (SpaceMember.created_at, SpaceMember.user_id),
        cursor,
        limit,
        _member_item,
    )


def _may_manage(actor_role: str, target_role: str, new_role: str | None = None) -> bool:
    """Only a higher role manages a lower one, and never grants a role as high as its own."""
    outranks = ROLE_RANK[actor_role] > ROLE_RANK[target_role]
    return outranks and (new_role is None or ROLE_RANK[actor_role] > ROLE_RANK[new_role])


async def _target_member(
    session: AsyncSession, space_id: uuid.UUID, user_id: uuid.UUID
) -> SpaceMember:
    target = await repo.member(session, space_id, user_id)
    if target is None:
        raise MemberNotFound()
    return target


async def change_role(
    session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> MemberRead:
    access = await access_space(session, subject, space_id, Permission.MEMBERS_MANAGE)
    target = await _target_member(session, space_id, user_id)
    if not _may_manage(access.role, target.role, role):
        raise RoleNotAllowed(f"A {access.role} cannot make a {target.role} into a {role}")
    previous, target.role = target.role, role
    await session.flush()
    await audit.record(
        session,
        "member.role_changed",
        actor_id=subject.user_id,
        space_id=space_id,
        target_type="user",
        target_id=user_id,
        details={"from": previous, "to": role},
    )
    user = await identity_repo.user_by_id(session, user_id)
    assert user is not None
    return _member_read(target, user.email, user.display_name)


async def remove_member(
    session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Remove someone, or leave when ``user_id`` is the caller. Apps hear of it
    (``spaces.member.removed``) once it commits."""
    access = await access_space(session, subject, space_id)
    target = await _target_member(session, space_id, user_id)
    leaving = user_id == subject.user_id
    if leaving and target.role == "owner":
        raise OwnerMustTransfer()
    if not leaving and not (
        role_allows(access.role, Permission.MEMBERS_MANAGE)
        and _may_manage(access.role, target.role)
    ):
        raise RoleNotAllowed(f"A {access.role} cannot remove a {target.role}")
    await audit.record(
        session,
        "member.left" if leaving else "member.removed",
        actor_id=subject.user_id,
        space_id=space_id,
        target_type="user",
        target_id=user_id,
    )
    # Published while the caller is still a member: one who leaves could not once gone.
    await publish(
        session,
        MemberRemoved(space_id=space_id, actor_id=subject.user_id, user_id=user_id, left=leaving),
    )
    await session.delete(target)
    await session.flush()


async def transfer_ownership(
    session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID, new_owner_id: uuid.UUID
) -> None:
    await access_space(session, subject, space_id, Permission.OWNERSHIP_TRANSFER)
    if new_owner_id == subject.user_id:
        return
    new_owner = await _target_member(session, space_id, new_owner_id)
    old_owner = await _target_member(session, space_id, subject.user_id)
    old_owner.role = "admin"
    await session.flush()  # the one-owner index must see the old owner step down first
    new_owner.role = "owner"
    await session.flush()
    await audit.record(
        session,
        "space.ownership_transferred",
        actor_id=subject.user_id,
        space_id=space_id,
        target_type="user",
        target_id=new_owner_id,
    )


async def audit_trail(
    session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[audit.AuditEntryRead]:
    await access_space(session, subject, space_id, Permission.AUDIT_READ)
    return await audit.space_entries(session, space_id, cursor, limit)


def _invitation_read(invitation: SpaceInvitation) -> InvitationRead:
    return InvitationRead.model_validate(invitation)


async def list_invitations(
    session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[InvitationRead]:
    await access_space(session, subject, space_id, Permission.MEMBERS_INVITE)
    return await paginate(
        session,
        repo.pending_invitations(space_id),
        (SpaceInvitation.created_at, SpaceInvitation.id),
        cursor,
        limit,
        lambda row: _invitation_read(row[0]),
    )


async def invite(
    session: AsyncSession,
    settings: Settings,
    subject: AuthSubject,
    space_id: uuid.UUID,
    body: InvitationCreate,
) -> InvitationRead:
    access = await access_space(session, subject, space_id, Permission.MEMBERS_INVITE)
    if ROLE_RANK[access.role] <= ROLE_RANK[body.role]:
        raise RoleNotAllowed(f"A {access.role} cannot invite a {body.role}")
    if await repo.member_by_email(session, space_id, body.email) is not None:
        raise AlreadyMember()
    await repo.revoke_pending_invitations(session, space_id, body.email)
    await session.flush()
    await limits.ensure_room_for(
        session,
        await limits.tier_of_space(session, space_id),
        f"{access.space.kind}.members",
        await repo.count_members_and_invitees(session, space_id),
    )
    token = new_opaque_token()
    invitation = SpaceInvitation(
        space_id=space_id,
        email=body.email,
        role=body.role,
        token_hash=hash_opaque_token(token),
        invited_by=subject.user_id,
        expires_at=utcnow() + timedelta(days=settings.invitation_ttl_days),
    )
    session.add(invitation)
    await session.flush()
    await audit.record(
        session,
        "invitation.created",
        actor_id=subject.user_id,
        space_id=space_id,
        target_type="invitation",
        target_id=invitation.id,
        details={"email": body.email, "role": body.role},
    )
    inviter = await identity_repo.user_by_id(session, subject.user_id)
    assert inviter is not None
    await queue_email(
        session,
        Email(
            to=body.email,
            subject=f"{inviter.display_name} invited you to {access.space.name}",
            text=(
                f"{inviter.display_name} invited you to join {access.space.name} "
                f"as {body.role}.\n\n"
                f"Accept: {settings.public_url}/invitations/{token}\n\n"
                f"Or, signed in, POST /api/v1/invitations/{token}/accept\n\n"
                f"The invitation expires in {settings.invitation_ttl_days} days."
            ),
        ),
    )
    return _invitation_read(invitation)


async def revoke_invitation(
    session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    await access_space(session, subject, space_id, Permission.MEMBERS_INVITE)
    invitation = await repo.invitation(session, space_id, invitation_id)
    if invitation is None or invitation.status != "pending":
        raise InvitationNotFound()
    invitation.status = "revoked"
    invitation.responded_at = utcnow()
    await audit.record(
        session,
        "invitation.revoked",
        actor_id=subject.user_id,
        space_id=space_id,
        target_type="invitation",
        target_id=invitation_id,
    )


async def _open_invitation(session: AsyncSession, token: str) -> tuple[SpaceInvitation, Space, str]:
    token_hash = hash_opaque_token(token)
    await set_invitation_context(session, token_hash)
    found = await repo.open_invitation(session, token_hash)
    if found is None:
        raise InvitationNotFound()
    invitation, space, inviter = found
    return invitation, space, inviter.display_name


async def preview_invitation(session: AsyncSession, token: str) -> InvitationPreview:
    invitation, space, inviter_name = await _open_invitation(session, token)
    return InvitationPreview(
        space_id=space.id,
        space_name=space.name,
        space_kind=space.kind,
        role=invitation.role,
        invited_by=inviter_name,
        expires_at=invitation.expires_at,
    )


async def accept_invitation(session: AsyncSession, subject: AuthSubject, token: str) -> Access:
    invitation, space, _ = await _open_invitation(session, token)
    if await repo.member(session, space.id, subject.user_id) is not None:
        raise AlreadyMember("You are already a member of this space")
    session.add(SpaceMember(space_id=space.id, user_id=subject.user_id, role=invitation.role))
    await session.flush()  # joins while the invitation is still pending, as the policy requires
    invitation.status = "accepted"
    invitation.responded_at = utcnow()
    invitation.responded_by = subject.user_id
    await session.flush()
    await audit.record(
        session,
        "invitation.accepted",
        actor_id=subject.user_id,
        space_id=space.id,
        target_type="invitation",
        target_id=invitation.id,
    )
    return Access(space, invitation.role)


async def decline_invitation(session: AsyncSession, subject: AuthSubject, token: str) -> None:
    invitation, space, _ = await _open_invitation(session, token)
    # Recorded first: once declined, the token no longer opens the space to this caller.
    await audit.record(
        session,
        "invitation.declined",
        actor_id=subject.user_id,
        space_id=space.id,
        target_type="invitation",
        target_id=invitation.id,
    )
    invitation.status = "declined"
    invitation.responded_at = utcnow()
    invitation.responded_by = subject.user_id
    await session.flush()
