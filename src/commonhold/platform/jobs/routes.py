"""Operators' view of failed jobs (the dead letters), as the `commonhold jobs` CLI gives it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import procrastinate
import psycopg_pool
from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import Field

from commonhold.platform.db.session import Database
from commonhold.platform.deps import Operator
from commonhold.platform.errors import NotFound
from commonhold.platform.jobs import dead_letters
from commonhold.platform.pagination import Cursor, InvalidCursor, Limit, Page
from commonhold.platform.problems import problem_responses
from commonhold.platform.schemas import ResponseBody

router = APIRouter(
    prefix="/api/v1/admin/jobs",
    tags=["admin"],
    responses=problem_responses(400, 401, 404, 422, 429),
)
JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A job id.", examples=[4821])]


class FailedJobNotFound(NotFound):
    code = "failed_job_not_found"
    title = "No such failed job"


class JobEvent(ResponseBody):
    type: str = Field(examples=["failed"])
    at: datetime


class FailedJobRead(ResponseBody):
    id: int = Field(examples=[4821])
    task_name: str = Field(examples=["notify.deliver"])
    arguments: dict[str, Any] = Field(examples=[{"delivery_id": "8b1f..."}])
    attempts: int = Field(examples=[5])
    queue: str = Field(examples=["default"])
    events: list[JobEvent] = Field(description="What happened to the job, oldest first.")

    @classmethod
    def of(cls, job: dead_letters.FailedJob) -> FailedJobRead:
        return cls(
            id=job.id,
            task_name=job.task_name,
            arguments=job.arguments,
            attempts=job.attempts,
            queue=job.queue,
            events=[JobEvent(type=kind, at=at) for kind, at in job.events],
        )


async def _jobs(request: Request) -> AsyncIterator[procrastinate.App]:
    """The queue, on a connection of its own for this request (operators' calls are rare)."""
    database: Database = request.app.state.db
    connector = procrastinate.PsycopgConnector(
        conninfo=database.conninfo, pool_factory=psycopg_pool.AsyncNullConnectionPool
    )
    async with procrastinate.App(connector=connector).open_async() as jobs:
        yield jobs


Jobs = Annotated[procrastinate.App, Depends(_jobs)]


@router.get(
    "/failed",
    operation_id="admin_jobs_failed",
    summary="Jobs that failed for good",
    responses=problem_responses(400),
)
async def list_failed(
    operator: Operator,
    jobs: Jobs,
    task: Annotated[
        str | None,
        Query(max_length=128, description="Only this task.", examples=["notify.deliver"]),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[FailedJobRead]:
    """Jobs whose retries ran out, newest first, with their arguments and history."""
    try:
        before = int(cursor) if cursor is not None else None
    except ValueError as error:
        raise InvalidCursor() from error
    found = await dead_letters.failed_jobs(jobs, task, before, limit)
    return Page(
        items=[FailedJobRead.of(job) for job in found],
        next_cursor=str(found[-1].id) if len(found) == limit else None,
    )


@router.get("/failed/{job_id}", operation_id="admin_jobs_failed_show", summary="One failed job")
async def show_failed(job_id: JobId, operator: Operator, jobs: Jobs) -> FailedJobRead:
    job = await dead_letters.failed_job(jobs, job_id)
    if job is None:
        raise FailedJobNotFound()
    return FailedJobRead.of(job)


@router.post(
    "/failed/{job_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="admin_jobs_failed_retry",
    summary="Run a failed job again, now",
)
async def retry_failed(job_id: JobId, operator: Operator, jobs: Jobs) -> None:
    if not await dead_letters.retry(jobs, job_id):
        raise FailedJobNotFound()


@router.delete(
    "/failed/{job_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="admin_jobs_failed_discard",
    summary="Delete a failed job for good",
)
async def discard_failed(job_id: JobId, operator: Operator, jobs: Jobs) -> None:
    if not await dead_letters.discard(jobs, job_id):
        raise FailedJobNotFound()
