"""sync: committed changes are announced to the real-time gateway, whoever made them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 18:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from commonhold.platform.sync.changelog import record_changes_sql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(record_changes_sql(announce=True))


def downgrade() -> None:
    op.execute(record_changes_sql(announce=False))
