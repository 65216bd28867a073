"""The Socket.IO gateway, served by a real uvicorn and reached by the python-socketio client."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
import uvicorn
from httpx import AsyncClient

from commonhold.app import create_app
from commonhold.platform.db.session import Database
from commonhold.settings import Settings
from tests.factories import create_space, signup


@pytest.fixture
async def server_url(settings: Settings, database: Database) -> AsyncIterator[str]:
    app = create_app(settings=settings, database=database)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app.state.realtime.asgi(app), host="127.0.0.1", port=port, log_config=None
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only this flag
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def _connect(url: str, token: str | None) -> tuple[socketio.AsyncClient, dict[str, Any]]:
    sio = socketio.AsyncClient(reconnection=False)
    ready: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    sio.on("session:ready", ready.set_result)
    await sio.connect(url, auth={"token": token} if token else None, transports=["websocket"])
    return sio, await asyncio.wait_for(ready, 5)


async def test_connection_joins_the_users_spaces(client: AsyncClient, server_url: str) -> None:
    user = await signup(client)
    home = await create_space(client, user, kind="home")
    team = await create_space(client, user, kind="team")
    stranger = await signup(client)
    await create_space(client, stranger)

    sio, ready = await _connect(server_url, user.access_token)
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
