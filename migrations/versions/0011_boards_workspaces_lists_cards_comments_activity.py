"""boards: workspaces' boards, members, lists, cards, labels, checklists, comments and
activity; every table protected by row-level security, the entities synced, private boards
private scopes of their workspace

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:47:27.095852
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from commonhold.platform.db import rls
from commonhold.platform.sync.changelog import track_table
from commonhold.settings import get_settings

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "boards",
    "board_members",
    "lists",
    "cards",
    "labels",
    "checklists",
    "checklist_items",
    "comments",
    "activity",
)
# The synced entities: every change reaches /sync and open boards (activity is a log of its
# own, read a page at a time). Each is logged in the scope of its board.
SYNCED = (
    ("boards.boards", "boards.board"),
    ("boards.board_members", "boards.board_member"),
    ("boards.lists", "boards.list"),
    ("boards.cards", "boards.card"),
    ("boards.labels", "boards.label"),
    ("boards.checklists", "boards.checklist"),
    ("boards.checklist_items", "boards.checklist_item"),
    ("boards.comments", "boards.comment"),
)


# A private board is a private scope of its workspace (platform.private_scopes), its members
# the scope's members: its changes reach only them and the workspace's owner and admins.
SCOPES_SQL = """
CREATE FUNCTION boards.keep_board_scope() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, platform AS $$
BEGIN
  IF NEW.visibility = 'private' THEN
    INSERT INTO platform.private_scopes (scope_id, space_id) VALUES (NEW.id, NEW.space_id)
    ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM platform.private_scopes WHERE scope_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER boards_scope AFTER INSERT OR UPDATE OF visibility ON boards.boards
FOR EACH ROW EXECUTE FUNCTION boards.keep_board_scope();

CREATE FUNCTION boards.keep_board_scope_members() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, platform AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO platform.scope_members (scope_id, user_id, space_id)
    VALUES (NEW.board_id, NEW.user_id, NEW.space_id) ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM platform.scope_members WHERE scope_id = OLD.board_id AND user_id = OLD.user_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER board_members_scope AFTER INSERT OR DELETE ON boards.board_members
FOR EACH ROW EXECUTE FUNCTION boards.keep_board_scope_members();
"""
# Beyond their workspace, rows of a private board are for those who see it. Not board_members:
# the creator of a private board is added to it once the board is private, and must get the
# row back (RETURNING is checked against what may be read).
NOT_IN_HIDDEN_BOARD = "{column} NOT IN (SELECT platform.hidden_scope_ids())"
BOARD_SCOPED = (
    ("boards", "id"),
    ("lists", "board_id"),
    ("cards", "board_id"),
    ("labels", "board_id"),
    ("checklists", "board_id"),
    ("checklist_items", "board_id"),
    ("comments", "board_id"),
    ("activity", "board_id"),
)


def upgrade() -> None:
    op.execute("CREATE SCHEMA boards")
    op.create_table(
        "boards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("background_color", sa.String(length=7), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
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
        sa.CheckConstraint(
            "visibility IN ('workspace', 'private')", name=op.f("ck_boards_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["platform.users.id"], name=op.f("fk_boards_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_boards_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boards")),
        schema="boards",
    )
    op.create_index(
        "ix_boards_space_id", "boards", ["space_id", "created_at"], unique=False, schema="boards"
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column(
            "data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["platform.users.id"],
            name=op.f("fk_activity_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_activity_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_activity_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", "created_at", name="pk_activity"),
        schema="boards",
    )
    op.create_index(
        "ix_activity_board_created",
        "activity",
        ["board_id", "created_at"],
        unique=False,
        schema="boards",
    )
    op.create_index(
        "ix_activity_space_created",
        "activity",
        ["space_id", "created_at"],
        unique=False,
        schema="boards",
    )
    op.create_table(
        "board_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'member', 'observer')", name=op.f("ck_board_members_role")
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_board_members_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_board_members_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_board_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_members")),
        sa.UniqueConstraint("board_id", "user_id", name="uq_board_members_board_user"),
        schema="boards",
    )
    op.create_index(
        "ix_board_members_user_id", "board_members", ["user_id"], unique=False, schema="boards"
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_labels_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_labels_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        schema="boards",
    )
    op.create_index("ix_labels_board_id", "labels", ["board_id"], unique=False, schema="boards")
    op.create_table(
        "lists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
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
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_lists_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_lists_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
        sa.UniqueConstraint(
            "board_id",
            "position",
            deferrable=True,
            initially="DEFERRED",
            name="uq_lists_board_position",
        ),
        schema="boards",
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("list_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("label_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("assignee_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
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
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_cards_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["platform.users.id"], name=op.f("fk_cards_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["boards.lists.id"],
            name=op.f("fk_cards_list_id_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_cards_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint(
            "list_id",
            "position",
            deferrable=True,
            initially="DEFERRED",
            name="uq_cards_list_position",
        ),
        schema="boards",
    )
    op.create_index(
        "ix_cards_assignee_ids",
        "cards",
        ["assignee_ids"],
        unique=False,
        schema="boards",
        postgresql_using="gin",
    )
    op.create_index("ix_cards_board_id", "cards", ["board_id"], unique=False, schema="boards")
    op.create_table(
        "checklists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_checklists_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["boards.cards.id"],
            name=op.f("fk_checklists_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_checklists_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklists")),
        schema="boards",
    )
    op.create_index(
        "ix_checklists_card_id", "checklists", ["card_id"], unique=False, schema="boards"
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["platform.users.id"],
            name=op.f("fk_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_comments_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["boards.cards.id"],
            name=op.f("fk_comments_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_comments_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        schema="boards",
    )
    op.create_index(
        "ix_comments_card_id", "comments", ["card_id", "created_at"], unique=False, schema="boards"
    )
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("board_id", sa.Uuid(), nullable=False),
        sa.Column("checklist_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("done", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.boards.id"],
            name=op.f("fk_checklist_items_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checklist_id"],
            ["boards.checklists.id"],
            name=op.f("fk_checklist_items_checklist_id_checklists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_checklist_items_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_items")),
        schema="boards",
    )
    op.create_index(
        "ix_checklist_items_checklist_id",
        "checklist_items",
        ["checklist_id"],
        unique=False,
        schema="boards",
    )
    protect_tables(get_settings().app_db_role)
    for table, entity_type in SYNCED:
        scope = "id" if table == "boards.boards" else "board_id"
        for statement in track_table(table, entity_type, scope=scope):
            op.execute(statement)
    op.execute(SCOPES_SQL)


def protect_tables(app: str) -> None:
    op.execute(f'GRANT USAGE ON SCHEMA boards TO "{app}"')
    for table in TABLES:
        for statement in rls.space_owned_table(f"boards.{table}", app):
            op.execute(statement)
    for table, column in BOARD_SCOPED:
        op.execute(
            f'CREATE POLICY visible_board ON boards.{table} AS RESTRICTIVE TO "{app}" '
            f"USING ({NOT_IN_HIDDEN_BOARD.format(column=column)}) WITH CHECK (true)"
        )


def downgrade() -> None:
    op.execute("DROP SCHEMA boards CASCADE")
