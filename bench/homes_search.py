"""Item full-text search over 1,000,000 items: is p95 at most 50 ms?

What it measures: ``GET /api/v1/homes/{id}/items?q=...`` minus HTTP, i.e. the inventory
service's ``list_items(q=...)`` in a transaction of its own, as the application role with
``app.user_id`` set, so row-level security and the repository's real query (membership
check, then the ranked full-text match, 50 results) are what is timed.

The data: a database of its own (``commonhold_bench_search`` on the benchmarks' embedded
server under ``.commonhold/bench``), migrated to head, then filled with plain SQL as the
owner role: 2,000 homes of 9 rooms x 50 items, and one big home of 200 rooms x 500 items
(the worst case), 1,000,000 items in all, drawn from a catalogue of appliances, electronics,
furniture, tools and home systems with their makers, model numbers and descriptions. Each
home has its owner (a user and a membership), so RLS lets exactly that user see it. About
1% of items are soft-deleted. The table is vacuumed and analyzed after loading.

The data is reused by later runs while the migrations (and this loader) are unchanged; a
schema change rebuilds it.

The queries: for each case (a product, a maker, two words, a description phrase, one
model number, a word nothing matches) 200 searches in a normal home (a different home,
and user, each time) and 200 in the big home, interleaved in random order, after a warm-up.

Run:  .venv/bin/python bench/homes_search.py            # loads once (about a minute), then runs
      .venv/bin/python bench/homes_search.py --reload   # rebuild the data from scratch
      .venv/bin/python bench/homes_search.py --explain  # EXPLAIN ANALYZE every case, not only
                                                        # those that miss the goal
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from _homes_data import (
    CONDITIONS,
    FEATURES,
    FINISHES,
    MIGRATIONS,
    PRODUCTS,
    ROOM_NAMES,
    Summary,
    connect,
    database_urls,
    fresh_database,
    machine_description,
    print_table,
    start_server,
    text_search_leakproof,
)
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from commonhold.apps.homes.inventory import repository as repo
from commonhold.apps.homes.inventory import service
from commonhold.platform.authz import AuthSubject
from commonhold.platform.db.server import DatabaseUrls
from commonhold.platform.db.session import Database, set_user_context

DATABASE = "commonhold_bench_search"
GOAL_MS = 50.0
PAGE = 50  # the endpoint's default limit
NORMAL_HOMES = 2_000
NORMAL_ROOMS, NORMAL_ITEMS_PER_ROOM = 9, 50
BIG_ROOMS, BIG_ITEMS_PER_ROOM = 200, 500
TOTAL_ITEMS = NORMAL_HOMES * NORMAL_ROOMS * NORMAL_ITEMS_PER_ROOM + BIG_ROOMS * BIG_ITEMS_PER_ROOM
ROOMS_PER_STATEMENT = 3_000  # items are inserted in slices, to show progress


# Loading


def pick(seed: int, choices: int | str) -> str:
    """SQL (with %% escaped for psycopg): a stable pseudo-random integer in [0, choices)
    for item key ``k``."""
    return f"abs(hashint8extended(k, {seed}) %% {choices})::int"


# Only pick() expressions are interpolated; the word lists are bound parameters.
ITEMS_SQL = f"""
INSERT INTO homes.items (
    id, space_id, room_id, name, description, category, manufacturer, model_number,
    serial_number, purchase_date, purchase_price, warranty_until, condition, metadata,
    deleted_at)
SELECT
    uuidv7(), r.space_id, r.id,
    CASE WHEN {pick(3, 4)} = 0 THEN r.name || ' ' || lower(p.name) ELSE p.name END,
    format('%%s %%s by %%s. %%s; %%s.',
        initcap((%(finishes)s::text[])[1 + {pick(7, "cardinality(%(finishes)s::text[])")}]),
        lower(p.name), maker,
        initcap((%(features)s::text[])[1 + {pick(8, "cardinality(%(features)s::text[])")}]),
        (%(features)s::text[])[1 + {pick(9, "cardinality(%(features)s::text[])")}]),
    p.category,
    maker,
    upper(left(regexp_replace(maker, '[^A-Za-z]', '', 'g'), 3))
        || lpad({pick(4, 100_000)}::text, 5, '0')
        || chr(65 + {pick(5, 26)}) || chr(65 + {pick(6, 26)}),
    upper(left(md5(k::text), 12)),
    bought,
    round(19.99 + {pick(10, 300_000)} / 100.0, 2),
    CASE WHEN {pick(11, 3)} > 0 THEN bought + 365 * (1 + {pick(12, 5)}) END,
    (%(conditions)s::text[])[1 + {pick(13, 4)}],
    CASE WHEN p.category = 'appliance'
        THEN jsonb_build_object('energy_star', {pick(14, 2)} = 0, 'voltage', 120)
        ELSE '{{}}'::jsonb END,
    CASE WHEN {pick(15, 100)} = 0 THEN now() END
FROM bench_rooms r
CROSS JOIN LATERAL generate_series(0, r.items - 1) AS g
CROSS JOIN LATERAL (SELECT r.no * 1000000 + g AS k) AS key
JOIN bench_products p ON p.no = {pick(1, len(PRODUCTS))}
CROSS JOIN LATERAL (
    SELECT p.makers[1 + {pick(2, "cardinality(p.makers)")}] AS maker,
           date '2005-01-01' + {pick(16, 7000)} AS bought
) AS drawn
WHERE r.no >= %(first)s AND r.no < %(last)s
"""  # noqa: S608


def data_version() -> str:
    """What the loaded data depends on: the migrations (the schema, its indexes) and this
    loader. A database loaded under another version is rebuilt."""
    digest = hashlib.sha256(f"{TOTAL_ITEMS} {ITEMS_SQL}".encode())
    for migration in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(migration.read_bytes())
    return f"bench data {digest.hexdigest()[:16]}"


def load(server: DatabaseUrls) -> DatabaseUrls:
    """A fresh, migrated database filled with the homes, their owners, rooms and items."""
    started = time.perf_counter()
    urls = fresh_database(server, DATABASE)
    print(f"migrated {DATABASE} in {time.perf_counter() - started:.1f} s")
    with connect(urls.owner) as conn:
        deferred = _drop_secondary_indexes(conn)
        _create_homes_and_rooms(conn)
        rooms = _scalar(conn, "SELECT count(*) FROM bench_rooms")
        for first in range(0, rooms, ROOMS_PER_STATEMENT):
            conn.execute(
                ITEMS_SQL,
                {
                    "finishes": list(FINISHES),
                    "features": list(FEATURES),
                    "conditions": list(CONDITIONS),
                    "first": first,
                    "last": first + ROOMS_PER_STATEMENT,
                },
            )
            done = _scalar(conn, "SELECT count(*) FROM homes.items")
            print(f"  {done:>9,} items  {time.perf_counter() - started:6.1f} s", flush=True)
        conn.execute("SET maintenance_work_mem = '512MB'")
        for definition in deferred:
            conn.execute(definition)
        print(f"indexes rebuilt      {time.perf_counter() - started:6.1f} s")
    with connect(urls.owner, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) homes.items")
        conn.execute("ANALYZE")
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(DATABASE), sql.Literal(data_version())
            )
        )
    print(f"loaded {TOTAL_ITEMS:,} items in {time.perf_counter() - started:.0f} s")
    return urls


def _drop_secondary_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop the items' secondary indexes (building them once, after loading, is much faster)
    and return their definitions, exactly as the migrations made them."""
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'homes' "
        "AND tablename = 'items' AND indexname <> 'pk_items'"
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX homes.{name}")
    return [definition for _, definition in rows]


def _create_homes_and_rooms(conn: psycopg.Connection) -> None:
    """Home 0 is the big one; every home has one owner who sees it through RLS."""
    conn.execute(
        """
        CREATE TEMP TABLE bench_homes AS
        SELECT h, uuidv7() AS user_id, uuidv7() AS space_id,
               CASE WHEN h = 0 THEN %(big_rooms)s ELSE %(rooms)s END AS rooms,
               CASE WHEN h = 0 THEN %(big_items)s ELSE %(items)s END AS items
        FROM generate_series(0, %(homes)s) AS h
        """,
        {
            "homes": NORMAL_HOMES,
            "rooms": NORMAL_ROOMS,
            "items": NORMAL_ITEMS_PER_ROOM,
            "big_rooms": BIG_ROOMS,
            "big_items": BIG_ITEMS_PER_ROOM,
        },
    )
    conn.execute(
        "INSERT INTO platform.users (id, email, display_name, password_hash) "
        "SELECT user_id, 'owner' || h || '@homes.example', 'Owner ' || h, 'not-a-hash' "
        "FROM bench_homes"
    )
    conn.execute(
        "INSERT INTO platform.spaces (id, kind, name, created_by) "
        "SELECT space_id, 'home', CASE WHEN h = 0 THEN 'Big estate' ELSE 'Home ' || h END, "
        "user_id FROM bench_homes"
    )
    conn.execute(
        "INSERT INTO platform.space_members (space_id, user_id, role) "
        "SELECT space_id, user_id, 'owner' FROM bench_homes"
    )
    conn.execute(
        "INSERT INTO homes.homes (space_id, address, home_type, year_built, square_feet) "
        "SELECT space_id, h || ' Maple Street', 'single_family', 1950 + h % 70, 900 + h % 2000 "
        "FROM bench_homes"
    )
    conn.execute(
        "CREATE TEMP TABLE bench_products (no int, category text, name text, makers text[])"
    )
    with conn.cursor().copy("COPY bench_products FROM STDIN") as copy:
        for no, product in enumerate(PRODUCTS):
            copy.write_row((no, product.category, product.name, list(product.makers)))
    names = [name for name, _, _ in ROOM_NAMES]
    types = [kind for _, kind, _ in ROOM_NAMES]
    floors = [floor for _, _, floor in ROOM_NAMES]
    conn.execute(
        """
        CREATE TEMP TABLE bench_rooms AS
        SELECT (row_number() OVER (ORDER BY b.h, n) - 1)::bigint AS no, uuidv7() AS id,
               b.space_id, b.items, n,
               (%(names)s::text[])[1 + n %% cardinality(%(names)s::text[])]
                 || CASE WHEN n >= cardinality(%(names)s::text[])
                    THEN ' ' || (1 + n / cardinality(%(names)s::text[])) ELSE '' END AS name
        FROM bench_homes b CROSS JOIN LATERAL generate_series(0, b.rooms - 1) AS n
        """,
        {"names": names},
    )
    conn.execute(
        """
        INSERT INTO homes.rooms (id, space_id, name, room_type, floor, sort_order)
        SELECT id, space_id, name,
               (%(types)s::text[])[1 + n %% cardinality(%(types)s::text[])],
               (%(floors)s::int[])[1 + n %% cardinality(%(floors)s::int[])],
               n * 10
        FROM bench_rooms
        """,
        {"types": types, "floors": floors},
    )


def _scalar(conn: psycopg.Connection, query: str) -> int:
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def loaded_database(server: DatabaseUrls) -> tuple[DatabaseUrls | None, str]:
    """The database of an earlier run if it can be reused, and why (not)."""
    urls = database_urls(server, DATABASE)
    try:
        with connect(urls.owner) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone()
            count = _scalar(conn, "SELECT count(*) FROM homes.items")
    except psycopg.Error:
        return None, f"no {DATABASE} yet"
    if (row[0] if row else None) != data_version():
        return None, "the migrations or the loader changed since it was loaded"
    if count != TOTAL_ITEMS:
        return None, f"it holds {count:,} items, not {TOTAL_ITEMS:,}"
    if not text_search_leakproof(urls):
        return None, "it was created before the server marked text search LEAKPROOF"
    return urls, f"reusing {DATABASE} ({TOTAL_ITEMS:,} items); --reload rebuilds it"


# Searching


@dataclass(frozen=True)
class Target:
    """A home to search in, the member searching, and one model number found in it."""

    user_id: uuid.UUID
    home_id: uuid.UUID
    model_number: str


@dataclass(frozen=True)
class Case:
    name: str
    terms: Callable[[Target], str]


CASES = (
    Case("product 'dishwasher'", lambda _: "dishwasher"),
    Case("maker 'bosch'", lambda _: "bosch"),
    Case("two words 'samsung fridge'", lambda _: "samsung fridge"),
    Case("description 'stainless steel'", lambda _: "stainless steel"),
    Case("one model number", lambda target: target.model_number),
    Case("no match 'zeppelin'", lambda _: "zeppelin"),
)


def targets(urls: DatabaseUrls, count: int) -> tuple[list[Target], list[Target]]:
    """``count`` normal homes (one model number each) and the big home ``count`` times (a
    different model number each time)."""
    with connect(urls.owner) as conn:
        normal = conn.execute(
            """
            SELECT m.user_id, s.id,
                   (SELECT i.model_number FROM homes.items i
                    WHERE i.space_id = s.id AND i.deleted_at IS NULL LIMIT 1)
            FROM platform.spaces s JOIN platform.space_members m ON m.space_id = s.id
            WHERE s.name <> 'Big estate' ORDER BY hashtext(s.id::text) LIMIT %s
            """,
            (count,),
        ).fetchall()
        big = conn.execute(
            """
            SELECT m.user_id, s.id, i.model_number
            FROM platform.spaces s JOIN platform.space_members m ON m.space_id = s.id
            JOIN homes.items i ON i.space_id = s.id AND i.deleted_at IS NULL
            WHERE s.name = 'Big estate' ORDER BY hashtext(i.id::text) LIMIT %s
            """,
            (count,),
        ).fetchall()
    return [Target(*row) for row in normal], [Target(*row) for row in big]


async def search(database: Database, target: Target, terms: str) -> int:
    """One search as a request makes it: its own transaction, RLS scoped to the member."""
    async with database.sessionmaker() as session, session.begin():
        await set_user_context(session, target.user_id)
        page = await service.list_items(
            session,
            AuthSubject(target.user_id),
            target.home_id,
            q=terms,
            room_id=None,
            category=None,
            metadata={},
            warranty_within_days=None,
            deleted=False,
            cursor=None,
            limit=PAGE,
        )
        return len(page.items)


async def measure(
    database: Database, homes: dict[str, list[Target]], warmup: int
) -> dict[tuple[str, str], list[float]]:
    """Every (home kind, case, target) search once, in a shuffled order; milliseconds."""
    runs = [
        (kind, case, target)
        for kind, kind_targets in homes.items()
        for case in CASES
        for target in kind_targets
    ]
    random.Random(7).shuffle(runs)  # noqa: S311 - a reproducible order, not a secret
    for _, case, target in runs[:warmup]:
        await search(database, target, case.terms(target))
    samples: dict[tuple[str, str], list[float]] = {}
    for kind, case, target in runs:
        started = time.perf_counter()
        await search(database, target, case.terms(target))
        elapsed_ms = (time.perf_counter() - started) * 1000
        samples.setdefault((kind, case.name), []).append(elapsed_ms)
    return samples


async def prepared_plans(database: Database) -> tuple[int, int]:
    """How many generic and custom plans the prepared search statement ran on one pooled
    connection (psycopg prepares a statement after its fifth execution)."""
    async with database.sessionmaker() as session:
        row = (
            await session.execute(
                text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE '%websearch_to_tsquery%'"
                )
            )
        ).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def matches(urls: DatabaseUrls, target: Target, terms: str) -> int:
    """How many live items of the home match (what the ranking has to sort)."""
    with connect(urls.owner) as conn:
        row = conn.execute(
            "SELECT count(*) FROM homes.items WHERE space_id = %s AND deleted_at IS NULL "
            "AND search_vector @@ websearch_to_tsquery('english', %s)",
            (target.home_id, terms),
        ).fetchone()
    return int(row[0]) if row else 0


async def explain(database: Database, target: Target, terms: str, generic: bool) -> str:
    """EXPLAIN ANALYZE of the repository's search statement, as the member, prepared as the
    server runs it, with the kind of plan (generic or custom) it settled on."""
    statement = repo.ranked_search(repo.items_of_home(target.home_id), terms, PAGE)
    dialect = PGDialect_psycopg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
    compiled = statement.compile(dialect=dialect)
    assert compiled.positiontup is not None
    arguments = sql.SQL(", ").join(
        [sql.Literal(compiled.params[name]) for name in compiled.positiontup]
    )
    mode = "force_generic_plan" if generic else "force_custom_plan"
    async with database.sessionmaker() as session, session.begin():
        await set_user_context(session, target.user_id)
        await session.execute(text(f"SET LOCAL plan_cache_mode = {mode}"))
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        assert isinstance(raw, psycopg.AsyncConnection)
        await raw.execute(sql.SQL("PREPARE bench_search AS {}").format(sql.SQL(str(compiled))))
        cursor = await raw.execute(
            sql.SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE bench_search({})").format(
                arguments
            )
        )
        plan = [f"    {row[0]}" for row in await cursor.fetchall()]
        await raw.execute("DEALLOCATE bench_search")
    return "\n".join(plan)


# Main


async def run(urls: DatabaseUrls, per_case: int, show_plans: bool) -> None:
    normal, big = targets(urls, per_case)
    homes = {"normal home (450 items)": normal, "big home (100k items)": big}
    database = Database.connect(urls.app, pool_size=2)
    try:
        started = time.perf_counter()
        samples = await measure(database, homes, warmup=60)
        elapsed = time.perf_counter() - started
        print(f"{sum(map(len, samples.values()))} searches in {elapsed:.0f} s")
        generic_plans, custom_plans = await prepared_plans(database)
        print(
            f"the prepared search statement ran {generic_plans} generic and {custom_plans} "
            "custom plans on one pooled connection"
        )
        rows: list[tuple[str, Summary, str]] = []
        slow: list[tuple[str, Target, str]] = []
        for kind, kind_targets in homes.items():
            for case in CASES:
                summary = Summary.of(samples[(kind, case.name)])
                example = kind_targets[0]
                found = matches(urls, example, case.terms(example))
                rows.append((f"{kind}: {case.name}", summary, f"{found:,} matches"))
                if show_plans or summary.p95 > GOAL_MS:
                    slow.append((f"{kind}: {case.name}", example, case.terms(example)))
        print(f"\nms per list_items(q=...), at most {PAGE} results; goal p95 <= {GOAL_MS:.0f} ms")
        print_table(rows, GOAL_MS)
        for name, target, terms in slow:
            print(f"\nEXPLAIN ANALYZE, {name} (q={terms!r}):")
            print(await explain(database, target, terms, generic_plans > custom_plans))
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="rebuild the data from scratch")
    parser.add_argument("--queries", type=int, default=200, help="searches per case and home")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every case")
    args = parser.parse_args()
    server = start_server()
    urls, why = (None, "--reload") if args.reload else loaded_database(server)
    print(why)
    if urls is None:
        urls = load(server)
    print("\n".join(machine_description(urls)))
    leakproof = text_search_leakproof(urls)
    print(
        "tsvector @@ tsquery (ts_match_vq) LEAKPROOF in the bench database: "
        f"{leakproof}"
        + ("" if leakproof else " (row-level security keeps the text index out of reach)")
    )
    asyncio.run(run(urls, args.queries, args.explain))


if __name__ == "__main__":
    main()
