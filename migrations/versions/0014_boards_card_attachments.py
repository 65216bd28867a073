"""boards: files attached to cards, kept by the files platform under a new use (document);
synced in the scope of their board and protected like its other rows; a card's files are
discarded when its attachments go, however they go; workspaces' plans limit the size of a file

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commonhold.platform.db import rls
from commonhold.platform.sync.changelog import track_table
from commonhold.settings import get_settings

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "boards.card_attachments"
USES_BEFORE = "use IN ('photo', 'receipt', 'manual')"
USES = "use IN ('photo', 'receipt', 'manual', 'document')"
# Every tier attaches files to cards; the plan decides how large one may be (MiB).
TIER_LIMITS = {"workspace.file_mb": (10, 25, 100)}

# Attachments go with their card, list, board or workspace through foreign keys the
# attachments service never sees: whichever way a row goes, its file is discarded, and the
# files purge erases the bytes once the retention period has passed.
DISCARD_FILES_SQL = """
CREATE FUNCTION boards.discard_attachment_files() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, platform AS $$
BEGIN
  UPDATE platform.files f SET deleted_at = now()
  FROM old_rows o WHERE f.id = o.file_id AND f.deleted_at IS NULL;
  RETURN NULL;
END $$;

CREATE TRIGGER card_attachments_discard_files AFTER DELETE ON boards.card_attachments
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
EXECUTE FUNCTION boards.discard_attachment_files();
"""


def upgrade() -> None:
    app = get_settings().app_db_role
    op.drop_constraint(op.f("ck_files_use"), "files", schema="platform", type_="check")
    op.create_check_constraint(op.f("ck_files_use"), "files", USES, schema="platform")
    op.create_table(
        "card_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=100), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("file_size >= 0", name=op.f("ck_card_attachments_file_size")),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_card_attachments_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["boards.cards.id"],
            name=op.f("fk_card_attachments_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["platform.files.id"],
            name=op.f("fk_card_attachments_file_id_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_card_attachments_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["platform.users.id"],
            name=op.f("fk_card_attachments_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_attachments")),
        sa.UniqueConstraint("file_id", name="uq_card_attachments_file_id"),
        schema="boards",
    )
    op.create_index(
        "ix_card_attachments_card_id",
        "card_attachments",
        ["card_id", "created_at"],
        unique=False,
        schema="boards",
    )
    op.create_index(
        "ix_card_attachments_board_id",
        "card_attachments",
        ["board_id"],
        unique=False,
        schema="boards",
    )
    for statement in (
        *rls.space_owned_table(TABLE, app),
        # As every row of a board (0011): a private board's attachments are for those who
        # see the board.
        f'CREATE POLICY visible_board ON {TABLE} AS RESTRICTIVE TO "{app}" '
        "USING (board_id NOT IN (SELECT platform.hidden_scope_ids())) WITH CHECK (true)",
        *track_table(TABLE, "boards.card_attachment", scope="board_id"),
        DISCARD_FILES_SQL,
    ):
        op.execute(statement)
    insert_tier_limits()


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
    op.drop_table("card_attachments", schema="boards")
    op.execute("DROP FUNCTION boards.discard_attachment_files()")
    # Documents are cards' files alone: their rows go with the cards' attachments (their bytes
    # stay in storage, which the files purge no longer finds).
    op.execute("DELETE FROM platform.files WHERE use = 'document'")
    op.drop_constraint(op.f("ck_files_use"), "files", schema="platform", type_="check")
    op.create_check_constraint(op.f("ck_files_use"), "files", USES_BEFORE, schema="platform")
