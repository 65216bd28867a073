"""job queue (procrastinate)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:05:00

The schema is the one shipped with the pinned procrastinate release. Upgrading procrastinate
past that release means adding a migration with its upgrade SQL
(procrastinate/sql/migrations/), in order.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from procrastinate.schema import SchemaManager

from commonhold.settings import get_settings

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "procrastinate_jobs",
    "procrastinate_periodic_defers",
    "procrastinate_events",
    "procrastinate_workers",
)


def upgrade() -> None:
    app = get_settings().app_db_role
    op.execute(SchemaManager.get_schema())
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join(TABLES)} TO "{app}"')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app}"')


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS " + ", ".join(TABLES) + " CASCADE")
    op.execute(
        "DO $$ DECLARE f record; BEGIN FOR f IN SELECT oid::regprocedure AS sig FROM pg_proc "
        "WHERE proname LIKE 'procrastinate%' AND pronamespace = 'public'::regnamespace LOOP "
        "EXECUTE 'DROP FUNCTION ' || f.sig || ' CASCADE'; END LOOP; END $$"
    )
    op.execute(
        "DO $$ DECLARE t record; BEGIN FOR t IN SELECT typname FROM pg_type "
        "WHERE typname LIKE 'procrastinate%' AND typnamespace = 'public'::regnamespace "
        "AND typtype IN ('e', 'c') AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = typrelid "
        "AND c.relkind <> 'c') LOOP "
        "EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(t.typname) || ' CASCADE'; "
        "END LOOP; END $$"
    )
