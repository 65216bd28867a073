"""Background jobs on procrastinate (PostgreSQL-backed). Modules declare tasks on ``job_app``."""

from procrastinate import JobContext

from commonhold.platform.jobs.app import (
    database_of,
    defer_in_transaction,
    job_app,
    open_jobs,
    settings_of,
    system_database_of,
)

__all__ = [
    "JobContext",
    "database_of",
    "defer_in_transaction",
    "job_app",
    "open_jobs",
    "settings_of",
    "system_database_of",
]
