"""The outbox: every domain event, written in the transaction of the change it records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.db.base import Base

SCHEMA = "platform"


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        # The relay's work list: events not yet published to the message broker.
        Index(
            "ix_outbox_events_unrelayed", "occurred_at", postgresql_where=text("relayed_at IS NULL")
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The routing key, ``app.entity.action``.
    name: Mapped[str] = mapped_column(String(100))
    space_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    relayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EventReceipt(Base):
    """One subscriber has handled one event: written with the subscriber's own changes, so a
    repeated delivery finds it and does nothing."""

    __tablename__ = "event_receipts"
    __table_args__ = {"schema": SCHEMA}

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(200), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
