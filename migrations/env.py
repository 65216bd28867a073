"""Alembic environment: migrations run as the owner role, synchronously, in one transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from commonhold.models import metadata
from commonhold.platform.db.server import resolve_database_urls
from commonhold.settings import get_settings

config = context.config


def run_migrations_online() -> None:
    url = config.attributes.get("owner_url") or resolve_database_urls(get_settings()).owner
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_schemas=True,
            version_table_schema="public",
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
