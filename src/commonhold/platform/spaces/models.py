from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.db.base import Base, created_at_column, updated_at_column, uuid_pk

SCHEMA = "platform"
SPACE_KINDS = ("home", "building", "team", "workspace", "organization")
ROLES = ("owner", "admin", "editor", "viewer")
INVITATION_STATUSES = ("pending", "accepted", "declined", "revoked")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Space(Base):
    __tablename__ = "spaces"
    __table_args__ = (
        CheckConstraint(_one_of("kind", SPACE_KINDS), name="kind"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("platform.users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SpaceMember(Base):
    __tablename__ = "space_members"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="role"),
        # Exactly one owner per space; ownership moves only by transfer.
        Index(
            "uq_space_members_one_owner",
            "space_id",
            unique=True,
            postgresql_where=text("role = 'owner'"),
        ),
        {"schema": SCHEMA},
    )

    space_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.spaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class SpaceInvitation(Base):
    __tablename__ = "space_invitations"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES[1:]), name="role"),
        CheckConstraint(_one_of("status", INVITATION_STATUSES), name="status"),
        # One open invitation per address and space; re-inviting replaces it.
        Index(
            "uq_space_invitations_pending_email",
            "space_id",
            text("lower(email)"),
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.spaces.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    invited_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("platform.users.id"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("platform.users.id"))
    created_at: Mapped[datetime] = created_at_column()
