"""Billing's migration goes down and up again on a database of its own, keeping what people
paid for themselves."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from commonhold.platform.db.server import DatabaseUrls, create_database_copy

ROOT = Path(__file__).resolve().parents[3]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_0008_downgrades_and_upgrades_again(database_urls: DatabaseUrls) -> None:
    run = os.environ.get("COMMONHOLD_TEST_DATABASE", "commonhold_test")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    urls = create_database_copy(database_urls, f"{run}_{worker}_billing_migration")
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["owner_url"] = urls.owner
    command.upgrade(config, "0008")
    with psycopg.connect(_libpq(urls.owner), autocommit=True) as conn:
        person = conn.execute(
            "INSERT INTO platform.users (id, email, display_name, password_hash) "
            "VALUES (gen_random_uuid(), 'p@example.com', 'P', 'x') RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        space = conn.execute(
            "INSERT INTO platform.spaces (id, kind, name, created_by) "
            "VALUES (gen_random_uuid(), 'team', 'T', %s) RETURNING id",
            (person,),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO platform.subscriptions (id, user_id, space_id, tier, status) VALUES "
            "(gen_random_uuid(), %s, NULL, 'basic', 'active'), "
            "(gen_random_uuid(), NULL, %s, 'premium', 'active')",
            (person, space),
        )

    command.downgrade(config, "0007")
    with psycopg.connect(_libpq(urls.owner), autocommit=True) as conn:
        kept = conn.execute("SELECT user_id, tier FROM platform.subscriptions").fetchall()
        assert kept == [(person, "basic")]
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'platform' "
            "AND tablename IN ('stripe_events', 'billing_customers', 'usage_counters')"
        ).fetchall()
        assert tables == []

    command.upgrade(config, "0008")
    with psycopg.connect(_libpq(urls.owner), autocommit=True) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'platform' AND table_name = 'subscriptions' "
            "AND column_name LIKE 'stripe%%' ORDER BY 1"
        ).fetchall()
        assert columns == [
            ("stripe_customer_id",),
            ("stripe_event_at",),
            ("stripe_price_id",),
            ("stripe_subscription_id",),
        ]
