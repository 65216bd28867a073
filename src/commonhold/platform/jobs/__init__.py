"""Background jobs on procrastinate (PostgreSQL-backed). Modules declare tasks on ``job_app``."""

from commonhold.platform.jobs.app import (
    JobContext,
    database_of,
    job_app,
    open_jobs,
    system_database_of,
)

__all__ = ["JobContext", "database_of", "job_app", "open_jobs", "system_database_of"]
