"""Background jobs on procrastinate (PostgreSQL-backed). Modules declare tasks on ``job_app``."""

from commonhold.platform.jobs.app import JobContext, database_of, job_app

__all__ = ["JobContext", "database_of", "job_app"]
