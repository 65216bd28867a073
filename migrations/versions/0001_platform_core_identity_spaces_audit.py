"""platform core: identity, spaces, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-22 13:47:36.824684
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from commonhold.platform.db import rls
from commonhold.settings import get_settings

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA platform")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("space_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        schema="platform",
    )
    op.create_index(
        "ix_audit_log_actor_occurred",
        "audit_log",
        ["actor_id", "occurred_at"],
        unique=False,
        schema="platform",
    )
    op.create_index(
        "ix_audit_log_space_occurred",
        "audit_log",
        ["space_id", "occurred_at"],
        unique=False,
        schema="platform",
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("totp_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_last_timestep", sa.BigInteger(), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        schema="platform",
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_refresh_tokens_family_id"),
        "refresh_tokens",
        ["family_id"],
        unique=False,
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_refresh_tokens_user_id"),
        "refresh_tokens",
        ["user_id"],
        unique=False,
        schema="platform",
    )
    op.create_table(
        "spaces",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
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
            "kind IN ('home', 'building', 'team', 'workspace', 'organization')",
            name=op.f("ck_spaces_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["platform.users.id"], name=op.f("fk_spaces_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spaces")),
        schema="platform",
    )
    op.create_table(
        "user_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_user_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_tokens_token_hash")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_user_tokens_user_id"),
        "user_tokens",
        ["user_id"],
        unique=False,
        schema="platform",
    )
    op.create_table(
        "space_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'editor', 'viewer')", name=op.f("ck_space_invitations_role")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'revoked')",
            name=op.f("ck_space_invitations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["platform.users.id"],
            name=op.f("fk_space_invitations_invited_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["responded_by"],
            ["platform.users.id"],
            name=op.f("fk_space_invitations_responded_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_space_invitations_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_space_invitations_token_hash")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_space_invitations_space_id"),
        "space_invitations",
        ["space_id"],
        unique=False,
        schema="platform",
    )
    op.create_index(
        "uq_space_invitations_pending_email",
        "space_invitations",
        ["space_id", sa.literal_column("lower(email)")],
        unique=True,
        schema="platform",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "space_members",
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
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
            "role IN ('owner', 'admin', 'editor', 'viewer')", name=op.f("ck_space_members_role")
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_space_members_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_space_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("space_id", "user_id", name=op.f("pk_space_members")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_space_members_user_id"),
        "space_members",
        ["user_id"],
        unique=False,
        schema="platform",
    )
    op.create_index(
        "uq_space_members_one_owner",
        "space_members",
        ["space_id"],
        unique=True,
        schema="platform",
        postgresql_where=sa.text("role = 'owner'"),
    )
    protect_tables(get_settings().app_db_role)


def protect_tables(app: str) -> None:
    """Grants for the application role and row-level security on every space-owned table."""
    op.execute(rls.FUNCTIONS_SQL)
    for statement in (
        f'GRANT USAGE ON SCHEMA platform TO "{app}"',
        f'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA platform TO "{app}"',
        # Identity tables hold no space data; the API reaches them only through its services.
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON platform.users, platform.refresh_tokens, "
        f'platform.user_tokens TO "{app}"',
        *rls.space_owned_table("platform.space_members", app),
        # Spaces: members see theirs; a creator may insert; an invitee sees the space invited to.
        *rls.enable_rls("platform.spaces"),
        f'GRANT SELECT, INSERT, UPDATE ON platform.spaces TO "{app}"',
        f'CREATE POLICY member_read ON platform.spaces FOR SELECT TO "{app}" USING ('
        f"{rls.MEMBER_OF_SPACE.format(column='id')} OR id = platform.invited_space_id())",
        f'CREATE POLICY creator_insert ON platform.spaces FOR INSERT TO "{app}" '
        f"WITH CHECK (created_by = platform.current_user_id())",
        f'CREATE POLICY member_update ON platform.spaces FOR UPDATE TO "{app}" USING ('
        f"{rls.MEMBER_OF_SPACE.format(column='id')})",
        # Memberships: besides members, the creator of a new space (as its owner) and the
        # holder of a pending invitation (as themselves, in the role offered) may add a row.
        f"CREATE POLICY join_by_creation_or_invitation ON platform.space_members FOR INSERT "
        f'TO "{app}" WITH CHECK (user_id = platform.current_user_id() AND ('
        f"(role = 'owner' AND platform.space_awaits_owner(space_id)) OR "
        f"(space_id = platform.invited_space_id() AND role = platform.invited_role())))",
        # Invitations: members manage their space's; the token holder may read theirs and
        # answer it. Only the answer columns are writable, so nobody can retarget an
        # invitation to another space or role.
        *rls.enable_rls("platform.space_invitations"),
        f'GRANT SELECT, INSERT, DELETE ON platform.space_invitations TO "{app}"',
        f"GRANT UPDATE (status, responded_at, responded_by) ON platform.space_invitations "
        f'TO "{app}"',
        rls.member_policy("platform.space_invitations", app),
        f'CREATE POLICY invitee_read ON platform.space_invitations FOR SELECT TO "{app}" '
        f"USING ({rls.PRESENTED_INVITATION})",
        f'CREATE POLICY invitee_answer ON platform.space_invitations FOR UPDATE TO "{app}" '
        f"USING ({rls.PRESENTED_INVITATION} AND status = 'pending') "
        f"WITH CHECK ({rls.PRESENTED_INVITATION} AND status IN ('accepted', 'declined') "
        f"AND responded_by = platform.current_user_id())",
        # Audit log: append-only for the application role.
        *rls.enable_rls("platform.audit_log"),
        f'GRANT SELECT, INSERT ON platform.audit_log TO "{app}"',
        f'CREATE POLICY member_read ON platform.audit_log FOR SELECT TO "{app}" USING ('
        f"{rls.MEMBER_OF_SPACE.format(column='space_id')} "
        f"OR (space_id IS NULL AND actor_id = platform.current_user_id()))",
        f'CREATE POLICY append ON platform.audit_log FOR INSERT TO "{app}" WITH CHECK ('
        f"space_id IS NULL OR {rls.MEMBER_OF_SPACE.format(column='space_id')} "
        f"OR space_id = platform.invited_space_id())",
    ):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index(
        "uq_space_members_one_owner",
        table_name="space_members",
        schema="platform",
        postgresql_where=sa.text("role = 'owner'"),
    )
    op.drop_index(
        op.f("ix_platform_space_members_user_id"), table_name="space_members", schema="platform"
    )
    op.drop_table("space_members", schema="platform")
    op.drop_index(
        "uq_space_invitations_pending_email",
        table_name="space_invitations",
        schema="platform",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index(
        op.f("ix_platform_space_invitations_space_id"),
        table_name="space_invitations",
        schema="platform",
    )
    op.drop_table("space_invitations", schema="platform")
    op.drop_index(
        op.f("ix_platform_user_tokens_user_id"), table_name="user_tokens", schema="platform"
    )
    op.drop_table("user_tokens", schema="platform")
    op.drop_table("spaces", schema="platform")
    op.drop_index(
        op.f("ix_platform_refresh_tokens_user_id"), table_name="refresh_tokens", schema="platform"
    )
    op.drop_index(
        op.f("ix_platform_refresh_tokens_family_id"), table_name="refresh_tokens", schema="platform"
    )
    op.drop_table("refresh_tokens", schema="platform")
    op.drop_table("users", schema="platform")
    op.drop_index("ix_audit_log_space_occurred", table_name="audit_log", schema="platform")
    op.drop_index("ix_audit_log_actor_occurred", table_name="audit_log", schema="platform")
    op.drop_table("audit_log", schema="platform")
    op.execute("DROP SCHEMA platform CASCADE")
