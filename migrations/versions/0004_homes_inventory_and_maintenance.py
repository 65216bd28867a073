"""homes: inventory and maintenance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:55:40.903810
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from commonhold.platform.db import rls
from commonhold.settings import get_settings

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "homes",
    "rooms",
    "items",
    "item_attachments",
    "tasks",
    "task_instances",
    "calendar_feeds",
)

# Seed 000's tier_limits, as limit keys: -1 is unlimited. home.members = 1 is "cannot share".
TIER_LIMITS = {
    "spaces.home": (1, 3, -1),
    "home.items": (50, 500, -1),
    "home.tasks": (25, 200, -1),
    "home.members": (1, -1, -1),
    "home.attachments": (0, -1, -1),
    "home.file_mb": (5, 25, 100),
}

# Item search: names first, then maker and model, then description.
ITEM_SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(manufacturer, '') || ' ' || "
    "coalesce(model_number, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')"
)

# The member a calendar link acts for, while they still belong to the home.
CALENDAR_FEED_SQL = """
CREATE FUNCTION homes.calendar_feed_member(presented_hash text)
RETURNS TABLE (space_id uuid, user_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, homes, platform
AS $$
  SELECT f.space_id, f.user_id FROM homes.calendar_feeds f
  JOIN platform.space_members m ON m.space_id = f.space_id AND m.user_id = f.user_id
  JOIN platform.spaces s ON s.id = f.space_id AND s.deleted_at IS NULL
  WHERE f.token_hash = presented_hash
$$;
"""


def upgrade() -> None:
    op.execute("CREATE SCHEMA homes")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_calendar_feeds_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("space_id", "user_id", name="uq_calendar_feeds_space_user"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
        schema="homes",
    )
    op.create_table(
        "homes",
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("home_type", sa.String(length=50), nullable=True),
        sa.Column("year_built", sa.Integer(), nullable=True),
        sa.Column("square_feet", sa.Integer(), nullable=True),
        sa.Column("photo_url", sa.String(length=2000), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("square_feet > 0", name=op.f("ck_homes_square_feet")),
        sa.CheckConstraint("year_built BETWEEN 1000 AND 2200", name=op.f("ck_homes_year_built")),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_homes_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("space_id", name=op.f("pk_homes")),
        schema="homes",
    )
    op.create_table(
        "rooms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("room_type", sa.String(length=50), nullable=True),
        sa.Column("floor", sa.SmallInteger(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_rooms_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        schema="homes",
    )
    op.create_index(
        "ix_rooms_space_sort", "rooms", ["space_id", "sort_order"], unique=False, schema="homes"
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("model_number", sa.String(length=100), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("purchase_price", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("warranty_until", sa.Date(), nullable=True),
        sa.Column("condition", sa.String(length=16), nullable=True),
        sa.Column(
            "metadata", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                ITEM_SEARCH_VECTOR,
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "condition IN ('excellent', 'good', 'fair', 'poor')", name=op.f("ck_items_condition")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(metadata) = 'object'", name=op.f("ck_items_metadata_object")
        ),
        sa.CheckConstraint("purchase_price >= 0", name=op.f("ck_items_purchase_price")),
        sa.ForeignKeyConstraint(
            ["room_id"], ["homes.rooms.id"], name=op.f("fk_items_room_id_rooms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_items_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        schema="homes",
    )
    op.create_index(
        "ix_items_metadata",
        "items",
        ["metadata"],
        unique=False,
        schema="homes",
        postgresql_using="gin",
    )
    op.create_index("ix_items_room_id", "items", ["room_id"], unique=False, schema="homes")
    # One home's matches straight from the index (btree_gin lets space_id share it).
    op.create_index(
        "ix_items_search",
        "items",
        ["space_id", "search_vector"],
        unique=False,
        schema="homes",
        postgresql_using="gin",
    )
    op.create_index("ix_items_space_id", "items", ["space_id"], unique=False, schema="homes")
    op.create_index(
        "ix_items_warranty",
        "items",
        ["space_id", "warranty_until"],
        unique=False,
        schema="homes",
        postgresql_where=sa.text("deleted_at IS NULL AND warranty_until IS NOT NULL"),
    )
    op.create_table(
        "item_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("file_url", sa.String(length=2000), nullable=False),
        sa.Column("file_type", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("file_size >= 0", name=op.f("ck_item_attachments_file_size")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["homes.items.id"],
            name=op.f("fk_item_attachments_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_item_attachments_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_attachments")),
        schema="homes",
    )
    op.create_index(
        "ix_item_attachments_item_id", "item_attachments", ["item_id"], unique=False, schema="homes"
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("item_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("assigned_to", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("priority", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("recurrence", sa.String(length=16), server_default="none", nullable=False),
        sa.Column("recurrence_mode", sa.String(length=16), server_default="fixed", nullable=False),
        sa.Column("recurrence_interval", sa.Integer(), server_default="1", nullable=False),
        sa.Column("recurrence_day", sa.SmallInteger(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("recurrence_end_date", sa.Date(), nullable=True),
        sa.Column("next_due_date", sa.Date(), nullable=True),
        sa.Column("generated_through", sa.Date(), nullable=True),
        sa.Column("notify_days_before", sa.Integer(), server_default="1", nullable=False),
        sa.Column("notify_day_of", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "recurrence IN ('none', 'daily', 'weekly', 'monthly', 'yearly', 'custom_days')",
            name=op.f("ck_tasks_recurrence"),
        ),
        sa.CheckConstraint(
            "recurrence_mode IN ('fixed', 'rolling')", name=op.f("ck_tasks_recurrence_mode")
        ),
        sa.CheckConstraint("notify_days_before >= 0", name=op.f("ck_tasks_notify_days_before")),
        sa.CheckConstraint("priority BETWEEN 0 AND 3", name=op.f("ck_tasks_priority")),
        sa.CheckConstraint(
            "recurrence_end_date IS NULL OR recurrence_end_date >= starts_on",
            name=op.f("ck_tasks_end_date"),
        ),
        sa.CheckConstraint("recurrence_interval >= 1", name=op.f("ck_tasks_recurrence_interval")),
        sa.ForeignKeyConstraint(
            ["assigned_to"],
            ["platform.users.id"],
            name=op.f("fk_tasks_assigned_to_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["platform.users.id"], name=op.f("fk_tasks_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["homes.items.id"],
            name=op.f("fk_tasks_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["homes.rooms.id"],
            name=op.f("fk_tasks_room_id_rooms"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_tasks_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        schema="homes",
    )
    op.create_index("ix_tasks_assigned_to", "tasks", ["assigned_to"], unique=False, schema="homes")
    op.create_index(
        "ix_tasks_due",
        "tasks",
        ["next_due_date"],
        unique=False,
        schema="homes",
        postgresql_where=sa.text("is_active AND deleted_at IS NULL"),
    )
    op.create_index(
        "ix_tasks_generation",
        "tasks",
        ["generated_through", "id"],
        unique=False,
        schema="homes",
        postgresql_where=sa.text("is_active AND deleted_at IS NULL"),
    )
    op.create_index("ix_tasks_item_id", "tasks", ["item_id"], unique=False, schema="homes")
    op.create_index("ix_tasks_room_id", "tasks", ["room_id"], unique=False, schema="homes")
    op.create_index("ix_tasks_space_id", "tasks", ["space_id"], unique=False, schema="homes")
    op.create_table(
        "task_instances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("completed_by", sa.Uuid(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'in_progress', 'completed', 'skipped')",
            name=op.f("ck_task_instances_status"),
        ),
        sa.ForeignKeyConstraint(
            ["completed_by"],
            ["platform.users.id"],
            name=op.f("fk_task_instances_completed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_task_instances_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["homes.tasks.id"],
            name=op.f("fk_task_instances_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_instances")),
        sa.UniqueConstraint("task_id", "due_date", name="uq_task_instances_task_due"),
        schema="homes",
    )
    op.create_index(
        "ix_task_instances_space_due",
        "task_instances",
        ["space_id", "due_date", "status"],
        unique=False,
        schema="homes",
    )
    protect_tables(get_settings().app_db_role)
    insert_tier_limits()


def protect_tables(app: str) -> None:
    op.execute(CALENDAR_FEED_SQL)
    op.execute(f'GRANT USAGE ON SCHEMA homes TO "{app}"')
    op.execute(f'GRANT EXECUTE ON FUNCTION homes.calendar_feed_member(text) TO "{app}"')
    for table in TABLES:
        for statement in rls.space_owned_table(f"homes.{table}", app):
            op.execute(statement)


def insert_tier_limits() -> None:
    limits = sa.table(
        "tier_limits",
        sa.column("tier", sa.String),
        sa.column("limit_key", sa.String),
        sa.column("value", sa.Integer),
        schema="platform",
    )
    op.bulk_insert(
        limits,
        [
            {"tier": tier, "limit_key": key, "value": value}
            for key, values in TIER_LIMITS.items()
            for tier, value in zip(("free", "basic", "premium"), values, strict=True)
        ],
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM platform.tier_limits WHERE limit_key IN "
        f"({', '.join(repr(key) for key in TIER_LIMITS)})"
    )
    op.execute("DROP SCHEMA homes CASCADE")
