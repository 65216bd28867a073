"""A committed world for tests that need the worker: it uses its own connections, so what
it works on must be committed for real (and is removed after the test)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import socketio
import uvicorn
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import text

from commonhold.app import create_app
from commonhold.platform.cache import Cache
from commonhold.platform.db.server import DatabaseUrls
from commonhold.platform.db.session import Database
from commonhold.settings import Settings
from commonhold.worker import run_worker
from tests.factories import TestUser, signup


@dataclass
class LiveWorld:
    urls: DatabaseUrls
    settings: Settings
    client: AsyncClient
    # The owner role, beyond row-level security: to arrange and inspect.
    system: Database
    domain: str = field(default_factory=lambda: f"live-{uuid.uuid4().hex[:10]}.example.com")

    async def user(self, name: str = "Live User") -> TestUser:
        return await signup(self.client, f"{uuid.uuid4().hex[:8]}@{self.domain}", name)

    async def set_tier(self, user: TestUser, tier: str) -> None:
        """Put ``user`` on a paid tier, as billing would (sharing a home needs one)."""
        await self.execute(
            "INSERT INTO platform.subscriptions (id, user_id, tier, status) "
            "VALUES (gen_random_uuid(), :user_id, :tier, 'active')",
            user_id=user.id,
            tier=tier,
        )

    async def run_jobs(self) -> None:
        """Run the worker until no job is due, including those deferred by jobs: a worker
        told not to wait may stop while a job it ran has just deferred another."""
        for _ in range(20):
            await run_worker(
                self.urls,
                concurrency=2,
                install_signal_handlers=False,
                wait=False,
                settings=self.settings,
            )
            due = await self.execute(
                "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' "
                "AND (scheduled_at IS NULL OR scheduled_at <= now())"
            )
            if due == [(0,)]:
                return
        raise AssertionError("jobs keep coming")

    async def send_queued_mail(self) -> None:
        """Run the worker if a request queued mail, as a deployment's worker would."""
        queued = await self.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' "
            "AND task_name IN ('mail.send', 'identity.send_password_reset')"
        )
        if queued != [(0,)]:
            await self.run_jobs()

    async def execute(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        async with self.system.sessionmaker() as session, session.begin():
            result = await session.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []  # type: ignore[attr-defined]

    async def remove_everything(self) -> None:
        """Delete the test's accounts, with the spaces they created and all within them, and
        the mail sent to them."""
        pattern = f"%@{self.domain}"
        for statement in (
            "DELETE FROM platform.spaces WHERE created_by IN "
            "(SELECT id FROM platform.users WHERE email LIKE :pattern)",
            "DELETE FROM platform.audit_log WHERE actor_id IN "
            "(SELECT id FROM platform.users WHERE email LIKE :pattern)",
            "DELETE FROM platform.users WHERE email LIKE :pattern",
            "DELETE FROM platform.outgoing_emails WHERE to_address LIKE :pattern",
        ):
            await self.execute(statement, pattern=pattern)


@asynccontextmanager
async def open_live_world(urls: DatabaseUrls, settings: Settings) -> AsyncIterator[LiveWorld]:
    """The app with ``settings`` on its own connections (caching in Redis if they name one);
    what the block creates is removed after it. Mail a request queues is sent once its
    response arrives, as the worker would."""
    database = Database.connect(urls.app, 2, Cache.from_url(settings.redis_url))
    system = Database.connect(urls.owner, 2, Cache.from_url(settings.redis_url))
    app = create_app(settings=settings, database=database)
    world: LiveWorld

    async def mail_what_the_request_queued(response: Response) -> None:
        await world.send_queued_mail()

    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
        event_hooks={"response": [mail_what_the_request_queued]},
    ) as http:
        world = LiveWorld(urls, settings, http, system)
        try:
            yield world
        finally:
            await world.remove_everything()
    await database.dispose()
    await system.dispose()


async def connect_socket(
    url: str, token: str | None, handlers: dict[str, Callable[[Any], None]] | None = None
) -> tuple[socketio.AsyncClient, dict[str, Any]]:
    """A python-socketio client of the server at ``url``, with ``handlers`` listening from the
    start, once the server has said it is ready; and what it said."""
    sio = socketio.AsyncClient(reconnection=False)
    ready: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    sio.on("session:ready", ready.set_result)
    for event, handler in (handlers or {}).items():
        sio.on(event, handler)
    await sio.connect(url, auth={"token": token} if token else None, transports=["websocket"])
    return sio, await asyncio.wait_for(ready, 5)


async def changes_heard(url: str, token: str) -> tuple[socketio.AsyncClient, list[Any]]:
    """A connected client, and the changes (``sync:change``) it hears from the start."""
    heard: list[Any] = []
    sio, _ = await connect_socket(url, token, {"sync:change": heard.append})
    return sio, heard


@asynccontextmanager
async def serving(asgi: Any) -> AsyncIterator[str]:
    """``asgi`` served by uvicorn on a free local port, for the block's duration."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only this flag
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
