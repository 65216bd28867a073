"""Failed jobs (the dead letters): list them, look at one, retry it or discard it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import procrastinate

FAILED = "failed"


@dataclass(frozen=True)
class FailedJob:
    id: int
    task_name: str
    arguments: dict[str, Any]
    attempts: int
    queue: str
    # What happened to the job, oldest first: (event type, when).
    events: list[tuple[str, datetime]]


async def failed_jobs(app: procrastinate.App, task: str | None = None) -> list[FailedJob]:
    jobs = await app.job_manager.list_jobs_async(status=FAILED, task=task)
    return [await _failed_job(app, job) for job in jobs]


async def failed_job(app: procrastinate.App, job_id: int) -> FailedJob | None:
    jobs = list(await app.job_manager.list_jobs_async(id=job_id, status=FAILED))
    return await _failed_job(app, jobs[0]) if jobs else None


async def retry(app: procrastinate.App, job_id: int) -> bool:
    """Queue a failed job to run again now; False if there is no such failed job."""
    if await failed_job(app, job_id) is None:
        return False
    await app.job_manager.retry_job_by_id_async(job_id, retry_at=datetime.now(UTC))
    return True


async def discard(app: procrastinate.App, job_id: int) -> bool:
    """Delete a failed job for good; False if there is no such failed job."""
    deleted = await app.connector.execute_query_one_async(
        "WITH gone AS (DELETE FROM procrastinate_jobs WHERE id = %(id)s AND status = 'failed' "
        "RETURNING id) SELECT count(*) AS count FROM gone",
        id=job_id,
    )
    return bool(deleted["count"])


async def _failed_job(app: procrastinate.App, job: procrastinate.jobs.Job) -> FailedJob:
    assert job.id is not None
    events = await app.connector.execute_query_all_async(
        "SELECT type::text AS type, at FROM procrastinate_events WHERE job_id = %(id)s "
        "ORDER BY at, id",
        id=job.id,
    )
    return FailedJob(
        id=job.id,
        task_name=job.task_name,
        arguments=dict(job.task_kwargs),
        attempts=job.attempts,
        queue=job.queue,
        events=[(row["type"], row["at"]) for row in events],
    )
