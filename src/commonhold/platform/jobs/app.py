"""The one procrastinate app. Tasks are named ``module.verb``; payloads carry ids only."""

from __future__ import annotations

import procrastinate
from procrastinate import JobContext

from commonhold.platform.db.session import Database

# Connection details are given when a worker or the API opens the app.
job_app = procrastinate.App(connector=procrastinate.PsycopgConnector())


def database_of(context: JobContext) -> Database:
    """The worker's database handle, passed to every task through its context."""
    database = context.additional_context["db"]
    assert isinstance(database, Database)
    return database


__all__ = ["JobContext", "database_of", "job_app"]
