"""Homes background jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from commonhold.apps.homes.maintenance.generation import generate_instances
from commonhold.platform.jobs import JobContext, job_app, system_database_of


@job_app.periodic(cron="7 0 * * *", periodic_id="homes.generate_instances")
@job_app.task(name="homes.generate_instances", pass_context=True, queueing_lock="homes.generate")
async def generate_occurrences(context: JobContext, timestamp: int) -> int:
    """Daily: store every active task's occurrences for the next 30 days from the scheduled
    day; returns how many were created. Running it twice the same day creates nothing."""
    today = datetime.fromtimestamp(timestamp, UTC).date()
    async with system_database_of(context).sessionmaker() as session, session.begin():
        return await generate_instances(session, today)
