"""Socket.IO gateway: authenticated connections grouped in rooms per user and per space.

Clients connect to ``/socket.io`` with ``auth: {token: <access token>}``. A connection
without a valid token is refused. Each connection joins ``user:{id}`` and ``space:{id}``
for every space its user belongs to, so a message for a space reaches all its members.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import socketio
import structlog
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.session import Database, set_user_context
from commonhold.platform.errors import AppError, RateLimited
from commonhold.platform.identity.security import decode_access_token
from commonhold.platform.ratelimit import RateLimiter
from commonhold.platform.spaces.models import Space, SpaceMember
from commonhold.platform.sync import repository as sync_repo
from commonhold.platform.sync.merge import MergeNotice
from commonhold.platform.sync.presence import BEAT_SECONDS, build_presence
from commonhold.platform.sync.rooms import RedisRoomManager, RoomManager
from commonhold.platform.sync.service import change_read
from commonhold.platform.sync.transport import SocketServer
from commonhold.settings import Settings

log = structlog.get_logger(__name__)
LISTEN_RETRY_SECONDS = 2.0
MEMBERSHIP_CHANNEL = "commonhold_membership"
CHANGES_CHANNEL = "commonhold_changes"
# At most this many notices are read in one transaction of the database.
NOTICES_PER_RUN = 200
CLIENT_EVENT_LIMIT = "30/10second"


@dataclass
class Connection:
    """A live connection of this process: whose, and the spaces it hears from."""

    user_id: uuid.UUID
    space_ids: set[uuid.UUID]


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def space_room(space_id: uuid.UUID) -> str:
    return f"space:{space_id}"


class RealtimeGateway:
    def __init__(
        self, settings: Settings, database: Callable[[], Database], limiter: RateLimiter
    ) -> None:
        self._settings = settings
        self._limiter = limiter
        self._database = database
        self.server = SocketServer(
            async_mode="asgi",
            # With Redis, every server process hears every room: a change committed through
            # one reaches clients connected to any other.
            client_manager=(
                RedisRoomManager(settings.redis_url, channel="commonhold-realtime")
                if settings.redis_url
                else RoomManager()
            ),
            cors_allowed_origins=settings.cors_origins,
            logger=False,
            engineio_logger=False,
        )
        self._expiries: dict[str, asyncio.Task[None]] = {}
        self._cut_off: set[str] = set()
        self._connections: dict[str, Connection] = {}
        self._presence = build_presence(settings.redis_url)
        self.server.on("connect", self._connect)
        self.server.on("disconnect", self._disconnect)
        # Clients only listen: whatever they emit is counted, and a flood ends the connection.
        self.server.on("*", self._client_event)

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str):
            raise socketio.exceptions.ConnectionRefusedError(
                "Send auth: {token: <access token>}", {"code": "authentication_required"}
            )
        try:
            claims = decode_access_token(self._settings, token)
        except AppError as error:
            raise socketio.exceptions.ConnectionRefusedError(
                error.message, {"code": error.code}
            ) from error
        user_id = claims.user_id
        members = await self._members_of_spaces(user_id)
        await self.server.enter_room(sid, user_room(user_id))
        for space_id in members:
            await self.server.enter_room(sid, space_room(space_id))
        self._connections[sid] = Connection(user_id, set(members))
        self._end_at_expiry(sid, claims.expires_at)
        first = await self._presence.arrive(user_id, sid)
        online = await self._presence.online({m for ids in members.values() for m in ids})
        # Tells the client who it is, which spaces it will hear from and who is online there.
        await self.server.emit(
            "session:ready",
            {
                "user_id": str(user_id),
                "spaces": [str(s) for s in members],
                "online": {
                    str(space): sorted(str(m) for m in ids if m in online)
                    for space, ids in members.items()
                },
            },
            to=sid,
        )
        if first:
            await self._announce("presence:joined", user_id, members, skip_sid=sid)
        log.info("realtime_connected", user_id=str(user_id), sid=sid)

    async def _announce(
        self,
        event: str,
        user_id: uuid.UUID,
        space_ids: Iterable[uuid.UUID],
        skip_sid: str | None = None,
    ) -> None:
        for space_id in space_ids:
            await self.server.emit(
                event,
                {"space_id": str(space_id), "user_id": str(user_id)},
                room=space_room(space_id),
                skip_sid=skip_sid,
            )

    def _end_at_expiry(self, sid: str, expires_at: datetime) -> None:
        """The connection lasts as long as its token: then the client is told and
        disconnected, and reconnects with a fresh token."""
        seconds = max(0.0, (expires_at - datetime.now(UTC)).total_seconds())

        async def expire() -> None:
            await asyncio.sleep(seconds)
            await self.server.emit("session:expired", {"code": "invalid_token"}, to=sid)
            await self.server.disconnect(sid)

        task = asyncio.get_running_loop().create_task(expire(), name=f"expire:{sid}")
        self._expiries[sid] = task
        task.add_done_callback(lambda _: self._expiries.pop(sid, None))

    async def _client_event(self, event: str, sid: str, *data: Any) -> None:
        try:
            await self._limiter.hit(CLIENT_EVENT_LIMIT, "socket", sid)
        except RateLimited:
            if sid in self._cut_off:
                return  # one of the flood's events still in flight
            self._cut_off.add(sid)
            log.warning("realtime_flood", sid=sid, client_event=event)
            await self.server.emit("session:error", {"code": "rate_limited"}, to=sid)
            await self.server.disconnect(sid)

    async def _disconnect(self, sid: str, reason: object = None) -> None:
        self._cut_off.discard(sid)
        connection = self._connections.pop(sid, None)
        if connection is not None and await self._presence.depart(connection.user_id, sid):
            await self._announce("presence:left", connection.user_id, connection.space_ids)
        if (task := self._expiries.pop(sid, None)) is not None:
            task.cancel()

    async def _members_of_spaces(self, user_id: uuid.UUID) -> dict[uuid.UUID, list[uuid.UUID]]:
        """The person's spaces, each with its members."""
        async with self._database().sessionmaker() as session, session.begin():
            await set_user_context(session, user_id)
            own = select(SpaceMember.space_id).where(SpaceMember.user_id == user_id)
            rows = await session.execute(
                select(SpaceMember.space_id, SpaceMember.user_id)
                .join(Space, Space.id == SpaceMember.space_id)
                .where(SpaceMember.space_id.in_(own), Space.deleted_at.is_(None))
                .order_by(Space.created_at, Space.id)
            )
            members: dict[uuid.UUID, list[uuid.UUID]] = {}
            for space_id, member_id in rows:
                members.setdefault(space_id, []).append(member_id)
            return members

    async def _changes_committed(self, notices: list[dict[str, Any]]) -> None:
        """Emit ``sync:change`` to this process's clients in a space for every change that
        committed transactions logged there, in the order they committed and each made its
        changes. Every process hears the database's notices (one per transaction and space),
        so each serves only its own clients. A client that missed a change (offline) finds
        it with ``GET /sync``. Notices that arrived while the previous ones were being sent
        are read together: one transaction of the database per run, one query per space.

        A change in a private scope (a private board) goes only to those of its audience who
        listen here, each in their own room; the rest of the space hears nothing of it."""
        committed = [(uuid.UUID(n["space_id"]), int(n["txid"])) for n in notices]
        listening = {
            space_id: users
            for space_id in dict.fromkeys(space_id for space_id, _ in committed)
            if (users := self._users_in(space_room(space_id)))
        }
        if not listening:  # nobody here hears from these spaces
            return
        async with self._database().sessionmaker() as session, session.begin():
            read = {
                space_id: await self._read_changes(
                    session, space_id, [t for s, t in committed if s == space_id], users
                )
                for space_id, users in listening.items()
            }
        for space_id, txid in committed:
            if space_id not in read:
                continue
            by_transaction, audiences = read[space_id]
            room = space_room(space_id)
            for row in by_transaction.get(txid, ()):
                change = change_read(row).model_dump(mode="json")
                audience = audiences.get(row.scope_id)
                rooms = (
                    [room]
                    if audience is None
                    else [user_room(u) for u in listening[space_id] & audience]
                )
                for destination in rooms:
                    await self.server.emit(
                        "sync:change", change, room=destination, ignore_queue=True
                    )

    def _users_in(self, room: str) -> set[uuid.UUID]:
        return {
            self._connections[sid].user_id
            for sid, _ in self.server.manager.get_participants("/", room)
            if sid in self._connections
        }

    @staticmethod
    async def _read_changes(
        session: AsyncSession, space_id: uuid.UUID, txids: list[int], listening: set[uuid.UUID]
    ) -> tuple[dict[int, list[Row[tuple[object, ...]]]], dict[uuid.UUID, set[uuid.UUID]]]:
        """The transactions' changes in the space, by transaction, each in order, with the
        audience of each private scope among them. Read as people who listen here, so that
        row-level security applies as to anyone: one of them for the whole space, and for a
        private scope they may not see, one of its audience."""
        reader = min(listening)
        await set_user_context(session, reader)
        rows = list(await sync_repo.changes_of_transactions(session, space_id, txids))
        audiences = await sync_repo.private_audiences(session, space_id, txids)
        for scope_id, audience in audiences.items():
            insiders = listening & audience
            if reader in audience or not insiders:
                continue
            await set_user_context(session, min(insiders))
            rows += await sync_repo.changes_of_transactions(
                session, space_id, txids, scope_id=scope_id
            )
        by_transaction: dict[int, list[Row[tuple[object, ...]]]] = {}
        for row in sorted(rows, key=lambda row: int(row.id)):
            by_transaction.setdefault(int(row.txid), []).append(row)
        return by_transaction, audiences

    async def send_merge_notices(self, notices: list[MergeNotice]) -> None:
        """Tell each person whose values a committed write overwrote (``sync:merged``)."""
        for notice in notices:
            await self.server.emit("sync:merged", notice.payload(), room=user_room(notice.user_id))

    async def run(self, conninfo: str) -> None:
        """The gateway's own work, until cancelled: following the database's notices, and
        vouching for this process's connections."""
        await asyncio.gather(self.follow_database(conninfo), self._keep_presence())

    async def _keep_presence(self) -> None:
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            await self._presence.refresh((c.user_id, sid) for sid, c in self._connections.items())

    async def follow_database(self, conninfo: str) -> None:
        """Until cancelled, act on what PostgreSQL notifies every process of once it has
        committed, in commit order: a person joining or leaving a space moves this process's
        connections of theirs into or out of its room; changes logged in a space go to its
        room. Notices are heard as they come and acted on in turn, those that came meanwhile
        together. Reconnects if the database goes away."""
        notices: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        acting = asyncio.get_running_loop().create_task(self._act_on(notices))
        try:
            await self._hear(conninfo, notices)
        finally:
            acting.cancel()

    async def _hear(
        self, conninfo: str, notices: asyncio.Queue[tuple[str, dict[str, Any]]]
    ) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as connection:
                    for channel in (MEMBERSHIP_CHANNEL, CHANGES_CHANNEL):
                        await connection.execute(f"LISTEN {channel}")
                    async for notice in connection.notifies():
                        notices.put_nowait((notice.channel, json.loads(notice.payload)))
            except psycopg.OperationalError:
                log.warning("database_listener_reconnecting")
                await asyncio.sleep(LISTEN_RETRY_SECONDS)

    async def _act_on(self, notices: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        while True:
            waiting = [await notices.get()]
            while not notices.empty() and len(waiting) < NOTICES_PER_RUN:
                waiting.append(notices.get_nowait())
            # Consecutive notices of one channel form a run; runs keep their order.
            for channel, run in itertools.groupby(waiting, key=lambda notice: notice[0]):
                payloads = [payload for _, payload in run]
                try:
                    if channel == CHANGES_CHANNEL:
                        await self._changes_committed(payloads)
                    else:
                        for payload in payloads:
                            await self._membership_changed(payload)
                except Exception:  # bad notices must not stop the following
                    log.exception("database_notice_failed", channel=channel, payloads=payloads)

    async def _membership_changed(self, change: dict[str, Any]) -> None:
        room = space_room(uuid.UUID(change["space_id"]))
        joined = bool(change["joined"])
        local = self.server.manager.get_participants("/", user_room(uuid.UUID(change["user_id"])))
        for sid, _ in list(local):
            connection = self._connections.get(sid)
            if joined:
                await self.server.enter_room(sid, room)
            else:
                await self.server.leave_room(sid, room)
            if connection is not None:
                space_id = uuid.UUID(change["space_id"])
                if joined:
                    connection.space_ids.add(space_id)
                else:
                    connection.space_ids.discard(space_id)
            await self.server.emit(
                "session:membership",
                {"space_id": change["space_id"], "joined": joined},
                to=sid,
            )

    def asgi(self, other: Any) -> socketio.ASGIApp:
        """Serve Socket.IO at /socket.io and everything else with ``other``."""
        return socketio.ASGIApp(self.server, other_asgi_app=other, socketio_path="socket.io")
