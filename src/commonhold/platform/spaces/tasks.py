"""Spaces housekeeping: invitations that can no longer be answered."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.jobs import JobContext, job_app, system_database_of
from commonhold.platform.spaces import repository as repo


@job_app.periodic(cron="27 3 * * *", periodic_id="spaces.purge_ended_invitations")
@job_app.task(
    name="spaces.purge_ended_invitations", pass_context=True, queueing_lock="spaces.purge"
)
async def purge_ended_invitations_daily(context: JobContext, timestamp: int) -> int:
    """Every night, across every space."""
    async with system_database_of(context).sessionmaker() as session, session.begin():
        return await purge_ended_invitations(session)


async def purge_ended_invitations(session: AsyncSession) -> int:
    """Delete invitations that were accepted, declined or revoked, or expired unanswered:
    each holds an address and nothing anyone can still use (the audit log keeps who invited
    whom). Returns how many went."""
    return await repo.delete_ended_invitations(session)
