from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.db.base import Base, created_at_column, updated_at_column, uuid_pk

TIERS = ("free", "basic", "premium")
SUBSCRIPTION_STATUSES = ("active", "past_due", "canceled", "trialing")
UNLIMITED = -1


class TierLimit(Base):
    """One limit of one tier, e.g. (free, home.items, 50). Products add their own keys in
    their migrations; a key without a row is not limited. -1 means unlimited."""

    __tablename__ = "tier_limits"
    __table_args__ = (
        CheckConstraint(f"tier IN {TIERS}", name="tier"),
        CheckConstraint("value >= -1", name="value"),
        {"schema": "platform"},
    )

    tier: Mapped[str] = mapped_column(String(32), primary_key=True)
    limit_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int]


class Subscription(Base):
    """The tier a user pays for. Users without one are on the free tier."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(f"tier IN {TIERS}", name="tier"),
        CheckConstraint(f"status IN {SUBSCRIPTION_STATUSES}", name="status"),
        {"schema": "platform"},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE"), unique=True
    )
    tier: Mapped[str] = mapped_column(String(32), default="free", server_default="free")
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
