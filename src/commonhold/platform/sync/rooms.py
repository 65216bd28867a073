"""Room bookkeeping and fan-out for the Socket.IO gateway, in time linear in the recipients.

python-socketio's own manager sends a room's message through an asyncio task per recipient,
all created before the first runs, and finds a leaving connection's rooms by scanning every
room of the namespace (one per connection). With 10,000 connections the first makes a
broadcast wait on 10,000 tasks and the garbage they leave; the second makes a mass
disconnection quadratic. These managers keep, for each connection, the rooms it is in, and
encode a message once and hand it to each recipient in one pass: written at once where
nothing is queued before it, else to its outgoing queue (``transport.py``).
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet

from commonhold.platform.sync.transport import EngineServer

RoomKey = tuple[str, str]  # (namespace, sid)


class RoomManager(socketio.AsyncManager):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rooms_of: dict[RoomKey, set[str | None]] = {}

    def basic_enter_room(
        self, sid: str, namespace: str, room: str | None, eio_sid: str | None = None
    ) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self._rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: str | None) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        # The base class's bookkeeping, without its scan of every room of the namespace.
        for room in list(self._rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            sids = pending.get(namespace, [])
            if sid in sids:
                sids.remove(sid)
                if not sids:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[str]:
        return [room for room in self._rooms_of.get((namespace, sid), ()) if room is not None]

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | list[str] | None = None,
        skip_sid: str | list[str] | None = None,
        callback: Any = None,
        to: str | list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:  # each recipient needs its own acknowledgement id
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to
            )
            return
        if namespace not in self.rooms:
            return
        arguments = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *arguments]
        ).encode()
        frames = [
            (frame, frame.encode())
            for frame in (
                eio_packet.Packet(eio_packet.MESSAGE, part)
                for part in (encoded if isinstance(encoded, list) else [encoded])
            )
        ]
        eio = self.server.eio
        direct = isinstance(eio, EngineServer)
        skipped = set(skip_sid if isinstance(skip_sid, list) else [skip_sid])
        for sid, eio_sid in self.get_participants(namespace, to or room):
            if sid in skipped:
                continue
            # Written at once when nothing is queued before it (transport.py); otherwise
            # queued: an engine.io socket's queue is unbounded, so that never waits either.
            # A socket that has closed is skipped.
            for frame, wire in frames:
                if not (direct and await eio.write_now(eio_sid, wire)):
                    await eio.send_packet(eio_sid, frame)


class RedisRoomManager(socketio.AsyncRedisManager, RoomManager):  # type: ignore[misc]
    """Rooms shared by every server process through Redis, kept and served as above."""
