"""Append-only audit log. Services record what people did; nobody can edit the record.

The application role is granted only SELECT and INSERT on the table, so even a compromised
request cannot rewrite history.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import Index, String, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.context import client_ip_var, request_id_var
from commonhold.platform.db.base import Base, created_at_column, uuid_pk
from commonhold.platform.pagination import Page, paginate
from commonhold.platform.schemas import ResponseBody


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_space_occurred", "space_id", "occurred_at"),
        Index("ix_audit_log_actor_occurred", "actor_id", "occurred_at"),
        {"schema": "platform"},
    )

    # Client-generated id: an INSERT with RETURNING would have to pass the SELECT policy too.
    id: Mapped[uuid.UUID] = uuid_pk()
    occurred_at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    space_id: Mapped[uuid.UUID | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")


class AuditEntryRead(ResponseBody):
    id: uuid.UUID
    occurred_at: datetime
    actor_id: uuid.UUID | None = Field(description="Who did it; null for anonymous attempts.")
    action: str = Field(examples=["member.role_changed"])
    target_type: str | None = Field(examples=["user"])
    target_id: str | None
    details: dict[str, Any] = Field(examples=[{"from": "viewer", "to": "editor"}])


async def space_entries(
    session: AsyncSession, space_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[AuditEntryRead]:
    """A space's audit trail, newest first."""
    return await paginate(
        session,
        select(AuditEntry).where(AuditEntry.space_id == space_id),
        (AuditEntry.occurred_at, AuditEntry.id),
        cursor,
        limit,
        lambda row: AuditEntryRead.model_validate(row[0]),
        newest_first=True,
    )


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    space_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the current transaction: it commits or rolls back with the change."""
    session.add(
        AuditEntry(
            action=action,
            actor_id=actor_id,
            space_id=space_id,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            ip_address=client_ip_var.get(),
            request_id=request_id_var.get(),
            details=details or {},
        )
    )
    await session.flush()
