"""The inventory endpoint under load: is p95 at most 50 ms at 20 concurrent clients?

What it measures: ``GET /api/v1/homes/{id}/inventory`` (rooms, their items, attachment
counts) of a home with 10 rooms x 50 items and a few attachments, served by the real
application: uvicorn running ``commonhold.app:create_asgi_app`` in a subprocess, on a fresh
database (``commonhold_bench_inventory`` on the benchmarks' embedded server under
``.commonhold/bench``) migrated to head. Everything is created through the API: a user
signs up, is put on the premium plan (a subscription row written as the owner role, as
``commonhold set-plan`` does), creates the home, rooms, items and attachments.

The load: 20 tasks of one ``httpx.AsyncClient`` each send one request after another for
20 seconds, after a warm-up; the latency is measured by the client, from sending the
request to having read the whole response. The server's own time per request (its access
log's ``duration_ms``) is summarised too. The load generator, the server and PostgreSQL
share the same machine.

For reference, the same load is then sent to ``GET /api/v1/homes/{id}`` (one small row): what
any authenticated request costs on this machine, whatever it reads.

The API's per-user rate limit is raised for the run (one user sends every request).

Run:  .venv/bin/python bench/homes_inventory.py
      .venv/bin/python bench/homes_inventory.py --clients 1 --seconds 10 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from _api_server import free_port, server_durations, start_api, wait_until_ready
from _homes_data import (
    FEATURES,
    FINISHES,
    PRODUCTS,
    ROOM_NAMES,
    Summary,
    connect,
    fresh_database,
    machine_description,
    print_table,
    signed_up,
    start_server,
)

from commonhold.platform.db.server import DatabaseUrls

DATABASE = "commonhold_bench_inventory"
GOAL_MS = 50.0
ROOMS, ITEMS_PER_ROOM = 10, 50
ATTACHED_ITEMS, ATTACHMENTS_PER_ITEM = 8, 2
ROUTE = "/api/v1/homes/{home_id}/inventory"
REFERENCE_ROUTE = "/api/v1/homes/{home_id}"


# The home


@dataclass(frozen=True)
class Home:
    id: str
    headers: dict[str, str]


async def create_home(client: httpx.AsyncClient, urls: DatabaseUrls) -> Home:
    """A premium user's home with its rooms, items and a few attachments, made via the API."""
    headers = {"Authorization": f"Bearer {await signed_up(client, urls, 'bench@homes.example')}"}
    me = (await client.get("/api/v1/me", headers=headers)).json()
    put_on_premium(urls, me["id"])
    home = await client.post(
        "/api/v1/homes",
        json={"name": "Maple Street house", "home_type": "single_family", "year_built": 1978},
        headers=headers,
    )
    home.raise_for_status()
    home_id = home.json()["id"]
    draw = random.Random(11)  # noqa: S311 - reproducible test data, not a secret
    item_ids: list[str] = []
    for position in range(ROOMS):
        name, room_type, floor = ROOM_NAMES[position % len(ROOM_NAMES)]
        room = await client.post(
            f"/api/v1/homes/{home_id}/rooms",
            json={"name": name, "room_type": room_type, "floor": floor},
            headers=headers,
        )
        room.raise_for_status()
        bodies = [item_body(draw) for _ in range(ITEMS_PER_ROOM)]
        created = await asyncio.gather(
            *(
                client.post(f"/api/v1/rooms/{room.json()['id']}/items", json=body, headers=headers)
                for body in bodies
            )
        )
        for response in created:
            response.raise_for_status()
            item_ids.append(response.json()["id"])
    for item_id in item_ids[:ATTACHED_ITEMS]:
        for kind in ("receipt", "manual")[:ATTACHMENTS_PER_ITEM]:
            attachment = await client.post(
                f"/api/v1/items/{item_id}/attachments",
                json={
                    "file_url": f"https://files.example/{item_id}/{kind}.pdf",
                    "file_type": "application/pdf",
                    "file_name": f"{kind}.pdf",
                    "file_size": 250_000,
                },
                headers=headers,
            )
            attachment.raise_for_status()
    return Home(home_id, headers)


def put_on_premium(urls: DatabaseUrls, user_id: str) -> None:
    """What billing (or ``commonhold set-plan``) does; the application role cannot."""
    with connect(urls.owner) as conn:
        conn.execute(
            "INSERT INTO platform.subscriptions (id, user_id, tier, status) "
            "VALUES (gen_random_uuid(), %s, 'premium', 'active') "
            "ON CONFLICT (user_id) DO UPDATE SET tier = 'premium', status = 'active'",
            (user_id,),
        )


def item_body(draw: random.Random) -> dict[str, Any]:
    product = draw.choice(PRODUCTS)
    maker = draw.choice(product.makers)
    bought = date(2005, 1, 1) + timedelta(days=draw.randrange(7000))
    return {
        "name": product.name,
        "category": product.category,
        "manufacturer": maker,
        "model_number": f"{maker[:3].upper()}{draw.randrange(100_000):05d}",
        "serial_number": f"{draw.getrandbits(48):012X}",
        "description": f"{draw.choice(FINISHES).capitalize()} {product.name.lower()} by "
        f"{maker}. {draw.choice(FEATURES).capitalize()}.",
        "purchase_date": bought.isoformat(),
        "purchase_price": f"{draw.uniform(20, 3000):.2f}",
        "warranty_until": (bought + timedelta(days=365 * draw.randint(1, 5))).isoformat(),
        "condition": draw.choice(("excellent", "good", "fair", "poor")),
    }


# The load


@dataclass
class Results:
    latencies_ms: list[float]
    failures: int
    seconds: float
    response_bytes: int


async def hammer(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], clients: int, seconds: float
) -> Results:
    """``clients`` tasks each sending one request after the other until the time is up."""
    latencies: list[float] = []
    failures = 0
    size = 0
    deadline = time.perf_counter() + seconds

    async def one_client() -> None:
        nonlocal failures, size
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if response.status_code == 200:
                latencies.append(elapsed_ms)
                size = len(response.content)
            else:
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return Results(latencies, failures, time.perf_counter() - started, size)


async def run(urls: DatabaseUrls, clients: int, seconds: float, workers: int) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "api.log"
        server = start_api(urls, port, workers, log)
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
            ) as client:
                await wait_until_ready(client, server)
                started = time.perf_counter()
                home = await create_home(client, urls)
                print(
                    f"home of {ROOMS} rooms x {ITEMS_PER_ROOM} items, "
                    f"{ATTACHED_ITEMS * ATTACHMENTS_PER_ITEM} attachments, created through "
                    f"the API in {time.perf_counter() - started:.1f} s"
                )
                measured: dict[str, tuple[Results, Results]] = {}
                for route in (ROUTE, REFERENCE_ROUTE):
                    path = route.format(home_id=home.id)
                    warmup = await hammer(client, path, home.headers, clients, 3)
                    measured[route] = (
                        warmup,
                        await hammer(client, path, home.headers, clients, seconds),
                    )
        finally:
            server.terminate()
            server.wait(30)
        for route, (warmup, results) in measured.items():
            skip = len(warmup.latencies_ms) + warmup.failures
            report(route, results, server_durations(log, route, skip), clients, workers)


def report(
    route: str, results: Results, on_server: list[float], clients: int, workers: int
) -> None:
    count = len(results.latencies_ms)
    print(
        f"\nGET {route}: {count} requests in {results.seconds:.1f} s from {clients} "
        f"concurrent clients = {count / results.seconds:.0f} requests/s; "
        f"{results.failures} failed; {results.response_bytes:,} bytes per response; "
        f"{workers} uvicorn worker(s)"
    )
    rows = [("client (end to end, under load)", Summary.of(results.latencies_ms), "")]
    if on_server:
        rows.append(("server (its access log's duration_ms)", Summary.of(on_server), ""))
    print_table(rows, GOAL_MS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=20, help="how long to send requests")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    server = start_server()
    urls = fresh_database(server, DATABASE)
    print("\n".join(machine_description(urls)))
    print(f"goal p95 <= {GOAL_MS:.0f} ms")
    asyncio.run(run(urls, args.clients, args.seconds, args.workers))


if __name__ == "__main__":
    main()
