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


async def failed_jobs(
    app: procrastinate.App,
    task: str | None = None,
    before: int | None = None,
    limit: int | None = None,
) -> list[FailedJob]:
    """Failed jobs, newest first: of ``task`` only, with ids below ``before``, at most
    ``limit`` (all without)."""
    return await _failed(app, task=task, before=before, limit=limit)


async def failed_job(app: procrastinate.App, job_id: int) -> FailedJob | None:
    found = await _failed(app, job_id=job_id)
    return found[0] if found else None


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


async def _failed(
    app: procrastinate.App,
    *,
    job_id: int | None = None,
    task: str | None = None,
    before: int | None = None,
    limit: int | None = None,
) -> list[FailedJob]:
    """Two queries whatever the number: the jobs, then their events."""
    jobs = await app.connector.execute_query_all_async(
        "SELECT id, task_name, args, attempts, queue_name FROM procrastinate_jobs "
        "WHERE status = 'failed' "
        "AND (%(id)s::bigint IS NULL OR id = %(id)s::bigint) "
        "AND (%(task)s::text IS NULL OR task_name = %(task)s::text) "
        "AND (%(before)s::bigint IS NULL OR id < %(before)s::bigint) "
        "ORDER BY id DESC LIMIT %(limit)s::bigint",
        id=job_id,
        task=task,
        before=before,
        limit=limit,
    )
    events: dict[int, list[tuple[str, datetime]]] = {job["id"]: [] for job in jobs}
    for event in await app.connector.execute_query_all_async(
        "SELECT job_id, type::text AS type, at FROM procrastinate_events "
        "WHERE job_id = ANY(%(ids)s) ORDER BY job_id, at, id",
        ids=list(events),
    ):
        events[event["job_id"]].append((event["type"], event["at"]))
    return [
        FailedJob(
            id=job["id"],
            task_name=job["task_name"],
            arguments=dict(job["args"]),
            attempts=job["attempts"],
            queue=job["queue_name"],
            events=events[job["id"]],
        )
        for job in jobs
    ]
