"""sync: committed changes are announced to the real-time gateway, whoever made them; an
update of hidden columns alone keeps a synced row's version

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 18:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from commonhold.platform.sync.changelog import bump_version_trigger, record_changes_sql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The synced tables of 0006 and their hidden columns.
HIDDEN_COLUMNS = (
    ("homes.rooms", ()),
    ("homes.items", ("search_vector",)),
    ("homes.tasks", ("generated_through",)),
    ("homes.task_instances", ()),
)


def upgrade() -> None:
    op.execute(record_changes_sql(announce=True))
    for table, hidden in HIDDEN_COLUMNS:
        op.execute(f"DROP TRIGGER {table.split('.')[-1]}_bump_version ON {table}")
        op.execute(bump_version_trigger(table, hidden))


def downgrade() -> None:
    for table, _ in HIDDEN_COLUMNS:
        name = table.split(".")[-1]
        op.execute(f"DROP TRIGGER {name}_bump_version ON {table}")
        op.execute(
            f"CREATE TRIGGER {name}_bump_version BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION platform.bump_version()"
        )
    op.execute(record_changes_sql(announce=False))
