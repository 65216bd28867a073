"""Every SQL statement of spaces. Queries filter by membership; RLS is the safety net."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.base import utcnow
from commonhold.platform.identity.models import User
from commonhold.platform.spaces.models import Space, SpaceInvitation, SpaceMember

# A select of several columns, for pagination.paginate, which takes any row shape.
AnySelect = Select[*tuple[Any, ...]]


async def membership(
    session: AsyncSession, space_id: uuid.UUID, user_id: uuid.UUID, deleted: bool = False
) -> tuple[Space, SpaceMember] | None:
    """The space and the user's membership; ``deleted`` looks among soft-deleted spaces."""
    row = (
        await session.execute(
            select(Space, SpaceMember)
            .join(SpaceMember, SpaceMember.space_id == Space.id)
            .where(
                Space.id == space_id,
                Space.deleted_at.is_not(None) if deleted else Space.deleted_at.is_(None),
                SpaceMember.user_id == user_id,
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def count_owned_spaces(session: AsyncSession, user_id: uuid.UUID, kind: str) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Space)
            .join(SpaceMember, SpaceMember.space_id == Space.id)
            .where(
                SpaceMember.user_id == user_id,
                SpaceMember.role == "owner",
                Space.kind == kind,
                Space.deleted_at.is_(None),
            )
        )
        or 0
    )


async def count_members_and_invitees(session: AsyncSession, space_id: uuid.UUID) -> int:
    members = select(func.count()).where(SpaceMember.space_id == space_id).scalar_subquery()
    invitees = (
        select(func.count())
        .where(
            SpaceInvitation.space_id == space_id,
            SpaceInvitation.status == "pending",
            SpaceInvitation.expires_at > utcnow(),
        )
        .scalar_subquery()
    )
    return await session.scalar(select(members + invitees)) or 0


def spaces_of_user(user_id: uuid.UUID, kind: str | None, deleted: bool = False) -> AnySelect:
    statement = (
        select(Space, SpaceMember.role)
        .join(SpaceMember, SpaceMember.space_id == Space.id)
        .where(
            SpaceMember.user_id == user_id,
            Space.deleted_at.is_not(None) if deleted else Space.deleted_at.is_(None),
        )
    )
    return statement.where(Space.kind == kind) if kind else statement


def members_of_space(space_id: uuid.UUID) -> AnySelect:
    return (
        select(SpaceMember, User.email, User.display_name)
        .join(User, User.id == SpaceMember.user_id)
        .where(SpaceMember.space_id == space_id)
    )


async def member(
    session: AsyncSession, space_id: uuid.UUID, user_id: uuid.UUID
) -> SpaceMember | None:
    return await session.get(SpaceMember, (space_id, user_id))


async def member_by_email(
    session: AsyncSession, space_id: uuid.UUID, email: str
) -> SpaceMember | None:
    return await session.scalar(
        select(SpaceMember)
        .join(User, User.id == SpaceMember.user_id)
        .where(SpaceMember.space_id == space_id, User.email == email)
    )


def pending_invitations(space_id: uuid.UUID) -> Select[Any]:
    return select(SpaceInvitation).where(
        SpaceInvitation.space_id == space_id,
        SpaceInvitation.status == "pending",
        SpaceInvitation.expires_at > utcnow(),
    )


async def invitation(
    session: AsyncSession, space_id: uuid.UUID, invitation_id: uuid.UUID
) -> SpaceInvitation | None:
    return await session.scalar(
        select(SpaceInvitation).where(
            SpaceInvitation.id == invitation_id, SpaceInvitation.space_id == space_id
        )
    )


async def delete_ended_invitations(session: AsyncSession) -> int:
    """Delete every invitation that can no longer be answered: answered, revoked or expired."""
    deleted = await session.execute(
        delete(SpaceInvitation).where(
            (SpaceInvitation.status != "pending") | (SpaceInvitation.expires_at <= utcnow())
        )
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]


async def revoke_pending_invitations(
    session: AsyncSession, space_id: uuid.UUID, email: str
) -> None:
    await session.execute(
        update(SpaceInvitation)
        .where(
            SpaceInvitation.space_id == space_id,
            SpaceInvitation.email == email,
            SpaceInvitation.status == "pending",
        )
        .values(status="revoked", responded_at=utcnow())
    )


async def open_invitation(
    session: AsyncSession, token_hash: str
) -> tuple[SpaceInvitation, Space, User] | None:
    """The pending, unexpired invitation with this token, its space and its inviter, locked."""
    row = (
        await session.execute(
            select(SpaceInvitation, Space, User)
            .join(Space, Space.id == SpaceInvitation.space_id)
            .join(User, User.id == SpaceInvitation.invited_by)
            .where(
                SpaceInvitation.token_hash == token_hash,
                SpaceInvitation.status == "pending",
                SpaceInvitation.expires_at > utcnow(),
                Space.deleted_at.is_(None),
            )
            .with_for_update(of=SpaceInvitation)
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None
