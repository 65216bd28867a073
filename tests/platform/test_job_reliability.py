"""Jobs survive failures: retried with jittered backoff, and recovered when a worker dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from procrastinate.jobs import Job

from commonhold.platform.db.server import DatabaseUrls, libpq_url
from commonhold.platform.jobs import job_app, open_jobs
from commonhold.platform.jobs.reliability import Backoff, recover_stalled_jobs
from commonhold.worker import run_worker
from tests.platform.slow_jobs import slow_once, take_a_while

ROOT = Path(__file__).resolve().parents[2]
attempts: dict[str, int] = {}


@job_app.task(name="tests.flaky", retry=Backoff(max_attempts=2, base_seconds=0))
async def flaky(key: str) -> None:
    attempts[key] = attempts.get(key, 0) + 1
    if attempts[key] < 3:
        raise ConnectionError("the peer is down")


def _job(attempts: int) -> Job:
    return Job(
        id=1, queue="default", lock=None, queueing_lock=None, task_name="t", attempts=attempts
    )


def test_backoff_waits_longer_each_time_with_jitter_and_gives_up() -> None:
    backoff = Backoff(max_attempts=4, base_seconds=2, cap_seconds=10)
    for attempt, ceiling in enumerate((2, 4, 8, 10)):
        delays = []
        for _ in range(200):
            decision = backoff.get_retry_decision(exception=OSError(), job=_job(attempt))
            assert decision is not None
            assert decision.retry_at is not None
            delays.append((decision.retry_at - datetime.now(UTC)).total_seconds())
        assert all(-0.1 <= delay <= ceiling for delay in delays), (attempt, max(delays))
        assert max(delays) - min(delays) > ceiling / 4, "retries must not all come at once"
    assert backoff.get_retry_decision(exception=OSError(), job=_job(4)) is None


async def test_a_failing_job_is_retried_until_it_succeeds(database_urls: DatabaseUrls) -> None:
    key = os.urandom(8).hex()
    async with open_jobs(libpq_url(database_urls.app)):
        job_id = await flaky.defer_async(key=key)
    await run_worker(database_urls, concurrency=1, install_signal_handlers=False, wait=False)
    assert attempts[key] == 3
    async with open_jobs(libpq_url(database_urls.app)) as app:
        assert (await app.job_manager.get_job_status_async(job_id)).value == "succeeded"


def _start_worker(urls: DatabaseUrls) -> subprocess.Popen[bytes]:
    """A worker in a process of its own, knowing the slow job."""
    code = (
        "import asyncio, sys\n"
        "import tests.platform.slow_jobs\n"
        "from commonhold.platform.db.server import DatabaseUrls\n"
        "from commonhold.worker import run_worker\n"
        "asyncio.run(run_worker(DatabaseUrls(sys.argv[1], sys.argv[2]), concurrency=1))\n"
    )
    return subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, urls.owner, urls.app], cwd=ROOT, stdout=subprocess.DEVNULL
    )


async def test_a_job_whose_worker_is_killed_completes_exactly_once_on_another(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    marker = tmp_path / "runs.txt"
    async with open_jobs(libpq_url(database_urls.app)):
        job_id = await slow_once.defer_async(path=str(marker))

    doomed = _start_worker(database_urls)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert time.monotonic() < deadline, "the first worker never started the job"
            await asyncio.sleep(0.05)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)

    async with open_jobs(libpq_url(database_urls.app)) as app:
        assert (await app.job_manager.get_job_status_async(job_id)).value == "doing"
        await asyncio.sleep(1.5)  # the dead worker's last heartbeat ages
        assert job_id in await recover_stalled_jobs(app, seconds_since_heartbeat=1)

    await run_worker(database_urls, concurrency=1, install_signal_handlers=False, wait=False)
    assert marker.read_text().splitlines() == ["started", "started", "done"]
    async with open_jobs(libpq_url(database_urls.app)) as app:
        assert (await app.job_manager.get_job_status_async(job_id)).value == "succeeded"
        assert await recover_stalled_jobs(app, seconds_since_heartbeat=1) == []


async def test_a_stopped_worker_finishes_its_running_job_first(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    marker = tmp_path / "runs.txt"
    async with open_jobs(libpq_url(database_urls.app)):
        job_id = await take_a_while.defer_async(path=str(marker), seconds=2)

    worker = _start_worker(database_urls)
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert time.monotonic() < deadline, "the worker never started the job"
        await asyncio.sleep(0.05)
    worker.send_signal(signal.SIGTERM)  # as a service manager stops it
    await asyncio.to_thread(worker.wait, 30)

    assert marker.read_text().splitlines() == ["started", "done"]
    async with open_jobs(libpq_url(database_urls.app)) as app:
        assert (await app.job_manager.get_job_status_async(job_id)).value == "succeeded"


async def test_a_periodic_job_is_deferred_once_however_many_workers_run(
    database_urls: DatabaseUrls,
) -> None:
    this_minute = int(time.time()) // 60 * 60
    workers = [
        asyncio.create_task(run_worker(database_urls, concurrency=1, install_signal_handlers=False))
        for _ in range(3)
    ]
    await asyncio.sleep(2)
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)

    async with open_jobs(libpq_url(database_urls.app)) as app:
        rows = await app.connector.execute_query_all_async(
            "SELECT args->>'timestamp' AS at, count(*) AS jobs FROM procrastinate_jobs "
            "WHERE task_name = 'jobs.recover_stalled' "
            "AND (args->>'timestamp')::bigint >= %(since)s GROUP BY 1",
            since=this_minute,
        )
    assert rows, "the workers deferred no periodic job"
    assert all(row["jobs"] == 1 for row in rows), rows
