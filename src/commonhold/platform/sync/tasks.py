"""Keeping the change log to its retention."""

from __future__ import annotations

from datetime import timedelta

from commonhold.platform.db.base import utcnow
from commonhold.platform.jobs import JobContext, job_app, settings_of, system_database_of
from commonhold.platform.sync import repository as repo


@job_app.periodic(cron="23 4 * * *", periodic_id="sync.trim_changes")
@job_app.task(name="sync.trim_changes", pass_context=True, queueing_lock="sync.trim")
async def trim_changes(context: JobContext, timestamp: int) -> int:
    """Daily: delete changes older than the retention; returns how many went."""
    older_than = utcnow() - timedelta(days=settings_of(context).sync_retention_days)
    async with system_database_of(context).sessionmaker() as session, session.begin():
        return await repo.trim(session, older_than)
