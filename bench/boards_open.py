"""Opening a board of 5,000 cards across 20 lists: is the server's p95 at most 200 ms, and is
the number of SQL statements the same as for a board of one card?

What it measures: ``GET /api/v1/boards/{id}``, the whole board (lists in order, their cards in
order with labels, assignees, comment counts and checklist progress, the board's labels and
members), served by the real application: uvicorn running ``commonhold.app:create_asgi_app``
in a subprocess, on a fresh database (``commonhold_bench_boards`` on the benchmarks' embedded
server under ``.commonhold/bench``) migrated to head. Everything is made through the API: an
owner signs up, creates a workspace, a board, 20 lists, 8 labels and 5,000 cards; every third
card gets a label, every fourth an assignee (a second member of the workspace and board),
every tenth a comment and every twentieth a checklist of three items, one of them done.

The load: ``--clients`` tasks send one request after another for ``--seconds`` after a
warm-up; the client measures from sending to having read the whole response, the server's
access log gives its own time. The statements: the same board opened in this process through
the ASGI app, with every statement its engine runs counted, next to a board of one list and
one card.

Run:  .venv/bin/python bench/boards_open.py
      .venv/bin/python bench/boards_open.py --cards 1000 --clients 4 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _api_server import free_port, server_durations, start_api, wait_until_ready
from _homes_data import (
    Summary,
    connect,
    fresh_database,
    machine_description,
    print_table,
    signed_up,
    start_server,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine

from commonhold.app import create_app
from commonhold.platform.db.server import DatabaseUrls
from commonhold.platform.db.session import Database
from commonhold.settings import Settings

DATABASE = "commonhold_bench_boards"
GOAL_MS = 200.0
LISTS, LABELS = 20, 8
ROUTE = "/api/v1/boards/{board_id}"
# Requests in flight while the board is filled: enough to keep the server busy.
FILLING = 16


@dataclass(frozen=True)
class Board:
    id: str
    headers: dict[str, str]


# Filling the board


async def fill_board(client: httpx.AsyncClient, urls: DatabaseUrls, cards: int) -> Board:
    owner = {"Authorization": f"Bearer {await signed_up(client, urls, 'owner@boards.example')}"}
    helper_token = await signed_up(client, urls, "grace@boards.example", "Grace")
    helper = {"Authorization": f"Bearer {helper_token}"}
    workspace = await _created(client, "/api/v1/workspaces", {"name": "Launch"}, owner)
    grace = (await client.get("/api/v1/me", headers=helper)).json()["id"]
    add_workspace_member(urls, workspace["id"], grace)
    board = await _created(
        client, f"/api/v1/workspaces/{workspace['id']}/boards", {"name": "Relaunch"}, owner
    )
    board_url = f"/api/v1/boards/{board['id']}"
    await _created(client, f"{board_url}/members", {"user_id": grace, "role": "member"}, owner)
    lists = [
        (await _created(client, f"{board_url}/lists", {"name": f"Stage {n + 1}"}, owner))["id"]
        for n in range(LISTS)
    ]
    labels = [
        (await _created(client, f"{board_url}/labels", _label(n), owner))["id"]
        for n in range(LABELS)
    ]

    async def card(number: int) -> None:
        body = {"title": f"Task {number}: {_TITLES[number % len(_TITLES)]}"}
        if number % 5 == 0:
            body["description"] = "Agree the wording with the team before it goes out."
        made = await _created(client, f"/api/v1/lists/{lists[number % LISTS]}/cards", body, owner)
        url = f"/api/v1/cards/{made['id']}"
        if number % 3 == 0:
            await _created(client, f"{url}/labels", {"label_id": labels[number % LABELS]}, owner)
        if number % 4 == 0:
            await _created(client, f"{url}/assignees", {"user_id": grace}, owner)
        if number % 10 == 0:
            await _created(client, f"{url}/comments", {"body": "Looks good to me."}, helper)
        if number % 20 == 0:
            checklist = await _created(client, f"{url}/checklists", {"title": "Steps"}, owner)
            for step in ("Draft", "Review", "Publish"):
                item = await _created(
                    client, f"/api/v1/checklists/{checklist['id']}/items", {"text": step}, owner
                )
                if step == "Draft":
                    done = await client.patch(
                        f"/api/v1/checklist-items/{item['id']}", json={"done": True}, headers=owner
                    )
                    done.raise_for_status()

    await _in_batches([card(number) for number in range(cards)], FILLING)
    return Board(board["id"], owner)


def _label(number: int) -> dict[str, str]:
    return {"name": f"Theme {number}", "color": f"#{(number * 0x2F4B6D) % 0xFFFFFF:06x}"}


_TITLES = (
    "write the press release",
    "update the pricing page",
    "record the demo video",
    "brief the support team",
    "check the analytics events",
)


async def _created(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    if not response.is_success:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
    created: dict[str, Any] = response.json()
    return created


async def _in_batches(work: list[Any], size: int) -> None:
    for start in range(0, len(work), size):
        await asyncio.gather(*work[start : start + size])


def add_workspace_member(urls: DatabaseUrls, workspace_id: str, user_id: str) -> None:
    """What accepting an invitation does (the benchmark reads no mail)."""
    with connect(urls.owner) as conn:
        conn.execute(
            "INSERT INTO platform.space_members (space_id, user_id, role) "
            "VALUES (%s, %s, 'editor')",
            (workspace_id, user_id),
        )


# The load


async def hammer(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], clients: int, seconds: float
) -> tuple[list[float], int]:
    """Client latencies (ms) of ``clients`` tasks sending requests back to back, and the size
    of a response."""
    latencies: list[float] = []
    size = 0
    deadline = time.perf_counter() + seconds

    async def one_client() -> None:
        nonlocal size
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            response.raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
            size = len(response.content)

    await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, size


# The statements


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def statements_per_open(urls: DatabaseUrls, boards: dict[str, Board]) -> dict[str, int]:
    """SQL statements one opening of each board costs, in this process's app."""
    database = Database.connect(urls.app, pool_size=1)
    settings = Settings(
        database_url=urls.owner,
        app_database_url=urls.app,
        api_rate_limit="1000000/minute",
        log_json=False,
        log_level="WARNING",
    )
    app = create_app(settings=settings, database=database)
    counts = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, opened in boards.items():
                path = ROUTE.format(board_id=opened.id)
                (await client.get(path, headers=opened.headers)).raise_for_status()  # warm
                with counted_statements(database.engine.sync_engine) as statements:
                    (await client.get(path, headers=opened.headers)).raise_for_status()
                counts[name] = len(statements)
    finally:
        await database.dispose()
    return counts


async def small_board(client: httpx.AsyncClient, owner: dict[str, str]) -> Board:
    workspaces = (await client.get("/api/v1/workspaces", headers=owner)).json()["items"]
    board = await _created(
        client, f"/api/v1/workspaces/{workspaces[0]['id']}/boards", {"name": "Small"}, owner
    )
    stage = await _created(client, f"/api/v1/boards/{board['id']}/lists", {"name": "One"}, owner)
    await _created(client, f"/api/v1/lists/{stage['id']}/cards", {"title": "Only card"}, owner)
    return Board(board["id"], owner)


async def run(urls: DatabaseUrls, cards: int, clients: int, seconds: float) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "api.log"
        server = start_api(urls, port, 1, log)
        limits = httpx.Limits(
            max_connections=FILLING, max_keepalive_connections=FILLING, keepalive_expiry=2
        )
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
            ) as client:
                await wait_until_ready(client, server)
                started = time.perf_counter()
                board = await fill_board(client, urls, cards)
                print(
                    f"board of {LISTS} lists x {cards // LISTS} cards made through the API in "
                    f"{time.perf_counter() - started:.0f} s"
                )
                small = await small_board(client, board.headers)
                path = ROUTE.format(board_id=board.id)
                warmup, _ = await hammer(client, path, board.headers, clients, 3)
                latencies, size = await hammer(client, path, board.headers, clients, seconds)
        finally:
            server.terminate()
            server.wait(30)
        on_server = server_durations(log, ROUTE, len(warmup))
    statements = await statements_per_open(urls, {f"{cards:,} cards": board, "1 card": small})
    print(
        f"\nGET {ROUTE}: {len(latencies)} requests in {seconds:.0f} s from {clients} client(s); "
        f"{size:,} bytes per response"
    )
    print_table(
        [
            ("client (end to end)", Summary.of(latencies), ""),
            ("server (its access log's duration_ms)", Summary.of(on_server), ""),
        ],
        GOAL_MS,
    )
    print(
        "SQL statements per opening: "
        + ", ".join(f"{name}: {count}" for name, count in statements.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000, help="cards on the board")
    parser.add_argument("--clients", type=int, default=1, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=20, help="how long to send requests")
    args = parser.parse_args()
    server = start_server()
    urls = fresh_database(server, DATABASE)
    print("\n".join(machine_description(urls)))
    print(f"goal: server p95 <= {GOAL_MS:.0f} ms, the same statements whatever the size")
    asyncio.run(run(urls, args.cards, args.clients, args.seconds))


if __name__ == "__main__":
    main()
