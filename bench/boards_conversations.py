"""The conversation list of someone with 20 long conversations: does its cost follow the
conversations rather than their messages?

What it measures: ``GET /api/v1/workspaces/{id}/conversations`` minus HTTP, i.e. the messages
service's ``list_conversations`` (its first page of 50) in a transaction of its own, as the
application role with ``app.user_id`` set, so row-level security and the repository's real
statement are what is timed; then ``EXPLAIN (ANALYZE, BUFFERS)`` of that statement.

The data: a database of its own (``commonhold_bench_conversations`` on the benchmarks'
embedded server under ``.commonhold/bench``), migrated to head, then filled with plain SQL as
the owner role: a workspace of 200 members; the reader, whose id sorts in the middle, has 20
conversations of 5,000 messages (half with people whose ids sort before theirs, half after;
four of those people have left the workspace since; the last 10 messages of each are unread);
300 other pairs of members have 1,000 messages each. 400,000 messages in all. The cases: the
reader, and another member with the fewest conversations of 1,000 messages.

Run:  .venv/bin/python bench/boards_conversations.py             # about 15 s
      .venv/bin/python bench/boards_conversations.py --explain   # with the reader's plan
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid

from _homes_data import (
    Summary,
    connect,
    fresh_database,
    machine_description,
    print_table,
    start_server,
)
from sqlalchemy import text

from commonhold.apps.boards.messages import repository, service
from commonhold.platform.authz import AuthSubject
from commonhold.platform.db.server import DatabaseUrls
from commonhold.platform.db.session import Database, set_user_context

DATABASE = "commonhold_bench_conversations"
GOAL_MS = 20.0
MEMBERS, CONVERSATIONS, LONG = 200, 20, 5_000
OTHER_PAIRS, SHORT = 300, 1_000
PAGE = 50
RUNS = 200

_MESSAGES = """
INSERT INTO boards.direct_messages (id, space_id, sender_id, recipient_id, body, created_at,
                                    read_at)
SELECT gen_random_uuid(), %(space)s,
       CASE WHEN g %% 2 = 0 THEN %(a)s ELSE %(b)s END,
       CASE WHEN g %% 2 = 0 THEN %(b)s ELSE %(a)s END,
       'Message ' || g,
       now() - interval '365 days' + g * interval '1 hour' + %(offset)s * interval '1 second',
       CASE WHEN g > %(count)s - 10 THEN NULL ELSE now() END
FROM generate_series(1, %(count)s) g
"""


def load(urls: DatabaseUrls) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """The workspace, its reader with 20 long conversations, and a member with a few."""
    rnd = random.Random(7)  # noqa: S311 - reproducible test data, not a secret
    people = sorted(uuid.UUID(int=rnd.getrandbits(128), version=4) for _ in range(MEMBERS))
    reader = people[MEMBERS // 2]
    space = uuid.uuid4()
    with connect(urls.owner) as conn:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO platform.users (id, email, display_name, password_hash) "
                "VALUES (%s, %s, %s, 'unused')",
                [(p, f"p{i}@conversations.example", f"Person {i}") for i, p in enumerate(people)],
            )
        conn.execute(
            "INSERT INTO platform.spaces (id, kind, name, created_by) "
            "VALUES (%s, 'workspace', 'Launch', %s)",
            (space, reader),
        )
        conn.execute(
            "INSERT INTO platform.space_members (space_id, user_id, role) "
            "SELECT %s, p, CASE WHEN p = %s THEN 'owner' ELSE 'editor' END "
            "FROM unnest(%s::uuid[]) p",
            (space, reader, people),
        )
        step = MEMBERS // CONVERSATIONS
        mine = [people[i] for i in range(step // 2, MEMBERS, step) if people[i] != reader]
        others = [p for p in people if p != reader and p not in mine]
        for offset, other in enumerate(mine[:CONVERSATIONS]):
            conn.execute(
                _MESSAGES,
                {"space": space, "a": reader, "b": other, "offset": offset, "count": LONG},
            )
        pairs: set[tuple[uuid.UUID, uuid.UUID]] = set()
        while len(pairs) < OTHER_PAIRS:
            a, b = sorted(rnd.sample(others, 2))
            pairs.add((a, b))
        for offset, (a, b) in enumerate(sorted(pairs)):
            conn.execute(
                _MESSAGES, {"space": space, "a": a, "b": b, "offset": offset, "count": SHORT}
            )
        for gone in (mine[0], mine[3], mine[-1], mine[-4]):
            conn.execute(
                "DELETE FROM platform.space_members WHERE space_id = %s AND user_id = %s",
                (space, gone),
            )
    with connect(urls.owner, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    partners = [person for pair in pairs for person in pair]
    return space, reader, min(set(partners), key=partners.count)


async def timed(database: Database, space: uuid.UUID, user: uuid.UUID) -> tuple[float, int]:
    """One first page in a transaction of its own: milliseconds, and how many conversations."""
    started = time.perf_counter()
    async with database.sessionmaker() as session, session.begin():
        await set_user_context(session, user)
        page = await service.list_conversations(session, AuthSubject(user), space, None, PAGE)
    return (time.perf_counter() - started) * 1000, len(page.items)


async def plan(database: Database, space: uuid.UUID, user: uuid.UUID) -> list[str]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of the first page's statement, as the service runs it."""
    statement, last = repository.conversations(space, user)
    paged = statement.order_by(last.created_at.desc(), last.id.desc()).limit(PAGE + 1)
    async with database.sessionmaker() as session, session.begin():
        await set_user_context(session, user)
        dialect = session.get_bind().dialect
        sql = paged.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        return list(await session.scalars(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")))


async def measure(
    urls: DatabaseUrls, space: uuid.UUID, cases: dict[str, uuid.UUID], explain: bool
) -> None:
    database = Database.connect(urls.app, 1)
    try:
        rows = []
        for name, user in cases.items():
            for _ in range(10):  # warm-up
                await timed(database, space, user)
            samples, found = [], 0
            for _ in range(RUNS):
                elapsed, found = await timed(database, space, user)
                samples.append(elapsed)
            lines = await plan(database, space, user)
            buffers = next(line for line in lines if "Buffers" in line).strip()
            executed = next(line for line in lines if line.startswith("Execution Time"))
            note = f"{found} conversations; {executed}; {buffers}"
            rows.append((name, Summary.of(samples), note))
        print_table(rows, GOAL_MS)
        if explain:
            print("\n".join(await plan(database, space, cases["reader"])))
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--explain", action="store_true", help="print the reader's plan")
    explain = parser.parse_args().explain
    server = start_server()
    for line in machine_description(server):
        print(line)
    started = time.perf_counter()
    urls = fresh_database(server, DATABASE)
    space, reader, member = load(urls)
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    cases = {"reader": reader, "another member": member}
    asyncio.run(measure(urls, space, cases, explain))


if __name__ == "__main__":
    main()
