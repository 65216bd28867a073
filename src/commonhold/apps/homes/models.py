"""The homes schema: home details, rooms, items, attachments, tasks and their occurrences.

Every table carries ``space_id`` (the home) so row-level security needs no joins.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.db.base import Base, created_at_column, updated_at_column, uuid_pk
from commonhold.platform.sync.models import SYNCED, synced_version

SCHEMA = "homes"
CONDITIONS = ("excellent", "good", "fair", "poor")
INSTANCE_STATUSES = ("pending", "in_progress", "completed", "skipped")
FREQUENCIES = ("none", "daily", "weekly", "monthly", "yearly", "custom_days")
MODES = ("fixed", "rolling")

# What item search matches, weighted: names first, then maker and model, then description.
ITEM_SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(manufacturer, '') || ' ' || "
    "coalesce(model_number, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')"
)


def _space_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("platform.spaces.id", ondelete="CASCADE"))


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class HomeDetails(Base):
    """What a home has beyond its space (name, members): address, type, size, photo."""

    __tablename__ = "homes"
    __table_args__ = (
        CheckConstraint("year_built BETWEEN 1000 AND 2200", name="year_built"),
        CheckConstraint("square_feet > 0", name="square_feet"),
        {"schema": SCHEMA},
    )

    space_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.spaces.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str | None] = mapped_column(String(500))
    home_type: Mapped[str | None] = mapped_column(String(50))
    year_built: Mapped[int | None] = mapped_column(Integer)
    square_feet: Mapped[int | None] = mapped_column(Integer)
    photo_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Room(Base):
    __tablename__ = "rooms"
    __mapper_args__ = SYNCED
    __table_args__ = (
        Index("ix_rooms_space_sort", "space_id", "sort_order"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    name: Mapped[str] = mapped_column(String(200))
    room_type: Mapped[str | None] = mapped_column(String(50))
    floor: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Item(Base):
    __tablename__ = "items"
    __mapper_args__ = SYNCED
    __table_args__ = (
        CheckConstraint("purchase_price >= 0", name="purchase_price"),
        CheckConstraint(_one_of("condition", CONDITIONS), name="condition"),
        CheckConstraint("jsonb_typeof(metadata) = 'object'", name="metadata_object"),
        Index("ix_items_room_id", "room_id"),
        Index("ix_items_space_id", "space_id"),
        Index("ix_items_metadata", "metadata", postgresql_using="gin"),
        # btree_gin: one home's matches come straight from the index.
        Index("ix_items_search", "space_id", "search_vector", postgresql_using="gin"),
        Index(
            "ix_items_warranty",
            "space_id",
            "warranty_until",
            postgresql_where=text("deleted_at IS NULL AND warranty_until IS NOT NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("homes.rooms.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(50))
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    model_number: Mapped[str | None] = mapped_column(String(100))
    serial_number: Mapped[str | None] = mapped_column(String(100))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    purchase_price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    warranty_until: Mapped[date | None] = mapped_column(Date)
    condition: Mapped[str | None] = mapped_column(String(16))
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, default=dict, server_default="{}"
    )
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(ITEM_SEARCH_VECTOR, persisted=True), deferred=True
    )
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ItemAttachment(Base):
    """A photo, receipt or manual of an item: a file uploaded through the files platform
    (``file_id``), or a link to one kept elsewhere (``file_url``)."""

    __tablename__ = "item_attachments"
    __table_args__ = (
        CheckConstraint("file_size >= 0", name="file_size"),
        CheckConstraint("(file_id IS NULL) <> (file_url IS NULL)", name="file_or_url"),
        Index("ix_item_attachments_item_id", "item_id"),
        Index("ix_item_attachments_file_id", "file_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("homes.items.id", ondelete="CASCADE"))
    file_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.files.id", ondelete="CASCADE")
    )
    file_url: Mapped[str | None] = mapped_column(String(2000))
    file_type: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()


class Task(Base):
    """A maintenance task: the template. Its due dates live in ``task_instances``.

    The seed's ``custom_days`` column is folded into ``recurrence_interval`` (frequency
    ``custom_days`` with interval N is "every N days").
    """

    __tablename__ = "tasks"
    __mapper_args__ = SYNCED
    __table_args__ = (
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority"),
        CheckConstraint(_one_of("recurrence", FREQUENCIES), name="recurrence"),
        CheckConstraint(_one_of("recurrence_mode", MODES), name="recurrence_mode"),
        CheckConstraint("recurrence_interval >= 1", name="recurrence_interval"),
        CheckConstraint("notify_days_before >= 0", name="notify_days_before"),
        CheckConstraint(
            "recurrence_end_date IS NULL OR recurrence_end_date >= starts_on", name="end_date"
        ),
        Index("ix_tasks_space_id", "space_id"),
        Index("ix_tasks_item_id", "item_id"),
        Index("ix_tasks_room_id", "room_id"),
        Index("ix_tasks_assigned_to", "assigned_to"),
        Index(
            "ix_tasks_due",
            "next_due_date",
            postgresql_where=text("is_active AND deleted_at IS NULL"),
        ),
        # The generator's work list: active tasks whose occurrences are not yet made far enough.
        Index(
            "ix_tasks_generation",
            "generated_through",
            "id",
            postgresql_where=text("is_active AND deleted_at IS NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("homes.rooms.id", ondelete="SET NULL")
    )
    item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("homes.items.id", ondelete="SET NULL")
    )
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("platform.users.id"))
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    recurrence: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    recurrence_mode: Mapped[str] = mapped_column(
        String(16), default="fixed", server_default="fixed"
    )
    recurrence_interval: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    recurrence_day: Mapped[int | None] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    recurrence_end_date: Mapped[date | None] = mapped_column(Date)
    # The earliest open occurrence; null once a task has nothing left to do.
    next_due_date: Mapped[date | None] = mapped_column(Date)
    # Occurrences exist up to this date (inclusive); the generator extends it.
    generated_through: Mapped[date | None] = mapped_column(Date)
    notify_days_before: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    notify_day_of: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TaskInstance(Base):
    """One occurrence of a task on one date: the record of whether it was done."""

    __tablename__ = "task_instances"
    __mapper_args__ = SYNCED
    __table_args__ = (
        CheckConstraint(_one_of("status", INSTANCE_STATUSES), name="status"),
        UniqueConstraint("task_id", "due_date", name="uq_task_instances_task_due"),
        Index("ix_task_instances_space_due", "space_id", "due_date", "status"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("homes.tasks.id", ondelete="CASCADE"))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    completed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="SET NULL")
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()


class CalendarFeed(Base):
    """A member's private iCalendar link for a home; the token is stored hashed."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("space_id", "user_id", name="uq_calendar_feeds_space_user"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("platform.users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
