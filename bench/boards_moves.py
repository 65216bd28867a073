"""50 people moving cards on one board at once for 60 s: is any card lost or duplicated, and
does every client end with the server's order?

The board: 20 lists of 25 cards, made through the API by its owner; 49 more people join the
workspace (their memberships written as accepting an invitation would) and the board. Each of
the 50 clients is one person with a Socket.IO connection (python-socketio, WebSocket) and an
HTTP client, and keeps its own copy of the board as a user's screen would: loaded once with
``GET /api/v1/boards/{id}``, then kept up to date by the ``sync:change`` events it hears,
each applied when its version is newer than what the client has.

Each client, for ``--seconds``, pauses a random 0 to 2 x ``--think`` seconds (1 s on average)
and moves a random card of its copy to a random list, in front of a random card of that list in
its copy (or last): ``POST /api/v1/cards/{id}/move`` with ``list_id`` and ``before_id``. A move
naming a neighbour that another person has just moved away answers ``422 unknown_neighbour``
and changes nothing: counted as refused. When the time is up and no event has arrived for 2 s,
the server's board is read once more and compared: every card once, none missing; and each
client's copy (cards of each list sorted by position) against it. Each client also times its
own moves' events: how long after the move's answer the change reaches it, as it reaches
everyone else.

Run:  .venv/bin/python bench/boards_moves.py
      .venv/bin/python bench/boards_moves.py --think 0       # no pause: as fast as it goes
      .venv/bin/python bench/boards_moves.py --clients 10 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import socketio
from _api_server import free_port, start_api, wait_until_ready
from _homes_data import (
    Summary,
    connect,
    fresh_database,
    machine_description,
    signed_up,
    start_server,
)

from commonhold.platform.db.server import DatabaseUrls

DATABASE = "commonhold_bench_board_moves"
LISTS, CARDS_PER_LIST = 20, 25
QUIET_SECONDS = 2.0
CARD = "boards.card"


@dataclass
class CardCopy:
    list_id: str
    position: str
    version: int


@dataclass
class Client:
    """One person's screen: their copy of the board and what they did to it."""

    name: str
    headers: dict[str, str]
    cards: dict[str, CardCopy] = field(default_factory=dict)
    heard: int = 0
    last_heard: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    # This client's own moves whose event it has not heard yet: (card, version) -> when the
    # move's answer came. How long after the answer the event comes is how far behind the
    # others' screens are.
    awaiting: dict[tuple[str, int], float] = field(default_factory=dict)
    echoes_ms: list[float] = field(default_factory=list)

    def hear(self, change: dict[str, Any]) -> None:
        self.heard += 1
        self.last_heard = time.monotonic()
        if change["entity_type"] != CARD:
            return
        sent = self.awaiting.pop((change["entity_id"], change["version"]), None)
        if sent is not None:
            self.echoes_ms.append((self.last_heard - sent) * 1000)
        card_id, fields = change["entity_id"], change["fields"]
        if change["action"] == "removed":
            self.cards.pop(card_id, None)
            return
        known = self.cards.get(card_id)
        if known is not None and known.version >= change["version"]:
            return  # the copy is already newer (loaded after this change)
        if known is None:
            known = self.cards[card_id] = CardCopy(fields["list_id"], fields["position"], 0)
        known.list_id = fields.get("list_id", known.list_id)
        known.position = fields.get("position", known.position)
        known.version = change["version"]

    def load(self, board: dict[str, Any]) -> None:
        for board_list in board["lists"]:
            for card in board_list["cards"]:
                known = self.cards.get(card["id"])
                if known is None or known.version < card["version"]:
                    self.cards[card["id"]] = CardCopy(
                        card["list_id"], card["position"], card["version"]
                    )

    def order(self) -> dict[str, list[str]]:
        lists: dict[str, list[tuple[str, str]]] = {}
        for card_id, card in self.cards.items():
            lists.setdefault(card.list_id, []).append((card.position, card_id))
        return {
            list_id: [card_id for _, card_id in sorted(cards)] for list_id, cards in lists.items()
        }


def server_order(board: dict[str, Any]) -> dict[str, list[str]]:
    return {
        board_list["id"]: [card["id"] for card in board_list["cards"]]
        for board_list in board["lists"]
        if board_list["cards"]
    }


# Setting up


async def set_up(
    http: httpx.AsyncClient, urls: DatabaseUrls, people: int
) -> tuple[str, list[str], list[Client]]:
    """The board, its lists, and one client per person (the owner first)."""
    clients = [
        Client(f"person {n}", await _headers(http, urls, f"person{n}@moves.example"))
        for n in range(people)
    ]
    owner = clients[0].headers
    workspace = await _post(http, "/api/v1/workspaces", {"name": "Moves"}, owner)
    board = await _post(
        http, f"/api/v1/workspaces/{workspace['id']}/boards", {"name": "Busy"}, owner
    )
    for client in clients[1:]:
        user_id = (await http.get("/api/v1/me", headers=client.headers)).json()["id"]
        join_workspace(urls, workspace["id"], user_id)
        await _post(http, f"/api/v1/boards/{board['id']}/members", {"user_id": user_id}, owner)
    lists = []
    for n in range(LISTS):
        made = await _post(http, f"/api/v1/boards/{board['id']}/lists", {"name": f"L{n}"}, owner)
        lists.append(made["id"])
        await asyncio.gather(
            *(
                _post(http, f"/api/v1/lists/{made['id']}/cards", {"title": f"{n}.{c}"}, owner)
                for c in range(CARDS_PER_LIST)
            )
        )
    return board["id"], lists, clients


async def _headers(http: httpx.AsyncClient, urls: DatabaseUrls, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await signed_up(http, urls, email)}"}


async def _post(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await http.post(path, json=body, headers=headers)
    if not response.is_success:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
    made: dict[str, Any] = response.json()
    return made


def join_workspace(urls: DatabaseUrls, workspace_id: str, user_id: str) -> None:
    """What accepting an invitation does (the benchmark reads no mail)."""
    with connect(urls.owner) as conn:
        conn.execute(
            "INSERT INTO platform.space_members (space_id, user_id, role) "
            "VALUES (%s, %s, 'editor')",
            (workspace_id, user_id),
        )


# Moving


async def connect_client(url: str, client: Client) -> socketio.AsyncClient:
    sio = socketio.AsyncClient(reconnection=False)
    ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    sio.on("session:ready", ready.set_result)
    sio.on("sync:change", client.hear)
    token = client.headers["Authorization"].removeprefix("Bearer ")
    await sio.connect(url, auth={"token": token}, transports=["websocket"])
    await asyncio.wait_for(ready, 30)
    return sio


async def move_for(
    http: httpx.AsyncClient,
    client: Client,
    lists: list[str],
    seconds: float,
    think: float,
    seed: int,
) -> None:
    """Moves until ``seconds`` are up, pausing a random 0 to 2 x ``think`` seconds before each
    (the time a person takes to pick the next card)."""
    draw = random.Random(seed)  # noqa: S311 - a benchmark's choices, not a secret
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(draw.uniform(0, 2 * think))
        card_id = draw.choice(list(client.cards))
        target = draw.choice(lists)
        neighbours = [c for c in client.order().get(target, []) if c != card_id]
        spot = draw.randint(0, len(neighbours))
        body: dict[str, Any] = {"list_id": target}
        if spot < len(neighbours):
            body["before_id"] = neighbours[spot]
        started = time.perf_counter()
        response = await http.post(
            f"/api/v1/cards/{card_id}/move", json=body, headers=client.headers
        )
        client.latencies_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code == 200:
            client.outcomes["moved"] += 1
            moved = (card_id, response.json()["version"])
            if client.cards[card_id].version < moved[1]:  # its event has not come yet
                client.awaiting[moved] = time.monotonic()
        elif response.status_code == 422:
            client.outcomes[response.json()["code"]] += 1
        else:
            client.outcomes[f"{response.status_code} {response.text[:80]}"] += 1


async def quiet(clients: list[Client]) -> None:
    """Until no client has heard anything for ``QUIET_SECONDS`` (socket callbacks note when
    each event arrived; silence is the absence of events, which no event can signal)."""
    while True:
        silence = time.monotonic() - max(c.last_heard for c in clients)
        if silence >= QUIET_SECONDS:
            return
        await asyncio.sleep(QUIET_SECONDS - silence)


async def run(urls: DatabaseUrls, people: int, seconds: float, think: float) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as scratch:
        server = start_api(urls, port, 1, Path(scratch) / "api.log")
        # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) can close
        # one under a request about to use it.
        limits = httpx.Limits(
            max_connections=people, max_keepalive_connections=people, keepalive_expiry=2
        )
        sockets: list[socketio.AsyncClient] = []
        try:
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:
                await wait_until_ready(http, server)
                board_id, lists, clients = await set_up(http, urls, people)
                board_url = f"/api/v1/boards/{board_id}"
                for client in clients:
                    sockets.append(await connect_client(base, client))
                    client.load((await http.get(board_url, headers=client.headers)).json())
                started = time.monotonic()
                await asyncio.gather(
                    *(move_for(http, c, lists, seconds, think, n) for n, c in enumerate(clients))
                )
                moving = time.monotonic() - started
                await quiet(clients)
                truth = (await http.get(board_url, headers=clients[0].headers)).json()
        finally:
            for sio in sockets:
                await sio.disconnect()
            server.terminate()
            server.wait(30)
    report(clients, truth, moving)


def report(clients: list[Client], truth: dict[str, Any], moving: float) -> None:
    expected = LISTS * CARDS_PER_LIST
    on_server = [card["id"] for board_list in truth["lists"] for card in board_list["cards"]]
    outcomes: Counter[str] = Counter()
    for client in clients:
        outcomes.update(client.outcomes)
    order = server_order(truth)
    identical = sum(client.order() == order for client in clients)
    moved = outcomes["moved"]
    print(
        f"\n{len(clients)} clients moved cards for {moving:.0f} s: {moved} moves "
        f"({moved / moving:.0f}/s); other answers: "
        + (", ".join(f"{n} {what}" for what, n in outcomes.items() if what != "moved") or "none")
    )
    latency = Summary.of([ms for client in clients for ms in client.latencies_ms])
    print(
        f"move latency (client, end to end): p50 {latency.p50:.1f} ms, p95 {latency.p95:.1f} ms, "
        f"p99 {latency.p99:.1f} ms, max {latency.max:.1f} ms"
    )
    echoes = [ms for client in clients for ms in client.echoes_ms]
    if echoes:
        echo = Summary.of(echoes)
        print(
            f"a move's event, after its answer (n={echo.count}): p50 {echo.p50:.1f} ms, "
            f"p95 {echo.p95:.1f} ms, max {echo.max:.1f} ms"
        )
    distinct = len(set(on_server))
    print(
        f"cards on the server: {len(on_server)} of {expected}, {distinct} distinct "
        f"(lost: {expected - distinct}, duplicated: {len(on_server) - distinct})"
    )
    print(
        f"clients whose copy equals the server's order: {identical} of {len(clients)}; "
        f"events heard per client: {min(c.heard for c in clients)}-{max(c.heard for c in clients)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="people moving cards")
    parser.add_argument("--seconds", type=float, default=60, help="how long they move cards")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause before each move, in seconds"
    )
    args = parser.parse_args()
    server = start_server()
    urls = fresh_database(server, DATABASE)
    print("\n".join(machine_description(urls)))
    asyncio.run(run(urls, args.clients, args.seconds, args.think))


if __name__ == "__main__":
    main()
