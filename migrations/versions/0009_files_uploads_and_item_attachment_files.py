"""files: uploaded files of spaces; item attachments point at an uploaded file or a link

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 21:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from commonhold.platform.db import rls
from commonhold.settings import get_settings

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    app = get_settings().app_db_role
    op.create_table(
        "files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("use", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("declared_type", sa.String(length=100), nullable=False),
        sa.Column("declared_size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column(
            "thumbnail_sides",
            postgresql.ARRAY(sa.Integer()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
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
            "status IN ('requested', 'uploaded', 'processing', 'ready', 'failed')",
            name=op.f("ck_files_status"),
        ),
        sa.CheckConstraint("use IN ('photo', 'receipt', 'manual')", name=op.f("ck_files_use")),
        sa.CheckConstraint("declared_size >= 0", name=op.f("ck_files_declared_size")),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_files_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["platform.users.id"],
            name=op.f("fk_files_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
        schema="platform",
    )
    op.create_index("ix_files_space_id", "files", ["space_id"], schema="platform")
    op.create_index(
        "ix_files_deleted_at",
        "files",
        ["deleted_at"],
        schema="platform",
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )
    op.create_index(
        "ix_files_requested",
        "files",
        ["created_at"],
        schema="platform",
        postgresql_where=sa.text("status = 'requested'"),
    )
    for statement in (
        *rls.space_owned_table("platform.files", app),
        # Files are erased by the purge job (the owner role), never by a request.
        f'GRANT SELECT, INSERT, UPDATE ON platform.files TO "{app}"',
    ):
        op.execute(statement)

    op.add_column("item_attachments", sa.Column("file_id", sa.Uuid()), schema="homes")
    op.alter_column("item_attachments", "file_url", nullable=True, schema="homes")
    op.create_foreign_key(
        op.f("fk_item_attachments_file_id_files"),
        "item_attachments",
        "files",
        ["file_id"],
        ["id"],
        source_schema="homes",
        referent_schema="platform",
        ondelete="CASCADE",
    )
    op.create_check_constraint(
        op.f("ck_item_attachments_file_or_url"),
        "item_attachments",
        "(file_id IS NULL) <> (file_url IS NULL)",
        schema="homes",
    )
    op.create_index("ix_item_attachments_file_id", "item_attachments", ["file_id"], schema="homes")


def downgrade() -> None:
    op.execute("DELETE FROM homes.item_attachments WHERE file_id IS NOT NULL")
    op.drop_index("ix_item_attachments_file_id", "item_attachments", schema="homes")
    op.drop_constraint(op.f("ck_item_attachments_file_or_url"), "item_attachments", schema="homes")
    op.drop_constraint(
        op.f("fk_item_attachments_file_id_files"), "item_attachments", schema="homes"
    )
    op.alter_column("item_attachments", "file_url", nullable=False, schema="homes")
    op.drop_column("item_attachments", "file_id", schema="homes")
    op.drop_table("files", schema="platform")
