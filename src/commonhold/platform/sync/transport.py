"""Writing a frame to a WebSocket connection at once, when nothing is queued before it.

engine.io sends each connection's frames from a writer task of its own, which waits on the
connection's queue: a broadcast to 10,000 connections wakes 10,000 tasks, each through a new
task and a timer (``asyncio.wait_for``), and that was most of a broadcast's cost. Here, when a
connection's writer is waiting on an empty queue (nothing of it is on its way) and the server
can take a write without waiting (uvicorn's transport is not paused by a full buffer), the
broadcast writes the frame itself, so frames keep their order and a slow client delays only
its own. Otherwise the frame goes through the queue, as engine.io does.
"""

from __future__ import annotations

import asyncio
from types import MethodType
from typing import Any

import engineio
import socketio
from engineio.async_drivers import asgi
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class OutgoingQueue(asyncio.Queue[Any]):
    """A connection's packets to send, which knows whether its writer waits on it empty."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting = 0

    @property
    def writer_idle(self) -> bool:
        # A packet taken by a waiting writer leaves the queue in the same step as the wait
        # ends, so "empty with someone waiting" means none is between the queue and the wire.
        return self._waiting > 0 and self.empty()

    async def get(self) -> Any:
        self._waiting += 1
        try:
            return await super().get()
        finally:
            self._waiting -= 1


class DirectWebSocket(asgi.WebSocket):  # type: ignore[misc]
    """engine.io's ASGI WebSocket, known to its server while open, that can write at once."""

    def __init__(self, handler: MethodType, server: EngineServer) -> None:
        super().__init__(handler, server)
        self._socket: Any = handler.__self__  # engine.io's socket, whose handler this runs
        self._server = server
        self._writable: asyncio.Event | None = None
        self._writing = False

    async def __call__(self, environ: dict[str, Any]) -> Any:
        protocol = getattr(environ["asgi.send"], "__self__", None)
        # uvicorn's sans-I/O protocol's send waits for this event only (cleared while the
        # transport's buffer is full); under any other server every frame is queued.
        if isinstance(protocol, WebSocketsSansIOProtocol):
            self._writable = protocol.writable
        sid = self._socket.sid
        self._server.open_websockets[sid] = self
        try:
            return await super().__call__(environ)
        finally:
            self._server.open_websockets.pop(sid, None)

    def _can_write_now(self) -> bool:
        socket = self._socket
        return (
            self._writable is not None
            and self._writable.is_set()
            and not self._writing
            and socket.upgraded
            and not (socket.upgrading or socket.closing or socket.closed)
            and socket.queue.writer_idle
        )

    async def write_now(self, encoded: str | bytes) -> bool:
        """Write an encoded engine.io packet now if nothing is queued before it; False if it
        must go through the queue."""
        if not self._can_write_now():
            return False
        if not await self._socket.check_ping_timeout():
            return True  # a client that stopped answering pings is being closed (engine.io)
        self._writing = True
        try:
            await self.send(encoded)
        except (OSError, RuntimeError):
            # The connection is going (uvicorn: disconnected, or a close already sent): its
            # reader ends it, and the broadcast goes on to the others.
            pass
        finally:
            self._writing = False
        return True


class EngineServer(engineio.AsyncServer):  # type: ignore[misc]
    """engine.io's server with connections that can be written to at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_websockets: dict[str, DirectWebSocket] = {}
        # engine.io takes its WebSocket class from its async mode's table (shared: copied).
        self._async: dict[str, Any] = {**self._async, "websocket": DirectWebSocket}

    def create_queue(self) -> OutgoingQueue:
        return OutgoingQueue()

    async def write_now(self, sid: str, encoded: str | bytes) -> bool:
        """Write an encoded packet to connection ``sid`` now if it can be (module docstring);
        False if it must be queued."""
        websocket = self.open_websockets.get(sid)
        return websocket is not None and await websocket.write_now(encoded)


class SocketServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio's server on top of :class:`EngineServer`."""

    def _engineio_server_class(self) -> type[EngineServer]:
        return EngineServer
