"""The job benchmark's task and its workers, one process each, so that they can be killed.

The task, ``bench.record_run``, writes one row per execution into ``bench_job_runs``: the
job's id, when it started (the server's ``clock_timestamp()``) and the worker's pid. Nothing
stops a second row for the same job: counting them is how runs twice are found.

    python bench/_jobs_tasks.py procrastinate OWNER_URL APP_URL --concurrency 10
    python bench/_jobs_tasks.py pgqueuer OWNER_URL APP_URL --concurrency 10 --stalled-after 15

The procrastinate worker is the product's own (``commonhold.worker.run_worker``, as
``commonhold worker`` runs it). The PgQueuer worker runs its ``QueueManager`` with the same
number of jobs in flight and the same database handle for the task.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from datetime import timedelta

import psycopg
from pgqueuer import Job, PsycopgDriver, QueueManager
from pgqueuer.queries import Queries
from psycopg import AsyncRawCursor
from psycopg.rows import dict_row
from sqlalchemy import text

from commonhold.platform.db.server import DatabaseUrls, libpq_url
from commonhold.platform.db.session import Database
from commonhold.platform.jobs import JobContext, database_of, job_app
from commonhold.worker import run_worker

TASK_NAME = "bench.record_run"
# No unique key on job_id: a job that runs twice leaves two rows.
CREATE_RUNS_TABLE = """
    CREATE TABLE bench_job_runs (
        job_id bigint NOT NULL,
        item integer NOT NULL,
        started_at timestamptz NOT NULL,
        worker_pid integer NOT NULL
    )
"""
RECORD_RUN = text(
    "INSERT INTO bench_job_runs (job_id, item, started_at, worker_pid) "
    "VALUES (:job_id, :item, clock_timestamp(), :pid)"
)


async def record(database: Database, job_id: int, item: int) -> None:
    """One row for this execution, committed in the task's own transaction."""
    async with database.sessionmaker() as session, session.begin():
        await session.execute(RECORD_RUN, {"job_id": job_id, "item": item, "pid": os.getpid()})


@job_app.task(name=TASK_NAME, pass_context=True)
async def record_run(context: JobContext, item: int) -> None:
    assert context.job.id is not None
    await record(database_of(context), context.job.id, item)


def pgqueuer_payload(item: int) -> bytes:
    """The same arguments procrastinate stores for ``record_run``, as PgQueuer's bytes."""
    return json.dumps({"item": item}).encode()


class ListenApartDriver(PsycopgDriver):
    """PgQueuer's psycopg driver, listening on a connection of its own. As shipped it waits
    for notifications (up to 1 s at a time) holding the lock of its only connection, which
    the worker's queries wait for: 17 jobs/s in all with two workers here."""

    def __init__(self, queries: psycopg.AsyncConnection, listener: psycopg.AsyncConnection):
        super().__init__(listener)
        self.queries = queries

    async def fetch(self, query: str, *args: object) -> list[dict[str, object]]:
        cursor = AsyncRawCursor(self.queries, row_factory=dict_row)
        await cursor.execute(query, args or None)
        return await cursor.fetchall()

    async def execute(self, query: str, *args: object) -> str:
        cursor = AsyncRawCursor(self.queries)
        await cursor.execute(query, args or None)
        return cursor.statusmessage or ""


async def run_pgqueuer_worker(
    urls: DatabaseUrls, concurrency: int, stalled_after: float, batch_size: int
) -> None:
    """PgQueuer's worker until SIGTERM. A job whose heartbeat is older than ``stalled_after``
    seconds is picked again by the next dequeue (PgQueuer's own recovery)."""
    database = Database.connect(urls.app, pool_size=concurrency)
    connections = [
        await psycopg.AsyncConnection.connect(libpq_url(urls.app), autocommit=True)
        for _ in range(2)
    ]
    manager = QueueManager(Queries(ListenApartDriver(*connections)))

    @manager.entrypoint(TASK_NAME)
    async def record_run_pgqueuer(job: Job) -> None:
        assert job.payload is not None
        await record(database, job.id, json.loads(job.payload)["item"])

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, manager.shutdown.set)
    try:
        await manager.run(
            batch_size=batch_size,
            max_concurrent_tasks=max(concurrency, 2 * batch_size),
            heartbeat_timeout=timedelta(seconds=stalled_after),
            # An idle worker looks for stalled jobs only when it dequeues (30 s by default):
            # each second, as the benchmark requeues procrastinate's.
            dequeue_timeout=timedelta(seconds=1),
        )
    finally:
        for connection in connections:
            await connection.close()
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description="A worker of the job benchmark.")
    parser.add_argument("queue", choices=("procrastinate", "pgqueuer"))
    parser.add_argument("owner_url")
    parser.add_argument("app_url")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--stalled-after", type=float, default=15.0)
    args = parser.parse_args()
    urls = DatabaseUrls(owner=args.owner_url, app=args.app_url)
    if args.queue == "procrastinate":
        asyncio.run(run_worker(urls, args.concurrency))
    else:
        # PgQueuer requires room for two batches in flight: half the jobs at once each.
        batch_size = max(1, args.concurrency // 2)
        asyncio.run(run_pgqueuer_worker(urls, args.concurrency, args.stalled_after, batch_size))


if __name__ == "__main__":
    main()
