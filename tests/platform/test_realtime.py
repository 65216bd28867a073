"""The Socket.IO gateway, served by a real uvicorn and reached by the python-socketio client."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import socketio
from httpx import ASGITransport, AsyncClient, TransportError
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.app import create_app
from commonhold.apps.homes.maintenance.generation import generate_instances
from commonhold.platform.db.session import Database
from commonhold.platform.sync.gateway import CHANGES_CHANNEL as CHANGES
from commonhold.platform.sync.gateway import MEMBERSHIP_CHANNEL as MEMBERSHIP
from commonhold.platform.sync.gateway import RealtimeGateway
from commonhold.settings import Settings
from tests.apps.boards.factories import create_board, create_list, create_workspace
from tests.apps.homes.factories import add_member, create_home, create_room
from tests.conftest import _free_port, delivering_mail
from tests.factories import TestUser, create_space, signup
from tests.live import LiveWorld, changes_heard, connect_socket, serving
from tests.mail import Inbox


@pytest.fixture
async def served(
    settings: Settings, database: Database
) -> AsyncIterator[tuple[str, RealtimeGateway]]:
    """A served app's URL and its gateway."""
    app = create_app(settings=settings, database=database)
    async with serving(app.state.realtime.asgi(app)) as url:
        yield url, app.state.realtime


@pytest.fixture
def server_url(served: tuple[str, RealtimeGateway]) -> str:
    return served[0]


async def test_connection_joins_the_users_spaces(client: AsyncClient, server_url: str) -> None:
    user = await signup(client)
    home = await create_space(client, user, kind="home")
    team = await create_space(client, user, kind="team")
    stranger = await signup(client)
    await create_space(client, stranger)

    sio, ready = await connect_socket(server_url, user.access_token)
    try:
        assert ready["user_id"] == str(user.id)
        assert sorted(ready["spaces"]) == sorted([home["id"], team["id"]])
    finally:
        await sio.disconnect()


@pytest.mark.parametrize("token", [None, "not-a-jwt"])
async def test_connection_without_valid_token_is_refused(
    server_url: str, token: str | None
) -> None:
    sio = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(
            server_url, auth={"token": token} if token else None, transports=["websocket"]
        )
    assert not sio.connected


async def test_a_committed_change_reaches_connected_members_and_nobody_else(
    live: LiveWorld, live_server_url: str
) -> None:
    owner, stranger = await live.user(), await live.user()
    home = await create_home(live.client, owner)
    start = (await live.client.get("/api/v1/sync", headers=owner.headers)).json()["next_cursor"]
    owner_socket, owner_heard = await changes_heard(live_server_url, owner.access_token)
    stranger_socket, stranger_heard = await changes_heard(live_server_url, stranger.access_token)
    try:
        async with AsyncClient(base_url=live_server_url) as http:
            created = await http.post(
                f"/api/v1/homes/{home['id']}/rooms", json={"name": "Pantry"}, headers=owner.headers
            )
            assert created.status_code == 201, created.text
        for _ in range(100):
            if owner_heard:
                break
            await asyncio.sleep(0.05)
        [change] = owner_heard
        assert (change["entity_type"], change["action"], change["version"]) == (
            "homes.room",
            "created",
            1,
        )
        assert change["entity_id"] == created.json()["id"]
        assert change["fields"]["name"] == "Pantry"
        assert change["actor_id"] == str(owner.id)
        # The live change carries the position /sync gives it.
        for _ in range(200):
            logged = await live.client.get(
                "/api/v1/sync", params={"cursor": start}, headers=owner.headers
            )
            if logged.json()["changes"]:
                break
            await asyncio.sleep(0.05)
        assert [c["cursor"] for c in logged.json()["changes"]] == [change["cursor"]]
        await asyncio.sleep(0.2)
        assert stranger_heard == []
    finally:
        await owner_socket.disconnect()
        await stranger_socket.disconnect()


@asynccontextmanager
async def _server_process(live: LiveWorld, redis_url: str) -> AsyncIterator[str]:
    """``commonhold serve`` in a process of its own, on the committed world's database."""
    port = _free_port()
    environment = {
        **os.environ,
        "COMMONHOLD_ENVIRONMENT": "test",
        "COMMONHOLD_SECRET_KEY": live.settings.secret_key.get_secret_value(),
        "COMMONHOLD_DATABASE_URL": live.urls.owner,
        "COMMONHOLD_APP_DATABASE_URL": live.urls.app,
        "COMMONHOLD_REDIS_URL": redis_url,
        "COMMONHOLD_PORT": str(port),
        "COMMONHOLD_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "commonhold"), "serve", env=environment
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with AsyncClient(base_url=url) as http:
            for _ in range(300):
                assert process.returncode is None, "the server exited"
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield url
    finally:
        process.terminate()
        await process.wait()


async def test_a_change_through_one_server_reaches_a_client_of_another(
    live: LiveWorld, redis_url: str
) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    async with (
        _server_process(live, redis_url) as first,
        _server_process(live, redis_url) as second,
    ):
        listener, heard = await changes_heard(second, owner.access_token)
        try:
            async with AsyncClient(base_url=first) as http:
                created = await http.post(
                    f"/api/v1/homes/{home['id']}/rooms",
                    json={"name": "Sunroom"},
                    headers=owner.headers,
                )
                assert created.status_code == 201, created.text
            for _ in range(100):
                if heard:
                    break
                await asyncio.sleep(0.05)
            assert [(c["entity_id"], c["fields"]["name"]) for c in heard] == [
                (created.json()["id"], "Sunroom")
            ]
        finally:
            await listener.disconnect()


async def test_a_connection_ends_when_its_token_expires(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    short_lived = settings.model_copy(update={"access_token_ttl_seconds": 2})
    app = create_app(settings=short_lived, database=database)
    async with (
        AsyncClient(
            transport=ASGITransport(app=app),
            base_url="http://test",
            event_hooks=delivering_mail(connection, short_lived),
        ) as http,
        serving(app.state.realtime.asgi(app)) as url,
    ):
        user = await signup(http)
        sio, _ = await connect_socket(url, user.access_token)
        expired: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        sio.on("session:expired", expired.set_result)
        assert await asyncio.wait_for(expired, 5) == {"code": "invalid_token"}
        for _ in range(50):
            if not sio.connected:
                break
            await asyncio.sleep(0.05)
        assert not sio.connected


async def _until(condition: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("it did not happen in time")


async def _household_of_two(live: LiveWorld, inbox: Inbox) -> tuple[TestUser, TestUser, str]:
    owner, member = await live.user("Olive"), await live.user("Milo")
    await live.set_tier(owner, "basic")
    home = await create_home(live.client, owner)
    await add_member(live.client, inbox, owner, home["id"], member)
    return owner, member, home["id"]


async def test_joining_and_leaving_a_space_moves_live_connections(
    live: LiveWorld, live_server_url: str, inbox: Inbox
) -> None:
    owner, member = await live.user("Olive"), await live.user("Milo")
    await live.set_tier(owner, "basic")
    home = await create_home(live.client, owner)
    sio, heard = await changes_heard(live_server_url, member.access_token)
    memberships: list[Any] = []
    sio.on("session:membership", memberships.append)
    try:
        await add_member(live.client, inbox, owner, home["id"], member)
        await _until(lambda: memberships == [{"space_id": home["id"], "joined": True}])
        # Whichever server commits a change, every server hears it from the database.
        await create_room(live.client, owner, home["id"], "Nursery")
        async with AsyncClient(base_url=live_server_url) as http:
            await http.post(
                f"/api/v1/homes/{home['id']}/rooms", json={"name": "Den"}, headers=owner.headers
            )
            await _until(lambda: [c["fields"].get("name") for c in heard] == ["Nursery", "Den"])

            removed = await http.delete(
                f"/api/v1/spaces/{home['id']}/members/{member.id}", headers=owner.headers
            )
            assert removed.status_code == 204, removed.text
            await _until(lambda: len(memberships) == 2)
            assert memberships[1] == {"space_id": home["id"], "joined": False}
            await http.post(
                f"/api/v1/homes/{home['id']}/rooms", json={"name": "Gym"}, headers=owner.headers
            )
        await asyncio.sleep(0.3)
        assert [c["fields"].get("name") for c in heard] == ["Nursery", "Den"]
    finally:
        await sio.disconnect()


JS_CLIENT = Path(__file__).resolve().parents[1] / "js" / "listen.mjs"


@asynccontextmanager
async def _javascript_client(url: str, token: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """The official socket.io-client (npm), run by node, printing what it hears."""
    process = await asyncio.create_subprocess_exec(
        "node",
        str(JS_CLIENT),
        url,
        token,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            await asyncio.wait_for(process.wait(), 10)


async def _heard(process: asyncio.subprocess.Process) -> Any:
    assert process.stdout is not None
    return json.loads(await asyncio.wait_for(process.stdout.readline(), 10))


async def test_the_official_javascript_client_connects_and_hears_changes(
    live: LiveWorld, live_server_url: str
) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    async with _javascript_client(live_server_url, owner.access_token) as client:
        ready = await _heard(client)
        assert ready["event"] == "session:ready"
        assert ready["data"]["spaces"] == [home["id"]]
        async with AsyncClient(base_url=live_server_url) as http:
            created = await http.post(
                f"/api/v1/homes/{home['id']}/rooms", json={"name": "Loft"}, headers=owner.headers
            )
        change = await _heard(client)
        assert change["event"] == "sync:change"
        assert change["data"]["entity_id"] == created.json()["id"]
        assert change["data"]["fields"]["name"] == "Loft"


async def test_the_javascript_client_with_a_forged_token_is_refused(live_server_url: str) -> None:
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    async with _javascript_client(live_server_url, forged) as client:
        refused = await _heard(client)
        assert refused == {
            "event": "connect_error",
            "data": {"code": "invalid_token", "message": "The access token is not valid"},
        }
        assert await asyncio.wait_for(client.wait(), 10) == 2


async def test_emitting_gets_a_client_nowhere_and_a_flood_gets_it_cut_off(
    live: LiveWorld, live_server_url: str
) -> None:
    owner, intruder = await live.user(), await live.user()
    home = await create_home(live.client, owner)
    owner_socket, owner_heard = await changes_heard(live_server_url, owner.access_token)
    intruder_socket, intruder_heard = await changes_heard(live_server_url, intruder.access_token)
    errors: list[Any] = []
    intruder_socket.on("session:error", errors.append)
    try:
        # Asking to join another household's room, or any made-up event, is ignored.
        await intruder_socket.emit("join", {"room": f"space:{home['id']}"})
        await intruder_socket.emit("subscribe", {"space_id": home["id"]})
        async with AsyncClient(base_url=live_server_url) as http:
            await http.post(
                f"/api/v1/homes/{home['id']}/rooms", json={"name": "Vault"}, headers=owner.headers
            )
            await _until(lambda: len(owner_heard) == 1)
            assert intruder_heard == []

            for number in range(40):
                await intruder_socket.emit("flood", {"number": number})
            await _until(lambda: not intruder_socket.connected)
            assert errors == [{"code": "rate_limited"}]

            # Everyone else is still served.
            await http.post(
                f"/api/v1/homes/{home['id']}/rooms", json={"name": "Study"}, headers=owner.headers
            )
            await _until(lambda: len(owner_heard) == 2)
    finally:
        await owner_socket.disconnect()
        await intruder_socket.disconnect()


def _apply(state: dict[str, dict[str, Any]], change: dict[str, Any]) -> str:
    """A client's copy of its entities, kept from changes; returns the change's cursor."""
    entity = state.setdefault(change["entity_id"], {})
    entity.update(change["fields"], version=change["version"], action=change["action"])
    return str(change["cursor"])


async def test_a_client_back_from_offline_catches_up_to_the_same_state(
    live: LiveWorld, live_server_url: str
) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    always, always_heard = await changes_heard(live_server_url, owner.access_token)
    sometimes, sometimes_heard = await changes_heard(live_server_url, owner.access_token)
    always_state: dict[str, dict[str, Any]] = {}
    sometimes_state: dict[str, dict[str, Any]] = {}
    rooms = f"/api/v1/homes/{home['id']}/rooms"
    try:
        async with AsyncClient(base_url=live_server_url, headers=owner.headers) as http:
            kitchen = (await http.post(rooms, json={"name": "Kitchen"})).json()
            await _until(lambda: len(sometimes_heard) == 1)
            cursor = _apply(sometimes_state, sometimes_heard[0])
            await sometimes.disconnect()

            # Meanwhile, offline: a room renamed, another made, then deleted.
            await http.patch(f"/api/v1/rooms/{kitchen['id']}", json={"name": "Galley"})
            porch = (await http.post(rooms, json={"name": "Porch"})).json()
            await http.delete(f"/api/v1/rooms/{porch['id']}")
            await _until(lambda: len(always_heard) == 4)

            sometimes, sometimes_heard = await changes_heard(live_server_url, owner.access_token)
            missed: list[Any] = []
            for _ in range(200):
                page = (await http.get("/api/v1/sync", params={"cursor": cursor})).json()
                missed = page["changes"]
                if len(missed) == 3:
                    break
                await asyncio.sleep(0.05)
        for change in missed:
            _apply(sometimes_state, change)
        for change in always_heard:
            _apply(always_state, change)
        assert sometimes_state == always_state
        assert sometimes_state[kitchen["id"]]["name"] == "Galley"
        assert sometimes_state[porch["id"]]["action"] == "deleted"
    finally:
        await always.disconnect()
        await sometimes.disconnect()


async def test_concurrent_edits_merge_and_the_overwritten_author_is_told(
    live: LiveWorld, live_server_url: str, inbox: Inbox
) -> None:
    owner, member, home_id = await _household_of_two(live, inbox)
    room = await create_room(live.client, owner, home_id, "Den")
    url = f"/api/v1/rooms/{room['id']}"
    sio, _ = await connect_socket(live_server_url, member.access_token)
    merged: list[Any] = []
    sio.on("sync:merged", merged.append)
    try:
        async with AsyncClient(base_url=live_server_url) as http:
            # Both start from version 1; Milo saves first.
            milo = await http.patch(
                url, json={"notes": "Paint it green", "base_version": 1}, headers=member.headers
            )
            assert milo.json()["version"] == 2
            olive = await http.patch(
                url,
                json={"name": "Study", "notes": "Paint it blue", "base_version": 1},
                headers=owner.headers,
            )
            assert olive.status_code == 200, olive.text
            assert olive.json()["version"] == 3
            assert (olive.json()["name"], olive.json()["notes"]) == ("Study", "Paint it blue")
            await _until(lambda: len(merged) == 1)
            assert merged[0] == {
                "entity_type": "homes.room",
                "entity_id": room["id"],
                "version": 3,
                "fields": {"notes": "Paint it blue"},
                "by": {"user_id": str(owner.id), "display_name": "Olive"},
            }

            # Different fields merge, and nobody is told anything.
            floor = await http.patch(
                url, json={"floor": 2, "base_version": 3}, headers=member.headers
            )
            renamed = await http.patch(
                url, json={"name": "Library", "base_version": 3}, headers=owner.headers
            )
            assert (renamed.json()["name"], renamed.json()["floor"]) == ("Library", 2)
            assert floor.json()["version"] == 4
            assert renamed.json()["version"] == 5

            ahead = await http.patch(
                url, json={"name": "Attic", "base_version": 9}, headers=owner.headers
            )
            assert ahead.status_code == 409, ahead.text
            assert ahead.json()["code"] == "version_ahead"
        await asyncio.sleep(0.3)
        assert len(merged) == 1
    finally:
        await sio.disconnect()


async def _presence_seen_across(first: str, second: str, live: LiveWorld, inbox: Inbox) -> None:
    """Milo on ``first`` sees Olive come and go on ``second``."""
    owner, member, home_id = await _household_of_two(live, inbox)
    milo, _ = await connect_socket(first, member.access_token)
    seen: list[tuple[str, Any]] = []
    milo.on("presence:joined", lambda data: seen.append(("joined", data)))
    milo.on("presence:left", lambda data: seen.append(("left", data)))
    try:
        olive, ready = await connect_socket(second, owner.access_token)
        assert ready["online"] == {home_id: sorted([str(owner.id), str(member.id)])}
        await _until(lambda: len(seen) == 1)
        await olive.disconnect()
        await _until(lambda: len(seen) == 2)
        olive_there = {"space_id": home_id, "user_id": str(owner.id)}
        assert seen == [("joined", olive_there), ("left", olive_there)]
    finally:
        await milo.disconnect()


async def test_members_see_who_comes_online_and_goes(
    live: LiveWorld, live_server_url: str, inbox: Inbox
) -> None:
    await _presence_seen_across(live_server_url, live_server_url, live, inbox)


async def test_presence_is_shared_between_server_processes(
    live: LiveWorld, redis_url: str, inbox: Inbox
) -> None:
    async with (
        _server_process(live, redis_url) as first,
        _server_process(live, redis_url) as second,
    ):
        await _presence_seen_across(first, second, live, inbox)


async def test_rooms_of_connections_that_left_are_forgotten(
    client: AsyncClient, served: tuple[str, RealtimeGateway]
) -> None:
    url, gateway = served
    user = await signup(client)
    home = await create_space(client, user, kind="home")
    sockets = [(await connect_socket(url, user.access_token))[0] for _ in range(3)]
    staying = sockets[2].get_sid()
    for sio in sockets[:2]:
        await sio.disconnect()
    manager = gateway.server.manager
    try:
        await _until(lambda: len(manager.rooms["/"][None]) == 1)
        rooms = {name: set(members) for name, members in manager.rooms["/"].items()}
        assert rooms == {
            None: {staying},
            staying: {staying},
            f"user:{user.id}": {staying},
            f"space:{home['id']}": {staying},
        }
        assert sorted(manager.get_rooms(staying, "/")) == sorted(
            [staying, f"user:{user.id}", f"space:{home['id']}"]
        )
    finally:
        await sockets[2].disconnect()


async def test_a_client_hears_every_message_in_order_however_fast_they_are_sent(
    client: AsyncClient, served: tuple[str, RealtimeGateway]
) -> None:
    """Broadcasts to its space and messages to it alone, sent faster than it reads: the
    server writes some at once and queues the others behind a full socket buffer."""
    url, gateway = served
    user = await signup(client)
    home = await create_space(client, user, kind="home")
    sio, _ = await connect_socket(url, user.access_token)
    heard: list[int] = []
    sio.on("sync:change", lambda change: heard.append(change["n"]))
    notes = "x" * 65_536  # a few of these fill the socket's buffer
    try:
        for n in range(300):
            to = {"room": f"space:{home['id']}"} if n % 2 else {"to": sio.get_sid()}
            await gateway.server.emit("sync:change", {"n": n, "notes": notes}, **to)
            if n % 2 == 0:  # now and then the connection's writer and the client get to run
                await asyncio.sleep(0)
        await _until(lambda: len(heard) == 300, seconds=20)
        assert heard == list(range(300))
    finally:
        await sio.disconnect()


async def test_occurrences_the_daily_job_stores_reach_connected_members(
    live: LiveWorld, live_server_url: str
) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    today = datetime.now(UTC).date()
    created = await live.client.post(
        f"/api/v1/homes/{home['id']}/tasks",
        json={"title": "Water the ferns", "recurrence": "weekly", "due_date": today.isoformat()},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    sio, heard = await changes_heard(live_server_url, owner.access_token)
    try:
        # A week later the job extends the task by the one date that came within 30 days.
        async with live.system.sessionmaker() as session, session.begin():
            assert await generate_instances(session, today + timedelta(days=7)) == 1
        await _until(lambda: len(heard) == 1)
        [occurrence] = heard
        assert (occurrence["entity_type"], occurrence["action"]) == (
            "homes.task_instance",
            "created",
        )
        assert occurrence["fields"]["due_date"] == (today + timedelta(days=35)).isoformat()
        assert occurrence["actor_id"] is None
    finally:
        await sio.disconnect()


async def test_notices_that_came_meanwhile_are_read_together_and_sent_in_commit_order(
    live: LiveWorld,
) -> None:
    ada = await live.user("Ada")
    home = await create_home(live.client, ada)
    workspace = await create_workspace(live.client, ada)
    board = await create_board(live.client, ada, workspace["id"])
    database = Database.connect(live.urls.app, pool_size=2)
    app = create_app(settings=live.settings, database=database)
    gateway: RealtimeGateway = app.state.realtime
    async with serving(gateway.asgi(app)) as url:
        sio, heard = await changes_heard(url, ada.access_token)
        try:
            made = [
                (home["id"], (await create_room(live.client, ada, home["id"], "Hall"))["id"]),
                (workspace["id"], (await create_list(live.client, ada, board["id"]))["id"]),
                (home["id"], (await create_room(live.client, ada, home["id"], "Attic"))["id"]),
            ]
            await _until(lambda: len(heard) == len(made))
            txids = {
                str(entity_id): str(txid)
                for entity_id, txid in await live.execute(
                    "SELECT entity_id::text, txid::text FROM platform.changes "
                    "WHERE entity_id::text = ANY(:ids)",
                    ids=[entity_id for _, entity_id in made],
                )
            }
            heard.clear()

            # As if the three transactions' notices had come while the gateway was busy.
            await gateway._changes_committed(
                [{"space_id": space_id, "txid": txids[entity_id]} for space_id, entity_id in made]
            )
            await _until(lambda: len(heard) == len(made))
        finally:
            await sio.disconnect()
    await database.dispose()

    assert [change["entity_id"] for change in heard] == [entity_id for _, entity_id in made]


async def test_notices_are_acted_on_in_runs_of_one_channel_in_the_order_they_came(
    settings: Settings, database: Database
) -> None:
    gateway: RealtimeGateway = create_app(settings=settings, database=database).state.realtime
    acted: list[tuple[str, list[int]]] = []

    async def changes_committed(notices: list[dict[str, Any]]) -> None:
        acted.append(("changes", [n["n"] for n in notices]))

    async def membership_changed(notice: dict[str, Any]) -> None:
        acted.append(("membership", [notice["n"]]))

    notices: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    for n, channel in enumerate([CHANGES, CHANGES, MEMBERSHIP, MEMBERSHIP, CHANGES]):
        notices.put_nowait((channel, {"n": n}))
    with (
        patch.object(gateway, "_changes_committed", changes_committed),
        patch.object(gateway, "_membership_changed", membership_changed),
    ):
        acting = asyncio.create_task(gateway._act_on(notices))
        await _until(lambda: len(acted) == 4)
        acting.cancel()

    assert acted == [
        ("changes", [0, 1]),
        ("membership", [2]),
        ("membership", [3]),
        ("changes", [4]),
    ]
