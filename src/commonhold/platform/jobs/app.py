"""The one procrastinate app. Tasks are named ``module.verb``; payloads carry ids only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import procrastinate
from procrastinate import JobContext

from commonhold.platform.db.session import Database

# Connection details are given when a worker or the API opens the app.
job_app = procrastinate.App(connector=procrastinate.PsycopgConnector())


@asynccontextmanager
async def open_jobs(conninfo: str, max_connections: int = 4) -> AsyncIterator[procrastinate.App]:
    """``job_app`` connected to ``conninfo`` (a libpq URL) for the duration of the block."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo, min_size=1, max_size=max_connections
    )
    with job_app.replace_connector(connector) as app:
        async with app.open_async():
            yield app


def database_of(context: JobContext) -> Database:
    """The worker's database handle, passed to every task through its context."""
    database = context.additional_context["db"]
    assert isinstance(database, Database)
    return database


def system_database_of(context: JobContext) -> Database:
    """The owner role's handle, which row-level security lets see every space: only for
    system jobs that must work across all of them, never for work on behalf of a person."""
    database = context.additional_context["system_db"]
    assert isinstance(database, Database)
    return database


__all__ = ["JobContext", "database_of", "job_app", "open_jobs", "system_database_of"]
