"""plans: tier limits and subscriptions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commonhold.platform.db import rls
from commonhold.settings import get_settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIER_CHECK = "tier IN ('free', 'basic', 'premium')"
# Tiers that still grant their limits; a canceled subscription falls back to free.
GRANTING = "('active', 'trialing', 'past_due')"

FUNCTIONS_SQL = f"""
CREATE FUNCTION platform.current_user_tier() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT coalesce((
    SELECT s.tier FROM platform.subscriptions s
    WHERE s.user_id = platform.current_user_id() AND s.status IN {GRANTING}
  ), 'free')
$$;

-- A space spends its owner's plan. Answers only for members of the space.
CREATE FUNCTION platform.space_tier(target uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT coalesce((
    SELECT s.tier FROM platform.space_members owner
    JOIN platform.subscriptions s ON s.user_id = owner.user_id
    WHERE owner.space_id = target AND owner.role = 'owner' AND s.status IN {GRANTING}
      AND target IN (SELECT platform.member_space_ids())
  ), 'free')
$$;
"""


def upgrade() -> None:
    app = get_settings().app_db_role
    op.create_table(
        "tier_limits",
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("limit_key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.CheckConstraint(TIER_CHECK, name=op.f("ck_tier_limits_tier")),
        sa.CheckConstraint("value >= -1", name=op.f("ck_tier_limits_value")),
        sa.PrimaryKeyConstraint("tier", "limit_key", name=op.f("pk_tier_limits")),
        schema="platform",
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.String(length=32), server_default="free", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(TIER_CHECK, name=op.f("ck_subscriptions_tier")),
        sa.CheckConstraint(
            "status IN ('active', 'past_due', 'canceled', 'trialing')",
            name=op.f("ck_subscriptions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("user_id", name=op.f("uq_subscriptions_user_id")),
        schema="platform",
    )
    op.execute(FUNCTIONS_SQL)
    for statement in (
        f'GRANT SELECT ON platform.tier_limits TO "{app}"',
        f'GRANT EXECUTE ON FUNCTION platform.current_user_tier() TO "{app}"',
        f'GRANT EXECUTE ON FUNCTION platform.space_tier(uuid) TO "{app}"',
        # People read their own subscription; only operators and billing change it.
        *rls.enable_rls("platform.subscriptions"),
        f'GRANT SELECT ON platform.subscriptions TO "{app}"',
        f'CREATE POLICY self_read ON platform.subscriptions FOR SELECT TO "{app}" '
        f"USING (user_id = platform.current_user_id())",
    ):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION platform.space_tier(uuid)")
    op.execute("DROP FUNCTION platform.current_user_tier()")
    op.drop_table("subscriptions", schema="platform")
    op.drop_table("tier_limits", schema="platform")
