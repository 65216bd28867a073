"""boards: cards can be completed, and recurring cards come back when completed; the hourly
due-soon job reads open cards through a partial index on their due time, the weekly activity
trim expired activity through a block range index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from commonhold.platform.sync.changelog import bump_version_trigger, watch_new_columns

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CARDS = "boards.cards"
# As 0012 left the cards' tracking: the search vector stays out of the log.
HIDDEN = ("search_vector",)

FREQUENCIES = "'none', 'daily', 'weekly', 'monthly', 'yearly', 'custom_days'"
COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("recurrence", sa.String(length=16), server_default="none", nullable=False),
    sa.Column("recurrence_mode", sa.String(length=16), server_default="fixed", nullable=False),
    sa.Column("recurrence_interval", sa.Integer(), server_default="1", nullable=False),
    sa.Column("recurrence_day", sa.SmallInteger(), nullable=True),
    sa.Column("recurrence_end_date", sa.Date(), nullable=True),
    sa.Column("recurrence_starts_on", sa.Date(), nullable=True),
    sa.Column("recurrence_timezone", sa.String(length=64), nullable=True),
)
CHECKS = (
    ("recurrence", f"recurrence IN ({FREQUENCIES})"),
    ("recurrence_mode", "recurrence_mode IN ('fixed', 'rolling')"),
    ("recurrence_interval", "recurrence_interval >= 1"),
    (
        "recurrence_anchored",
        "recurrence = 'none' OR (due_at IS NOT NULL AND recurrence_starts_on IS NOT NULL "
        "AND recurrence_timezone IS NOT NULL)",
    ),
)


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("cards", column, schema="boards")
    for statement in watch_new_columns(CARDS, HIDDEN):
        op.execute(statement)
    for name, condition in CHECKS:
        op.create_check_constraint(op.f(f"ck_cards_{name}"), "cards", condition, schema="boards")
    op.create_index(
        "ix_cards_open_due_at",
        "cards",
        ["due_at"],
        unique=False,
        schema="boards",
        postgresql_where=sa.text("NOT archived AND completed_at IS NULL"),
    )
    op.create_index(
        "ix_activity_created_at",
        "activity",
        ["created_at"],
        unique=False,
        schema="boards",
        postgresql_using="brin",
    )


def downgrade() -> None:
    op.drop_index("ix_activity_created_at", table_name="activity", schema="boards")
    op.drop_index("ix_cards_open_due_at", table_name="cards", schema="boards")
    for name, _ in CHECKS:
        op.drop_constraint(op.f(f"ck_cards_{name}"), "cards", schema="boards", type_="check")
    # The version trigger names the columns: it goes before them and comes back without them.
    op.execute(f"DROP TRIGGER cards_bump_version ON {CARDS}")
    for column in reversed(COLUMNS):
        op.drop_column("cards", column.name, schema="boards")
    op.execute(bump_version_trigger(CARDS, HIDDEN))
