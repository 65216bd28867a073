"""What keeps jobs from being lost or hammering a failing peer: retries with backoff and
jitter, and recovery of jobs whose worker died mid-run."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import procrastinate
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision

# A worker beats every 10 s; three missed beats and its running jobs are presumed orphaned.
STALLED_AFTER_SECONDS = 30.0


class RetryLater(Exception):
    """Raised by a task whose peer (a mail server, a push service) cannot take the work now,
    after it has recorded the attempt: its ``Backoff`` decides when it runs again."""


@dataclass(frozen=True)
class Backoff(BaseRetryStrategy):
    """Retry up to ``max_attempts`` times, waiting a random time up to ``base_seconds * 2**n``
    (capped): exponential backoff with full jitter, so failed jobs do not all retry at once."""

    max_attempts: int = 5
    base_seconds: float = 2.0
    cap_seconds: float = 600.0

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts >= self.max_attempts:
            return None
        ceiling = min(self.cap_seconds, self.base_seconds * 2**job.attempts)
        delay = timedelta(seconds=random.uniform(0, ceiling))  # noqa: S311 - not a secret
        return RetryDecision(retry_at=datetime.now(UTC) + delay)


async def recover_stalled_jobs(
    app: procrastinate.App, seconds_since_heartbeat: float = STALLED_AFTER_SECONDS
) -> list[int]:
    """Put back in the queue every job left running by a worker that stopped beating (killed,
    or its machine gone); returns their ids. Tasks must be safe to run again."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat)
    )
    for job in stalled:
        await app.job_manager.retry_job(job)
    await app.job_manager.prune_stalled_workers(seconds_since_heartbeat)
    return [job.id for job in stalled if job.id is not None]
