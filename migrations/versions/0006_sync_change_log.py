"""sync: the change log; homes rooms, items, tasks and occurrences are synced; membership
changes are announced to the real-time gateway

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from commonhold.platform.db import rls
from commonhold.platform.sync.changelog import BUMP_VERSION_SQL, record_changes_sql, track_table
from commonhold.platform.sync.models import TransactionId
from commonhold.settings import get_settings

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The synced entities of the homes app: (table, entity type, columns kept out of the log:
# the search index, and the generator's own bookkeeping).
HOMES_SYNCED = (
    ("homes.rooms", "homes.room", ()),
    ("homes.items", "homes.item", ("search_vector",)),
    ("homes.tasks", "homes.task", ("generated_through",)),
    ("homes.task_instances", "homes.task_instance", ()),
)


# Every server process listens, to move its connected clients in or out of a space's room.
MEMBERSHIP_SQL = """
CREATE FUNCTION platform.notify_membership() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  member platform.space_members := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  PERFORM pg_notify('commonhold_membership', json_build_object(
    'user_id', member.user_id, 'space_id', member.space_id, 'joined', TG_OP = 'INSERT'
  )::text);
  RETURN NULL;
END $$;

CREATE TRIGGER space_members_notify AFTER INSERT OR DELETE ON platform.space_members
FOR EACH ROW EXECUTE FUNCTION platform.notify_membership();
"""


def upgrade() -> None:
    app = get_settings().app_db_role
    op.create_table(
        "changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "txid",
            TransactionId(),
            server_default=sa.text("pg_current_xact_id()"),
            nullable=False,
        ),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "action IN ('created', 'updated', 'deleted', 'restored', 'removed')",
            name=op.f("ck_changes_action"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
        schema="platform",
    )
    op.create_index(
        "ix_changes_space_position", "changes", ["space_id", "txid", "id"], schema="platform"
    )
    op.create_index(
        "ix_changes_occurred_at",
        "changes",
        ["occurred_at"],
        schema="platform",
        postgresql_using="brin",
    )
    op.create_table(
        "sync_horizon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("txid", TransactionId(), nullable=False),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_sync_horizon_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_horizon")),
        schema="platform",
    )
    op.execute(BUMP_VERSION_SQL)
    op.execute(record_changes_sql(announce=False))
    op.execute(MEMBERSHIP_SQL)
    for statement in (
        *rls.enable_rls("platform.changes"),
        f'GRANT SELECT ON platform.changes TO "{app}"',
        f'CREATE POLICY member_read ON platform.changes FOR SELECT TO "{app}" '
        f"USING ({rls.MEMBER_OF_SPACE.format(column='space_id')})",
        f'GRANT SELECT ON platform.sync_horizon TO "{app}"',
    ):
        op.execute(statement)
    for table, entity_type, hidden in HOMES_SYNCED:
        schema, name = table.split(".")
        op.add_column(
            name,
            sa.Column("version", sa.Integer(), server_default="1", nullable=False),
            schema=schema,
        )
        for statement in track_table(table, entity_type, hidden):
            op.execute(statement)


def downgrade() -> None:
    for table, _, _ in HOMES_SYNCED:
        schema, name = table.split(".")
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {name}_log_{event} ON {table}")
        op.execute(f"DROP TRIGGER {name}_bump_version ON {table}")
        op.drop_column(name, "version", schema=schema)
    op.execute("DROP TRIGGER space_members_notify ON platform.space_members")
    op.execute("DROP FUNCTION platform.notify_membership()")
    op.execute("DROP FUNCTION platform.record_changes()")
    op.execute("DROP FUNCTION platform.bump_version()")
    op.drop_table("sync_horizon", schema="platform")
    op.drop_table("changes", schema="platform")
