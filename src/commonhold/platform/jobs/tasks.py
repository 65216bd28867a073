"""The job platform's own housekeeping."""

from __future__ import annotations

from commonhold.platform.jobs import JobContext, job_app
from commonhold.platform.jobs.reliability import recover_stalled_jobs


@job_app.periodic(cron="* * * * *", periodic_id="jobs.recover_stalled")
@job_app.task(name="jobs.recover_stalled", pass_context=True, queueing_lock="jobs.recover")
async def recover_stalled(context: JobContext, timestamp: int) -> int:
    """Every minute: requeue the jobs of workers that died mid-run."""
    return len(await recover_stalled_jobs(context.app))
