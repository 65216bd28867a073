"""Homes background jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from commonhold.apps.homes.maintenance.generation import generate_instances
from commonhold.apps.homes.maintenance.reminders import send_due_reminders
from commonhold.platform.jobs import JobContext, job_app, system_database_of


@job_app.periodic(cron="7 0 * * *", periodic_id="homes.generate_instances")
@job_app.task(name="homes.generate_instances", pass_context=True, queueing_lock="homes.generate")
async def generate_occurrences(context: JobContext, timestamp: int) -> int:
    """Daily: store every active task's occurrences for the next 30 days from the scheduled
    day; returns how many were created. Running it twice the same day creates nothing."""
    today = datetime.fromtimestamp(timestamp, UTC).date()
    async with system_database_of(context).sessionmaker() as session, session.begin():
        return await generate_instances(session, today)


@job_app.periodic(cron="5 * * * *", periodic_id="homes.send_reminders")
@job_app.task(name="homes.send_reminders", pass_context=True, queueing_lock="homes.reminders")
async def send_reminders(context: JobContext, timestamp: int) -> int:
    """Hourly: "due soon" and "due today" reminders to whoever's morning has come; returns
    how many notifications were created."""
    async with system_database_of(context).sessionmaker() as session, session.begin():
        return await send_due_reminders(session)
