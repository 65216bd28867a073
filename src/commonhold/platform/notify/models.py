"""Notifications, what each person wants of them, and the record of every delivery."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.db.base import Base, created_at_column, updated_at_column, uuid_pk

SCHEMA = "platform"
CHANNELS = ("in_app", "email", "push")
DELIVERY_MODES = ("immediate", "digest", "off")
# pending: waiting for its job (perhaps until quiet hours end); digest: waiting for the
# daily digest; sent; failed: gave up; skipped: nothing to send to (no push subscription).
DELIVERY_STATUSES = ("pending", "digest", "sent", "failed", "skipped")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _user_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("platform.users.id", ondelete="CASCADE"))


class Notification(Base):
    """One thing one person is told; shown in the app unless they turned that off."""

    __tablename__ = "notifications"
    __table_args__ = (
        # One event never notifies the same person twice.
        UniqueConstraint("user_id", "type", "dedupe_key", name="uq_notifications_dedupe"),
        Index("ix_notifications_inbox", "user_id", "created_at", postgresql_where=text("in_app")),
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("in_app AND read_at IS NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = _user_fk()
    space_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.spaces.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(100))
    dedupe_key: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # What the templates were given; the client may use it to link to the subject.
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    in_app: Mapped[bool] = mapped_column(Boolean)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class NotificationDelivery(Base):
    """The delivery log: one notification sent (or not) on one outside channel."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        CheckConstraint(_one_of("channel", ("email", "push")), name="channel"),
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
        UniqueConstraint("notification_id", "channel", name="uq_deliveries_notification_channel"),
        Index("ix_deliveries_digest", "user_id", postgresql_where=text("status = 'digest'")),
        Index("ix_deliveries_user_created", "user_id", "created_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.notifications.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = _user_fk()
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What the provider answered last: the SMTP reply or the push service's status and body.
    provider_response: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class NotificationPreference(Base):
    """How one person wants one type of notification on one channel. No row: the type's
    default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(_one_of("mode", DELIVERY_MODES), name="mode"),
        # Only email gathers into a digest.
        CheckConstraint("mode <> 'digest' OR channel = 'email'", name="digest_by_email"),
        {"schema": SCHEMA},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))


class NotificationSchedule(Base):
    """When a person may be disturbed, in their own timezone: quiet hours hold email and push
    until they end; the digest goes out once a day at ``digest_time``."""

    __tablename__ = "notification_schedules"
    __table_args__ = (
        CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL)", name="quiet_hours_both_or_none"
        ),
        {"schema": SCHEMA},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE"), primary_key=True
    )
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    digest_time: Mapped[time] = mapped_column(Time, server_default=text("'08:00'"))
    updated_at: Mapped[datetime] = updated_at_column()


class PushSubscription(Base):
    """A browser's Web Push subscription (RFC 8030 endpoint and RFC 8291 keys)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        Index(
            "ix_push_subscriptions_active",
            "user_id",
            postgresql_where=text("deactivated_at IS NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = _user_fk()
    endpoint: Mapped[str] = mapped_column(String(2000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at_column()
    # Set when the push service answers 404 or 410: the browser dropped the subscription.
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationTemplate(Base):
    """An operator's wording of one notification type, replacing the built-in one."""

    __tablename__ = "notification_templates"
    __table_args__ = {"schema": SCHEMA}

    type: Mapped[str] = mapped_column(String(100), primary_key=True)
    subject: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = updated_at_column()


class VapidKey(Base):
    """The server's one VAPID key pair (RFC 8292), generated when the database is created."""

    __tablename__ = "vapid_keys"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    private_key_pem: Mapped[str] = mapped_column(Text)
    # Base64url of the uncompressed public point: the browser's applicationServerKey.
    public_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()
