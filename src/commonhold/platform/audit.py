"""Append-only audit log. Services record what people did; nobody can edit the record.

The application role is granted only SELECT and INSERT on the table, so even a compromised
request cannot rewrite history.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.context import client_ip_var, request_id_var
from commonhold.platform.db.base import Base, created_at_column, uuid_pk


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
