"""Generating occurrences for 100,000 recurring tasks: does the daily run take at most 30 s?

What it measures: ``generation.generate_instances(session, today)`` in one transaction on the
owner role, as the scheduled job runs it, committed; first when nothing is stored from today
on (it stores the next 30 days of every task), then again the same day (it must store
nothing), then the next day (one more day of dates, the steady daily cost).

The data: a database of its own (``commonhold_bench_generate`` on the benchmarks' embedded
server under ``.commonhold/bench``), migrated to head, filled with plain SQL as the owner
role: 1,000 homes, each with its owner, and 100,000 active tasks spread evenly over them:
5% daily, 30% weekly (one in seven every other week, one in three on a chosen weekday), 40%
monthly (every 1, 3, 6 or 12 months, one in four on a chosen day of the month), 10% yearly
and 15% every 3 to 90 days. Fixed schedules started up to two years ago, 2% of them end
within the next 13 months, and all are stored through yesterday. About 8% are rolling
(weekly, monthly, every N days) and have no occurrence yet: each gets its first.

Run:  .venv/bin/python bench/homes_generate.py                  # 100,000 tasks, 1,000 homes
      .venv/bin/python bench/homes_generate.py --tasks 20000    # a smaller run
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, date, datetime, timedelta

from _homes_data import connect, fresh_database, machine_description, start_server
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from commonhold.apps.homes.maintenance.generation import generate_instances
from commonhold.platform.db.server import DatabaseUrls

DATABASE = "commonhold_bench_generate"
GOAL_SECONDS = 30.0

# Ids derive from the row number, so tasks point at their home without a lookup.
# (%% is a modulo: psycopg reads a single % as a placeholder.)
LOAD_SQL = (
    """
    INSERT INTO platform.users (id, email, display_name, password_hash)
    SELECT md5('user' || n)::uuid, 'owner' || n || '@bench.example', 'Owner ' || n, '!'
    FROM generate_series(0, %(homes)s - 1) AS n
    """,
    """
    INSERT INTO platform.spaces (id, kind, name, created_by)
    SELECT md5('home' || n)::uuid, 'home', 'Home ' || n, md5('user' || n)::uuid
    FROM generate_series(0, %(homes)s - 1) AS n
    """,
    """
    INSERT INTO platform.space_members (space_id, user_id, role)
    SELECT md5('home' || n)::uuid, md5('user' || n)::uuid, 'owner'
    FROM generate_series(0, %(homes)s - 1) AS n
    """,
    """
    INSERT INTO homes.tasks (
        id, space_id, created_by, title, recurrence, recurrence_mode, recurrence_interval,
        recurrence_day, starts_on, recurrence_end_date, generated_through)
    SELECT gen_random_uuid(), md5('home' || i %% %(homes)s)::uuid,
        md5('user' || i %% %(homes)s)::uuid, 'Maintenance task ' || i, f.frequency, m.mode,
        CASE f.frequency
            WHEN 'weekly' THEN CASE WHEN i %% 7 = 0 THEN 2 ELSE 1 END
            WHEN 'monthly' THEN (ARRAY[1, 1, 1, 3, 6, 12])[1 + i %% 6]
            WHEN 'custom_days' THEN 3 + (i * 7) %% 88
            ELSE 1
        END,
        CASE
            WHEN m.mode = 'rolling' THEN NULL
            WHEN f.frequency = 'weekly' AND i %% 3 = 0 THEN i %% 7
            WHEN f.frequency = 'monthly' AND i %% 4 = 0 THEN 1 + i %% 31
        END,
        CASE WHEN m.mode = 'rolling' THEN %(today)s + i %% 30 ELSE %(today)s - i %% 730 END,
        CASE WHEN m.mode = 'fixed' AND i %% 50 = 1 THEN %(today)s + 10 + i %% 400 END,
        CASE WHEN m.mode = 'fixed' THEN %(today)s - 1 END
    FROM generate_series(0, %(tasks)s - 1) AS i
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN i %% 100 < 5 THEN 'daily'
            WHEN i %% 100 < 35 THEN 'weekly'
            WHEN i %% 100 < 75 THEN 'monthly'
            WHEN i %% 100 < 85 THEN 'yearly'
            ELSE 'custom_days'
        END AS frequency
    ) AS f
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN i %% 10 = 3 AND f.frequency IN ('weekly', 'monthly', 'custom_days')
            THEN 'rolling' ELSE 'fixed'
        END AS mode
    ) AS m
    """,
)


def load(urls: DatabaseUrls, tasks: int, homes: int, today: date) -> None:
    with connect(urls.owner) as conn:
        for statement in LOAD_SQL:
            conn.execute(statement, {"tasks": tasks, "homes": homes, "today": today})
    with connect(urls.owner, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE homes.tasks")


async def timed_run(urls: DatabaseUrls, today: date) -> tuple[int, float]:
    """Rows created and seconds taken, commit included."""
    engine = create_async_engine(urls.owner, pool_size=1)
    try:
        async with AsyncSession(engine) as session:
            started = time.perf_counter()
            created = await generate_instances(session, today)
            await session.commit()
            return created, time.perf_counter() - started
    finally:
        await engine.dispose()


def mix(urls: DatabaseUrls) -> str:
    with connect(urls.owner) as conn:
        rows = conn.execute(
            "SELECT recurrence || ' ' || recurrence_mode, count(*) FROM homes.tasks "
            "GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    return ", ".join(f"{kind} {count}" for kind, count in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--homes", type=int, default=1_000)
    args = parser.parse_args()

    today = datetime.now(UTC).date()
    urls = fresh_database(start_server(), DATABASE)
    started = time.perf_counter()
    load(urls, args.tasks, args.homes, today)
    print(
        f"loaded {args.tasks:,} tasks in {args.homes:,} homes in "
        f"{time.perf_counter() - started:.1f} s"
    )
    print(f"mix: {mix(urls)}")
    for line in machine_description(urls):
        print(line)

    runs = [("first run, next 30 days", today), ("second run, same day", today)]
    runs.append(("next day", today + timedelta(days=1)))
    results = []
    for name, day in runs:
        created, seconds = asyncio.run(timed_run(urls, day))
        results.append((name, created, seconds))
        print(f"{name:<26} {created:>9,} occurrences  {seconds:>7.2f} s")
    first = results[0][2]
    print(f"goal: first run <= {GOAL_SECONDS:.0f} s: {'ok' if first <= GOAL_SECONDS else 'MISSED'}")
    assert results[1][1] == 0, "the second run must create nothing"


if __name__ == "__main__":
    main()
