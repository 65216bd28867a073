"""The one procrastinate app. Tasks are named ``module.verb``; payloads carry ids only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import procrastinate
from procrastinate import JobContext
from procrastinate.tasks import Task
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.session import Database
from commonhold.settings import Settings

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


async def defer_in_transaction(
    session: AsyncSession,
    task: Task[Any, Any, Any],
    *,
    schedule_at: datetime | None = None,
    **arguments: Any,
) -> int:
    """Defer ``task`` on the session's own connection, inside its transaction: the job exists
    if and only if the change it follows commits. Returns the job id."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    deferrer = task.configure(connection=raw.driver_connection, schedule_at=schedule_at)
    job_id: int = await deferrer.defer_async(**arguments)
    return job_id


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


def settings_of(context: JobContext) -> Settings:
    settings = context.additional_context["settings"]
    assert isinstance(settings, Settings)
    return settings
