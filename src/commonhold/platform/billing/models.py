"""Plans and their limits: which tier a user or space is on, and what that tier allows."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.db.base import Base, created_at_column, updated_at_column, uuid_pk

TIERS = ("free", "basic", "premium")
PAID_TIERS = ("basic", "premium")
SUBSCRIPTION_STATUSES = ("active", "past_due", "canceled", "trialing")
# Statuses whose tier still applies; a canceled subscription grants nothing.
GRANTING_STATUSES = ("active", "trialing", "past_due")
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
    """The tier a user, or a space, pays for. Users without one are on the free tier; a space
    without one of its own spends its owner's."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(f"tier IN {TIERS}", name="tier"),
        CheckConstraint(f"status IN {SUBSCRIPTION_STATUSES}", name="status"),
        CheckConstraint("num_nonnulls(user_id, space_id) = 1", name="one_holder"),
        {"schema": "platform"},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE"), unique=True
    )
    space_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.spaces.id", ondelete="CASCADE"), unique=True
    )
    tier: Mapped[str] = mapped_column(String(32), default="free", server_default="free")
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False, server_default="false")
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_price_id: Mapped[str | None] = mapped_column(String(255))
    # When Stripe created the last event applied here: an older one arriving late is ignored.
    stripe_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class BillingCustomer(Base):
    """The Stripe customer who pays for a person's subscriptions, their own and their spaces'."""

    __tablename__ = "billing_customers"
    __table_args__ = {"schema": "platform"}

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE"), primary_key=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = created_at_column()


class StripeEvent(Base):
    """A Stripe event already handled: a later delivery of the same id changes nothing."""

    __tablename__ = "stripe_events"
    __table_args__ = {"schema": "platform"}

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    # The signature timestamp of the delivery that was handled: sent again, it is a replay.
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The transaction's own time, always: the policies of the rows an event changes check it.
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class UsageCounter(Base):
    """How much of a per-period limit (posts, AI credits a month) a space or user has used."""

    __tablename__ = "usage_counters"
    __table_args__ = (
        CheckConstraint("num_nonnulls(user_id, space_id) = 1", name="one_holder"),
        CheckConstraint("used >= 0", name="used"),
        UniqueConstraint("space_id", "limit_key", "period_start"),
        UniqueConstraint("user_id", "limit_key", "period_start"),
        {"schema": "platform"},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.spaces.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE")
    )
    limit_key: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[date] = mapped_column(Date)
    used: Mapped[int]
    updated_at: Mapped[datetime] = updated_at_column()
