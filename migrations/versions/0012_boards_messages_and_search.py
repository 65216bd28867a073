"""boards: direct messages between workspace members, read by those two alone; full-text
search over cards and comments, its vectors kept out of the change log

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from commonhold.platform.db import rls
from commonhold.platform.sync.changelog import track_table
from commonhold.settings import get_settings

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGES = "boards.direct_messages"
ME = "platform.current_user_id()"


def protect_messages(app: str) -> list[str]:
    """Beyond the workspace's members, a message is its sender's and its recipient's alone:
    the sender writes it as themself, the recipient marks it read (``read_at``, the one column
    the application may update), nobody deletes it."""
    role = f'"{app}"'
    return [
        *rls.enable_rls(MESSAGES),
        rls.member_policy(MESSAGES, app),
        f"CREATE POLICY participants ON {MESSAGES} AS RESTRICTIVE FOR SELECT TO {role} "
        f"USING ({ME} IN (sender_id, recipient_id))",
        f"CREATE POLICY sent_as_self ON {MESSAGES} AS RESTRICTIVE FOR INSERT TO {role} "
        f"WITH CHECK (sender_id = {ME})",
        f"CREATE POLICY read_by_recipient ON {MESSAGES} AS RESTRICTIVE FOR UPDATE TO {role} "
        f"USING (recipient_id = {ME}) WITH CHECK (recipient_id = {ME})",
        f"GRANT SELECT, INSERT ON {MESSAGES} TO {role}",
        f"GRANT UPDATE (read_at) ON {MESSAGES} TO {role}",
    ]


CARD_SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')"
)
COMMENT_SEARCH_VECTOR = "setweight(to_tsvector('english'::regconfig, body), 'B')"
# The searchable tables: synced since 0011, their vectors hidden from the log (and from the
# version, which a BEFORE trigger could not compare anyway: generated columns are computed
# after it).
SEARCHED = (
    ("cards", "boards.card", CARD_SEARCH_VECTOR),
    ("comments", "boards.comment", COMMENT_SEARCH_VECTOR),
)


def upgrade() -> None:
    op.create_table(
        "direct_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "sender_id <> recipient_id", name=op.f("ck_direct_messages_not_to_self")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["platform.users.id"],
            name=op.f("fk_direct_messages_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["platform.users.id"],
            name=op.f("fk_direct_messages_sender_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_direct_messages_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", "created_at", name="pk_direct_messages"),
        schema="boards",
    )
    op.create_index(
        "ix_direct_messages_conversation",
        "direct_messages",
        [
            "space_id",
            sa.text("least(sender_id, recipient_id)"),
            sa.text("greatest(sender_id, recipient_id)"),
            "created_at",
        ],
        schema="boards",
    )
    op.create_index(
        "ix_direct_messages_sender", "direct_messages", ["sender_id", "space_id"], schema="boards"
    )
    op.create_index(
        "ix_direct_messages_recipient",
        "direct_messages",
        ["recipient_id", "space_id"],
        schema="boards",
    )
    op.create_index(
        "ix_direct_messages_unread",
        "direct_messages",
        ["recipient_id", "space_id", "sender_id"],
        schema="boards",
        postgresql_where=sa.text("read_at IS NULL"),
    )
    for statement in protect_messages(get_settings().app_db_role):
        op.execute(statement)

    for table, entity_type, vector in SEARCHED:
        _drop_change_triggers(table)
        op.add_column(
            table,
            sa.Column(
                "search_vector",
                postgresql.TSVECTOR(),
                sa.Computed(vector, persisted=True),
                nullable=False,
            ),
            schema="boards",
        )
        # btree_gin (0004): one workspace's matches straight from the index.
        op.create_index(
            f"ix_{table}_search",
            table,
            ["space_id", "search_vector"],
            schema="boards",
            postgresql_using="gin",
        )
        _track(table, entity_type, hidden=("search_vector",))


def downgrade() -> None:
    for table, entity_type, _ in SEARCHED:
        _drop_change_triggers(table)
        op.drop_index(f"ix_{table}_search", table, schema="boards")
        op.drop_column(table, "search_vector", schema="boards")
        _track(table, entity_type, hidden=())
    op.drop_table("direct_messages", schema="boards")


def _drop_change_triggers(table: str) -> None:
    for trigger in ("bump_version", "log_insert", "log_update", "log_delete"):
        op.execute(f"DROP TRIGGER {table}_{trigger} ON boards.{table}")


def _track(table: str, entity_type: str, hidden: tuple[str, ...]) -> None:
    for statement in track_table(f"boards.{table}", entity_type, hidden, scope="board_id"):
        op.execute(statement)
