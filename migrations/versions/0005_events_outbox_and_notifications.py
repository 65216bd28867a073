"""events outbox and notifications

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:17:26.384155
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from commonhold.platform.db import rls
from commonhold.platform.notify.webpush import generate_vapid_keys
from commonhold.settings import get_settings

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_receipts",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column(
            "handled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("event_id", "subscriber", name=op.f("pk_event_receipts")),
        schema="platform",
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        schema="platform",
    )
    op.create_index(
        "ix_outbox_events_unrelayed",
        "outbox_events",
        ["occurred_at"],
        unique=False,
        schema="platform",
        postgresql_where=sa.text("relayed_at IS NULL"),
    )
    op.create_index(
        op.f("ix_platform_outbox_events_space_id"),
        "outbox_events",
        ["space_id"],
        unique=False,
        schema="platform",
    )
    op.create_table(
        "outgoing_emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("provider_response", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'failed')", name=op.f("ck_outgoing_emails_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_emails")),
        schema="platform",
    )
    op.create_table(
        "vapid_keys",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_vapid_keys_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vapid_keys")),
        schema="platform",
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "channel IN ('in_app', 'email', 'push')",
            name=op.f("ck_notification_preferences_channel"),
        ),
        sa.CheckConstraint(
            "mode <> 'digest' OR channel = 'email'",
            name=op.f("ck_notification_preferences_digest_by_email"),
        ),
        sa.CheckConstraint(
            "mode IN ('immediate', 'digest', 'off')", name=op.f("ck_notification_preferences_mode")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "type", "channel", name=op.f("pk_notification_preferences")
        ),
        schema="platform",
    )
    op.create_table(
        "notification_schedules",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("digest_time", sa.Time(), server_default=sa.text("'08:00'"), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL)",
            name=op.f("ck_notification_schedules_quiet_hours_both_or_none"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_notification_schedules_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_schedules")),
        schema="platform",
    )
    op.create_table(
        "notification_templates",
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["platform.users.id"],
            name=op.f("fk_notification_templates_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("type", name=op.f("pk_notification_templates")),
        schema="platform",
    )
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(length=2000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_push_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
        schema="platform",
    )
    op.create_index(
        "ix_push_subscriptions_active",
        "push_subscriptions",
        ["user_id"],
        unique=False,
        schema="platform",
        postgresql_where=sa.text("deactivated_at IS NULL"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_notifications_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "type", "dedupe_key", name="uq_notifications_dedupe"),
        schema="platform",
    )
    op.create_index(
        "ix_notifications_inbox",
        "notifications",
        ["user_id", "created_at"],
        unique=False,
        schema="platform",
        postgresql_where=sa.text("in_app"),
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id"],
        unique=False,
        schema="platform",
        postgresql_where=sa.text("in_app AND read_at IS NULL"),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("provider_response", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
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
            "channel IN ('email', 'push')", name=op.f("ck_notification_deliveries_channel")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'digest', 'sent', 'failed', 'skipped')",
            name=op.f("ck_notification_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["platform.notifications.id"],
            name=op.f("fk_notification_deliveries_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_notification_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint(
            "notification_id", "channel", name="uq_deliveries_notification_channel"
        ),
        schema="platform",
    )
    op.create_index(
        "ix_deliveries_digest",
        "notification_deliveries",
        ["user_id"],
        unique=False,
        schema="platform",
        postgresql_where=sa.text("status = 'digest'"),
    )
    op.create_index(
        "ix_deliveries_user_created",
        "notification_deliveries",
        ["user_id", "created_at"],
        unique=False,
        schema="platform",
    )
    op.add_column(
        "users",
        sa.Column("is_operator", sa.Boolean(), server_default="false", nullable=False),
        schema="platform",
    )
    protect_tables(get_settings().app_db_role)
    keys = generate_vapid_keys()
    op.execute(
        sa.text(
            "INSERT INTO platform.vapid_keys (id, private_key_pem, public_key) "
            "VALUES (1, :private_key_pem, :public_key)"
        ).bindparams(private_key_pem=keys.private_key_pem, public_key=keys.public_key)
    )


OWN_ROWS = "user_id = platform.current_user_id()"
OPERATOR_SQL = """
CREATE FUNCTION platform.current_user_is_operator() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT coalesce(
    (SELECT u.is_operator FROM platform.users u WHERE u.id = platform.current_user_id()), false
  )
$$;
"""


def protect_tables(app: str) -> None:
    """A person's notifications, preferences and subscriptions are theirs alone; operators
    also read delivery logs and edit templates. Receipts and the private VAPID key stay with
    the owner role, which the worker's system jobs use."""
    op.execute(OPERATOR_SQL)
    own = ("notification_preferences", "notification_schedules", "push_subscriptions")
    for statement in (
        f'GRANT EXECUTE ON FUNCTION platform.current_user_is_operator() TO "{app}"',
        # The outbox: anyone may append an event of a space they belong to.
        *rls.enable_rls("platform.outbox_events"),
        f'GRANT INSERT ON platform.outbox_events TO "{app}"',
        f'CREATE POLICY append ON platform.outbox_events FOR INSERT TO "{app}" WITH CHECK ('
        f"space_id IS NULL OR {rls.MEMBER_OF_SPACE.format(column='space_id')})",
        *rls.enable_rls("platform.notifications"),
        f'GRANT SELECT, UPDATE (read_at) ON platform.notifications TO "{app}"',
        f'CREATE POLICY own_rows ON platform.notifications TO "{app}" '
        f"USING ({OWN_ROWS}) WITH CHECK ({OWN_ROWS})",
        *rls.enable_rls("platform.notification_deliveries"),
        f'GRANT SELECT ON platform.notification_deliveries TO "{app}"',
        f'CREATE POLICY own_or_operator ON platform.notification_deliveries FOR SELECT TO "{app}" '
        f"USING ({OWN_ROWS} OR platform.current_user_is_operator())",
        *rls.enable_rls("platform.notification_templates"),
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON platform.notification_templates TO "{app}"',
        f'CREATE POLICY anyone_reads ON platform.notification_templates FOR SELECT TO "{app}" '
        f"USING (true)",
        f'CREATE POLICY operator_writes ON platform.notification_templates TO "{app}" '
        f"USING (platform.current_user_is_operator()) "
        f"WITH CHECK (platform.current_user_is_operator())",
        f'GRANT SELECT (public_key) ON platform.vapid_keys TO "{app}"',
        # Mail is queued by requests and read only by the worker's system jobs.
        *rls.enable_rls("platform.outgoing_emails"),
        f'GRANT INSERT ON platform.outgoing_emails TO "{app}"',
        f'CREATE POLICY queue ON platform.outgoing_emails FOR INSERT TO "{app}" WITH CHECK (true)',
    ):
        op.execute(statement)
    for table in own:
        for statement in (
            *rls.enable_rls(f"platform.{table}"),
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON platform.{table} TO "{app}"',
            f'CREATE POLICY own_rows ON platform.{table} TO "{app}" '
            f"USING ({OWN_ROWS}) WITH CHECK ({OWN_ROWS})",
        ):
            op.execute(statement)


def downgrade() -> None:
    op.drop_column("users", "is_operator", schema="platform")
    op.drop_index(
        "ix_deliveries_user_created", table_name="notification_deliveries", schema="platform"
    )
    op.drop_index(
        "ix_deliveries_digest",
        table_name="notification_deliveries",
        schema="platform",
        postgresql_where=sa.text("status = 'digest'"),
    )
    op.drop_table("notification_deliveries", schema="platform")
    op.drop_index(
        "ix_notifications_unread",
        table_name="notifications",
        schema="platform",
        postgresql_where=sa.text("in_app AND read_at IS NULL"),
    )
    op.drop_index(
        "ix_notifications_inbox",
        table_name="notifications",
        schema="platform",
        postgresql_where=sa.text("in_app"),
    )
    op.drop_table("notifications", schema="platform")
    op.drop_index(
        "ix_push_subscriptions_active",
        table_name="push_subscriptions",
        schema="platform",
        postgresql_where=sa.text("deactivated_at IS NULL"),
    )
    op.drop_table("push_subscriptions", schema="platform")
    op.drop_table("notification_templates", schema="platform")
    op.drop_table("notification_schedules", schema="platform")
    op.drop_table("notification_preferences", schema="platform")
    op.drop_table("vapid_keys", schema="platform")
    op.drop_table("outgoing_emails", schema="platform")
    op.drop_index(
        op.f("ix_platform_outbox_events_space_id"), table_name="outbox_events", schema="platform"
    )
    op.drop_index(
        "ix_outbox_events_unrelayed",
        table_name="outbox_events",
        schema="platform",
        postgresql_where=sa.text("relayed_at IS NULL"),
    )
    op.drop_table("outbox_events", schema="platform")
    op.drop_table("event_receipts", schema="platform")
    op.execute("DROP FUNCTION platform.current_user_is_operator()")
