"""The job platform: 10,000 jobs due the same instant, workers killed meanwhile; vs PgQueuer.

What it measures, for procrastinate (the job platform, ``commonhold.worker.run_worker``) and
for PgQueuer, each on a fresh database of the benchmarks' embedded server (under
``.commonhold/bench``), one after the other, the same run:

1. enqueue throughput: jobs/s deferring ``--enqueue-jobs`` jobs of ``bench.record_run`` in
   batches of ``--batch`` (procrastinate's ``batch_defer_async``, PgQueuer's list
   ``enqueue``), ``--rounds`` rounds taking turns, queue tables emptied before each;
2. the task alone: its insert without a queue, ``--concurrency`` at once in one process;
3. the same-minute burst: ``--workers`` worker processes of ``--concurrency`` jobs each are
   started, then ``--jobs`` jobs are scheduled for one instant T, ``--lead`` seconds ahead so
   that enqueueing is over before it. When 1/4, 2/4 and 3/4 of the jobs have run
   (``--kills 3``) one worker gets SIGKILL and a new one is started in its place. Each
   execution of a job writes a row (``bench/_jobs_tasks.py``): start lateness is its
   ``clock_timestamp()`` - T, of each job's first execution; a job with two rows ran twice.

Recovering the killed workers' jobs: procrastinate's workers beat every 10 s and
``recover_stalled_jobs`` requeues the running jobs of workers silent for longer than a
threshold. The product runs it every minute (``jobs.recover_stalled``, 30 s threshold, also
running here); the benchmark also calls it every second with ``--stalled-after`` (15 s by
default: above the 10 s beat, so that a live worker's jobs are never taken). PgQueuer's
workers pick again any running job whose heartbeat is older than their ``heartbeat_timeout``,
set to the same ``--stalled-after``; idle, they look for them every second.

Run:  .venv/bin/python bench/jobs_queue.py                    # 10,000 jobs, 2 workers x 10
      .venv/bin/python bench/jobs_queue.py --jobs 2000 --enqueue-jobs 5000   # a smaller run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import psycopg
from _homes_data import (
    BENCH_DATA_DIR,
    Summary,
    connect,
    fresh_database,
    machine_description,
    start_server,
)
from _jobs_tasks import CREATE_RUNS_TABLE, TASK_NAME, pgqueuer_payload, record, record_run
from pgqueuer.queries import Queries
from procrastinate.types import JSONDict

from commonhold.platform.db.server import DatabaseUrls, libpq_url
from commonhold.platform.db.session import Database
from commonhold.platform.jobs import job_app, open_jobs
from commonhold.platform.jobs.reliability import recover_stalled_jobs
from commonhold.settings import get_settings

DATABASES = {
    "procrastinate": "commonhold_bench_jobs_procrastinate",
    "pgqueuer": "commonhold_bench_jobs_pgqueuer",
}
WORKER_SCRIPT = Path(__file__).resolve().parent / "_jobs_tasks.py"
WORKER_LOG = BENCH_DATA_DIR / "jobs_workers.log"
GOAL_ENQUEUE_PER_SECOND = 2_000.0
GOAL_LATENESS_P99_SECONDS = 2.0
POLL_SECONDS = 0.1
WORKER_START_SECONDS = 5.0


@dataclass(frozen=True)
class Options:
    jobs: int
    enqueue_jobs: int
    batch: int
    rounds: int
    workers: int
    concurrency: int
    kills: int
    lead: float
    stalled_after: float
    timeout: float
    queues: tuple[str, ...]


# The two queues, as the benchmark drives them


class QueueClient(ABC):
    """Enqueueing, progress and (for procrastinate) stalled-job recovery of one queue."""

    name: str
    # Owner-role SQL: empty the queue's tables, refresh their statistics, count its jobs not
    # finished yet (of %(task)s).
    reset_sql: str
    analyze_sql: str
    unfinished_sql: str

    @abstractmethod
    async def enqueue(self, items: range, due: datetime | None) -> None:
        """One batch of ``record_run`` jobs, to run at ``due`` (now when None)."""

    async def recover(self, stalled_after: float) -> int:
        """Requeue the jobs of dead workers; how many. PgQueuer's workers do it themselves."""
        return 0


class ProcrastinateClient(QueueClient):
    name = "procrastinate"
    reset_sql = (
        "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
        "procrastinate_workers, bench_job_runs"
    )
    analyze_sql = "ANALYZE procrastinate_jobs, procrastinate_events"
    unfinished_sql = (
        "SELECT count(*) FROM procrastinate_jobs "
        "WHERE task_name = %(task)s AND status IN ('todo', 'doing')"
    )

    async def enqueue(self, items: range, due: datetime | None) -> None:
        deferrer = record_run.configure(schedule_at=due) if due else record_run.configure()
        arguments: list[JSONDict] = [{"item": item} for item in items]
        await deferrer.batch_defer_async(*arguments)

    async def recover(self, stalled_after: float) -> int:
        return len(await recover_stalled_jobs(job_app, stalled_after))


class PgQueuerClient(QueueClient):
    name = "pgqueuer"
    reset_sql = "TRUNCATE pgqueuer, pgqueuer_log, pgqueuer_statistics, bench_job_runs"
    analyze_sql = "ANALYZE pgqueuer"
    unfinished_sql = "SELECT count(*) FROM pgqueuer WHERE entrypoint = %(task)s"

    def __init__(self, queries: Queries) -> None:
        self.queries = queries

    async def enqueue(self, items: range, due: datetime | None) -> None:
        count = len(items)
        # PgQueuer takes a delay from the server's now(); both clocks are this machine's.
        delay: list[timedelta | None] | None = [due - datetime.now(UTC)] * count if due else None
        await self.queries.enqueue(
            [TASK_NAME] * count,
            [pgqueuer_payload(item) for item in items],
            [0] * count,
            execute_after=delay,
        )


@asynccontextmanager
async def open_client(name: str, urls: DatabaseUrls) -> AsyncIterator[QueueClient]:
    """A client of queue ``name`` connected as the application role."""
    if name == "procrastinate":
        async with open_jobs(libpq_url(urls.app)):
            yield ProcrastinateClient()
        return
    async with await psycopg.AsyncConnection.connect(
        libpq_url(urls.app), autocommit=True
    ) as connection:
        yield PgQueuerClient(Queries.from_psycopg_connection(connection))


def prepare(name: str, urls: DatabaseUrls) -> None:
    """The runs table (and PgQueuer's schema), usable by the application role."""
    app_role = get_settings().app_db_role
    with connect(urls.owner) as conn:
        conn.execute(CREATE_RUNS_TABLE)
        conn.execute(f'GRANT SELECT, INSERT ON bench_job_runs TO "{app_role}"')
    if name == "pgqueuer":
        asyncio.run(install_pgqueuer(urls))
        with connect(urls.owner) as conn:
            conn.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{app_role}"')
            conn.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"')


async def install_pgqueuer(urls: DatabaseUrls) -> None:
    async with await psycopg.AsyncConnection.connect(
        libpq_url(urls.owner), autocommit=True
    ) as connection:
        await Queries.from_psycopg_connection(connection).install()


def run_sql(urls: DatabaseUrls, sql: str) -> None:
    with connect(urls.owner, autocommit=True) as conn:
        conn.execute(sql)


# Enqueue throughput


async def enqueue_all(
    client: QueueClient, count: int, batch: int, due: datetime | None = None
) -> float:
    """Seconds to enqueue ``count`` jobs in batches of ``batch``, one after the other."""
    started = time.perf_counter()
    for start in range(0, count, batch):
        await client.enqueue(range(start, min(start + batch, count)), due)
    return time.perf_counter() - started


async def enqueue_rate(name: str, urls: DatabaseUrls, options: Options) -> float:
    async with open_client(name, urls) as client:
        run_sql(urls, client.reset_sql)
        seconds = await enqueue_all(client, options.enqueue_jobs, options.batch)
    return options.enqueue_jobs / seconds


def measure_enqueue(all_urls: dict[str, DatabaseUrls], options: Options) -> dict[str, list[float]]:
    """Jobs/s of each queue, rounds taking turns so that both see the same machine."""
    rates: dict[str, list[float]] = {name: [] for name in all_urls}
    for _ in range(options.rounds):
        for name, urls in all_urls.items():
            rates[name].append(asyncio.run(enqueue_rate(name, urls, options)))
    return rates


# The task alone


async def task_alone_rate(urls: DatabaseUrls, options: Options) -> float:
    """Executions/s of the task's own work without a queue, ``--concurrency`` at once in
    one process: the ceiling that any queue's worker process divides."""
    count = max(options.jobs // 5, options.concurrency)
    database = Database.connect(urls.app, pool_size=options.concurrency)
    items = iter(range(count))

    async def one_at_a_time() -> None:
        for item in items:
            await record(database, item, item)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one_at_a_time() for _ in range(options.concurrency)))
        return count / (time.perf_counter() - started)
    finally:
        await database.dispose()


# Worker processes


@dataclass
class Workers:
    """Worker processes of one queue; any of them can be killed and replaced."""

    queue: str
    urls: DatabaseUrls
    options: Options
    log: IO[bytes]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                str(WORKER_SCRIPT),
                self.queue,
                self.urls.owner,
                self.urls.app,
                f"--concurrency={self.options.concurrency}",
                f"--stalled-after={self.options.stalled_after}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def start_all(self) -> None:
        self.processes = [self.start() for _ in range(self.options.workers)]

    def kill_and_replace(self, index: int) -> None:
        """SIGKILL: no graceful end, its running jobs are left as they were."""
        doomed = self.processes[index]
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
        self.processes[index] = self.start()

    def check_alive(self) -> None:
        """A worker that ends on its own (it could not start, say) spoils the run: stop."""
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"a {self.queue} worker exited with {process.returncode}: see {WORKER_LOG}"
                )

    def stop_all(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


# The burst


@dataclass
class Burst:
    queue: str
    due: datetime
    enqueue_seconds: float = 0.0
    margin_seconds: float = 0.0  # how long before T enqueueing was over
    kills: list[tuple[float, int]] = field(default_factory=list)  # (s after T, jobs run)
    recovered: int = 0
    completed_after: float | None = None  # s after T when no job was left, None: timed out
    jobs_done: int = 0
    ran_twice: int = 0
    extra_runs: int = 0
    lateness: Summary | None = None
    first_start_ms: float = 0.0  # the earliest job's lateness: how punctual the start is
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and at the end


async def progress(conn: psycopg.AsyncConnection, client: QueueClient) -> tuple[int, int]:
    """(rows recorded, jobs not finished)."""
    cursor = await conn.execute("SELECT count(*) FROM bench_job_runs")
    runs = await cursor.fetchone()
    cursor = await conn.execute(client.unfinished_sql, {"task": TASK_NAME})
    unfinished = await cursor.fetchone()
    assert runs is not None
    assert unfinished is not None
    return int(runs[0]), int(unfinished[0])


async def watch(
    client: QueueClient, urls: DatabaseUrls, workers: Workers, burst: Burst, options: Options
) -> None:
    """Until every job is done: kill a worker at each quarter, recover stalled jobs."""
    kill_at = [options.jobs * (k + 1) // (options.kills + 1) for k in range(options.kills)]
    last_recovery = 0.0
    async with await psycopg.AsyncConnection.connect(
        libpq_url(urls.owner), autocommit=True
    ) as conn:
        while True:
            since_due = (datetime.now(UTC) - burst.due).total_seconds()
            runs, unfinished = await progress(conn, client)
            workers.check_alive()
            if kill_at and runs >= kill_at[0]:
                kill_at.pop(0)
                workers.kill_and_replace(len(burst.kills) % options.workers)
                burst.kills.append((since_due, runs))
            if since_due > 0 and unfinished == 0:
                burst.completed_after = since_due
                return
            if since_due > options.timeout:
                return
            if time.monotonic() - last_recovery >= 1.0:
                last_recovery = time.monotonic()
                burst.recovered += await client.recover(options.stalled_after)
            await asyncio.sleep(POLL_SECONDS)


async def run_burst(name: str, urls: DatabaseUrls, workers: Workers, options: Options) -> Burst:
    async with open_client(name, urls) as client:
        run_sql(urls, client.reset_sql)
        workers.start_all()
        # Their start (imports, connections) takes the CPUs for a few seconds: not while
        # enqueueing.
        await asyncio.sleep(WORKER_START_SECONDS)
        burst = Burst(name, datetime.now(UTC) + timedelta(seconds=options.lead))
        load_before = os.getloadavg()[0]
        burst.enqueue_seconds = await enqueue_all(client, options.jobs, options.batch, burst.due)
        # Emptied tables have no statistics; a queue in use has (autovacuum sees to it), and
        # without them fetching a job takes 2.5 times as long.
        run_sql(urls, client.analyze_sql)
        burst.margin_seconds = (burst.due - datetime.now(UTC)).total_seconds()
        await watch(client, urls, workers, burst, options)
        burst.load = (load_before, os.getloadavg()[0])
    return burst


def burst(name: str, urls: DatabaseUrls, options: Options) -> Burst:
    with WORKER_LOG.open("ab") as log:
        log.write(f"--- {name} burst {datetime.now(UTC).isoformat()}\n".encode())
        log.flush()
        workers = Workers(name, urls, options, log)
        try:
            result = asyncio.run(run_burst(name, urls, workers, options))
        finally:
            workers.stop_all()
    measure_runs(urls, result)
    return result


def measure_runs(urls: DatabaseUrls, burst: Burst) -> None:
    """Jobs run, jobs run more than once, and each job's first start after T."""
    with connect(urls.owner) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM min(started_at) - %(due)s) * 1000, count(*) "
            "FROM bench_job_runs GROUP BY job_id",
            {"due": burst.due},
        ).fetchall()
    burst.jobs_done = len(rows)
    burst.ran_twice = sum(1 for _, runs in rows if runs > 1)
    burst.extra_runs = sum(runs - 1 for _, runs in rows)
    if rows:
        burst.lateness = Summary.of([float(late_ms) for late_ms, _ in rows])
        burst.first_start_ms = min(float(late_ms) for late_ms, _ in rows)


# Report


def print_enqueue(rates: dict[str, list[float]], options: Options) -> None:
    print(
        f"\nenqueue: {options.enqueue_jobs:,} jobs in batches of {options.batch:,}, "
        f"{options.rounds} rounds (jobs/s; goal >= {GOAL_ENQUEUE_PER_SECOND:,.0f})"
    )
    for name, values in rates.items():
        median = statistics.median(values)
        verdict = "ok" if median >= GOAL_ENQUEUE_PER_SECOND else "MISSED"
        rounds = ", ".join(f"{value:,.0f}" for value in values)
        print(f"  {name:<14} median {median:>8,.0f}   rounds: {rounds}   {verdict}")
    if len(rates) == 2:
        ratio = statistics.median(rates["pgqueuer"]) / statistics.median(rates["procrastinate"])
        print(f"  PgQueuer / procrastinate: {ratio:.2f}")


def print_burst(result: Burst, options: Options) -> None:
    print(
        f"\n{result.queue}: {options.jobs:,} jobs due at T, {options.workers} workers x "
        f"{options.concurrency}, stalled after {options.stalled_after:g} s"
    )
    print(f"  enqueued in {result.enqueue_seconds:.2f} s, {result.margin_seconds:.1f} s before T")
    print(f"  load average: {result.load[0]:.2f} before, {result.load[1]:.2f} at the end")
    for after, runs in result.kills:
        print(f"  SIGKILL at T + {after:.1f} s, {runs:,} runs recorded")
    if result.queue == "procrastinate":
        print(f"  requeued by recover_stalled_jobs: {result.recovered}")
    done = "timed out" if result.completed_after is None else f"T + {result.completed_after:.1f} s"
    print(f"  all finished: {done}; jobs run: {result.jobs_done:,} / {options.jobs:,}")
    print(f"  jobs run more than once: {result.ran_twice} ({result.extra_runs} extra runs)")
    late = result.lateness
    if late is not None:
        print(
            f"  start lateness, s: first {result.first_start_ms / 1000:.2f}  "
            f"p50 {late.p50 / 1000:.2f}  p95 {late.p95 / 1000:.2f}  "
            f"p99 {late.p99 / 1000:.2f}  max {late.max / 1000:.2f}"
        )
        print(f"  jobs started per second until 95% had: {start_rate(result, options):,.0f}")


def start_rate(result: Burst, options: Options) -> float:
    """Jobs started per second after T, until 95% had started (the kills' tail left out)."""
    late = result.lateness
    return 0.95 * options.jobs / (late.p95 / 1000) if late and late.p95 > 0 else 0.0


def print_goals(rates: dict[str, list[float]], bursts: Sequence[Burst], options: Options) -> None:
    print("\ngoals")
    for result in bursts:
        late = result.lateness
        all_done = result.jobs_done == options.jobs and result.completed_after is not None
        p99_ok = late is not None and late.p99 / 1000 <= GOAL_LATENESS_P99_SECONDS
        enqueue_ok = statistics.median(rates[result.queue]) >= GOAL_ENQUEUE_PER_SECOND
        print(
            f"  {result.queue:<14} all done: {verdict(all_done)}  "
            f"p99 <= {GOAL_LATENESS_P99_SECONDS:g} s: {verdict(p99_ok)}  "
            f"none run twice: {verdict(result.ran_twice == 0)}  "
            f"enqueue >= {GOAL_ENQUEUE_PER_SECOND:,.0f}/s: {verdict(enqueue_ok)}"
        )
    rate = {result.queue: start_rate(result, options) for result in bursts}
    if len(rate) == 2:
        ratio = rate["pgqueuer"] / rate["procrastinate"]
        print(f"  burst, jobs started per second: PgQueuer / procrastinate: {ratio:.2f}")


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


def parse_options() -> Options:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs due the same instant")
    parser.add_argument("--enqueue-jobs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000, help="jobs per enqueue call")
    parser.add_argument("--rounds", type=int, default=3, help="enqueue rounds per queue")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=10, help="jobs at once per worker")
    parser.add_argument("--kills", type=int, default=3, help="workers killed during the burst")
    parser.add_argument("--lead", type=float, default=15.0, help="seconds from now to T")
    parser.add_argument("--stalled-after", type=float, default=15.0)
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds after T")
    parser.add_argument(
        "--queues", default="procrastinate,pgqueuer", help="comma-separated, of these two"
    )
    args = parser.parse_args()
    queues = tuple(name for name in args.queues.split(",") if name in DATABASES)
    return Options(**{**vars(args), "queues": queues})


def main() -> None:
    options = parse_options()
    server = start_server()
    all_urls = {name: fresh_database(server, DATABASES[name]) for name in options.queues}
    for name, urls in all_urls.items():
        prepare(name, urls)
    first_urls = next(iter(all_urls.values()))
    for line in machine_description(first_urls):
        print(line)

    rates = measure_enqueue(all_urls, options)
    print_enqueue(rates, options)
    alone = asyncio.run(task_alone_rate(first_urls, options))
    print(
        f"\nthe task alone, no queue: {alone:,.0f} runs/s in one process, "
        f"{options.concurrency} at once"
    )
    bursts = []
    for name, urls in all_urls.items():
        result = burst(name, urls, options)
        print_burst(result, options)
        bursts.append(result)
    print_goals(rates, bursts, options)
    print(f"\nworkers' logs: {WORKER_LOG}")


if __name__ == "__main__":
    main()
