"""billing: subscriptions of spaces, Stripe ids, handled Stripe events, Stripe customers,
usage counters per period

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commonhold.platform.db import rls
from commonhold.settings import get_settings

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTING = "('active', 'trialing', 'past_due')"
PLAN_COLUMNS = (
    "tier text, status text, source text, current_period_end timestamptz, "
    "cancel_at_period_end boolean"
)

FUNCTIONS_SQL = f"""
-- The subscription paying for a space: its own while it grants a tier, else its owner's.
-- Answers only for members of the space.
CREATE FUNCTION platform.space_plan(target uuid) RETURNS TABLE ({PLAN_COLUMNS})
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT p.tier, p.status, p.source, p.current_period_end, p.cancel_at_period_end FROM (
    SELECT s.tier, s.status, 'space'::text AS source, s.current_period_end,
           s.cancel_at_period_end, 1 AS rank
    FROM platform.subscriptions s
    WHERE s.space_id = target AND s.status IN {GRANTING}
    UNION ALL
    SELECT s.tier, s.status, 'owner'::text, s.current_period_end, s.cancel_at_period_end, 2
    FROM platform.space_members owner
    JOIN platform.subscriptions s ON s.user_id = owner.user_id
    WHERE owner.space_id = target AND owner.role = 'owner' AND s.status IN {GRANTING}
  ) p
  WHERE target IN (SELECT platform.member_space_ids())
  ORDER BY p.rank
  LIMIT 1
$$;

CREATE FUNCTION platform.current_user_plan() RETURNS TABLE ({PLAN_COLUMNS})
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT s.tier, s.status, 'user'::text, s.current_period_end, s.cancel_at_period_end
  FROM platform.subscriptions s
  WHERE s.user_id = platform.current_user_id() AND s.status IN {GRANTING}
$$;

CREATE OR REPLACE FUNCTION platform.space_tier(target uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$ SELECT coalesce((SELECT p.tier FROM platform.space_plan(target) p), 'free') $$;

-- True while the transaction, acting for nobody, applies a Stripe event it has just recorded:
-- the only time the application role may change subscriptions.
CREATE FUNCTION platform.applying_stripe_event() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT platform.current_user_id() IS NULL AND EXISTS (
    SELECT 1 FROM platform.stripe_events e
    WHERE e.id = nullif(current_setting('app.stripe_event_id', true), '')
      AND e.received_at = now()
  )
$$;
"""

# 0003's definition, for the downgrade.
OWNER_ONLY_SPACE_TIER_SQL = f"""
CREATE OR REPLACE FUNCTION platform.space_tier(target uuid) RETURNS text
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

HOLDER = "space_id IN (SELECT platform.member_space_ids()) OR user_id = platform.current_user_id()"


def upgrade() -> None:
    app = get_settings().app_db_role
    _subscriptions_of_spaces()
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
        schema="platform",
    )
    op.create_table(
        "billing_customers",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_billing_customers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_billing_customers")),
        sa.UniqueConstraint(
            "stripe_customer_id", name=op.f("uq_billing_customers_stripe_customer_id")
        ),
        schema="platform",
    )
    op.create_table(
        "usage_counters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("limit_key", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "num_nonnulls(user_id, space_id) = 1", name=op.f("ck_usage_counters_one_holder")
        ),
        sa.CheckConstraint("used >= 0", name=op.f("ck_usage_counters_used")),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_usage_counters_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_usage_counters_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_counters")),
        sa.UniqueConstraint(
            "space_id", "limit_key", "period_start", name=op.f("uq_usage_counters_space_id")
        ),
        sa.UniqueConstraint(
            "user_id", "limit_key", "period_start", name=op.f("uq_usage_counters_user_id")
        ),
        schema="platform",
    )
    op.execute(FUNCTIONS_SQL)
    for statement in (
        f'GRANT EXECUTE ON FUNCTION platform.space_plan(uuid) TO "{app}"',
        f'GRANT EXECUTE ON FUNCTION platform.current_user_plan() TO "{app}"',
        f'GRANT EXECUTE ON FUNCTION platform.applying_stripe_event() TO "{app}"',
        # Subscriptions: their person, and the members of their space, read them; only a
        # Stripe event being applied (or the owner role: operators, `set-plan`) changes them.
        "DROP POLICY self_read ON platform.subscriptions",
        f'CREATE POLICY holder_read ON platform.subscriptions FOR SELECT TO "{app}" '
        f"USING ({HOLDER})",
        f'GRANT INSERT, UPDATE ON platform.subscriptions TO "{app}"',
        f'CREATE POLICY stripe_sync ON platform.subscriptions TO "{app}" '
        "USING (platform.applying_stripe_event()) WITH CHECK (platform.applying_stripe_event())",
        # Handled events: written and looked up only by webhook deliveries, which act for
        # nobody; no person's request sees them.
        *rls.enable_rls("platform.stripe_events"),
        f'GRANT SELECT, INSERT ON platform.stripe_events TO "{app}"',
        f'CREATE POLICY webhook ON platform.stripe_events TO "{app}" '
        "USING (platform.current_user_id() IS NULL) "
        "WITH CHECK (platform.current_user_id() IS NULL)",
        # A person's Stripe customer: recorded at their first checkout, read by their portal
        # and by the events that name it.
        *rls.enable_rls("platform.billing_customers"),
        f'GRANT SELECT, INSERT ON platform.billing_customers TO "{app}"',
        f'CREATE POLICY own_rows ON platform.billing_customers TO "{app}" '
        "USING (user_id = platform.current_user_id()) "
        "WITH CHECK (user_id = platform.current_user_id())",
        f'CREATE POLICY stripe_sync ON platform.billing_customers FOR SELECT TO "{app}" '
        "USING (platform.applying_stripe_event())",
        # Usage counters: counted by the requests of the space's members or of the person.
        *rls.enable_rls("platform.usage_counters"),
        f'GRANT SELECT, INSERT, UPDATE ON platform.usage_counters TO "{app}"',
        f'CREATE POLICY holder_access ON platform.usage_counters TO "{app}" '
        f"USING ({HOLDER}) WITH CHECK ({HOLDER})",
    ):
        op.execute(statement)


def _subscriptions_of_spaces() -> None:
    """A subscription belongs to a user or to a space, one of them; Stripe's ids come along."""
    op.alter_column("subscriptions", "user_id", nullable=True, schema="platform")
    op.add_column("subscriptions", sa.Column("space_id", sa.Uuid()), schema="platform")
    op.add_column(
        "subscriptions",
        sa.Column("cancel_at_period_end", sa.Boolean(), server_default="false", nullable=False),
        schema="platform",
    )
    for column in ("stripe_customer_id", "stripe_subscription_id", "stripe_price_id"):
        op.add_column("subscriptions", sa.Column(column, sa.String(length=255)), schema="platform")
    op.add_column(
        "subscriptions",
        sa.Column("stripe_event_at", sa.DateTime(timezone=True)),
        schema="platform",
    )
    op.create_foreign_key(
        op.f("fk_subscriptions_space_id_spaces"),
        "subscriptions",
        "spaces",
        ["space_id"],
        ["id"],
        source_schema="platform",
        referent_schema="platform",
        ondelete="CASCADE",
    )
    op.create_unique_constraint(
        op.f("uq_subscriptions_space_id"), "subscriptions", ["space_id"], schema="platform"
    )
    op.create_unique_constraint(
        op.f("uq_subscriptions_stripe_subscription_id"),
        "subscriptions",
        ["stripe_subscription_id"],
        schema="platform",
    )
    op.create_check_constraint(
        op.f("ck_subscriptions_one_holder"),
        "subscriptions",
        "num_nonnulls(user_id, space_id) = 1",
        schema="platform",
    )


def downgrade() -> None:
    app = get_settings().app_db_role
    for statement in (
        OWNER_ONLY_SPACE_TIER_SQL,
        "DROP POLICY stripe_sync ON platform.subscriptions",
        "DROP POLICY holder_read ON platform.subscriptions",
        f'REVOKE INSERT, UPDATE ON platform.subscriptions FROM "{app}"',
        f'CREATE POLICY self_read ON platform.subscriptions FOR SELECT TO "{app}" '
        "USING (user_id = platform.current_user_id())",
    ):
        op.execute(statement)
    op.drop_table("usage_counters", schema="platform")
    op.drop_table("billing_customers", schema="platform")
    op.execute("DROP FUNCTION platform.applying_stripe_event()")
    op.execute("DROP FUNCTION platform.current_user_plan()")
    op.execute("DROP FUNCTION platform.space_plan(uuid)")
    op.drop_table("stripe_events", schema="platform")
    # Before 0008 only people held subscriptions: those of spaces cannot be kept.
    op.execute("DELETE FROM platform.subscriptions WHERE user_id IS NULL")
    op.drop_constraint(op.f("ck_subscriptions_one_holder"), "subscriptions", schema="platform")
    op.drop_constraint(
        op.f("uq_subscriptions_stripe_subscription_id"), "subscriptions", schema="platform"
    )
    op.drop_constraint(op.f("uq_subscriptions_space_id"), "subscriptions", schema="platform")
    op.drop_constraint(op.f("fk_subscriptions_space_id_spaces"), "subscriptions", schema="platform")
    for column in (
        "stripe_event_at",
        "stripe_price_id",
        "stripe_subscription_id",
        "stripe_customer_id",
        "cancel_at_period_end",
        "space_id",
    ):
        op.drop_column("subscriptions", column, schema="platform")
    op.alter_column("subscriptions", "user_id", nullable=False, schema="platform")
