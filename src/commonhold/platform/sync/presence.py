"""Who is online: each person's live connections, shared by every server process.

A connection counts while its process keeps vouching for it: processes refresh their
connections every ``BEAT_SECONDS`` and a connection not refreshed for ``STALE_SECONDS`` is
forgotten, so the connections of a process that died stop counting by themselves. With
Redis, every process sees every connection; without it, one process sees its own.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Protocol

import redis.asyncio as redis

BEAT_SECONDS = 30.0
STALE_SECONDS = 90.0


class Presence(Protocol):
    async def arrive(self, user_id: uuid.UUID, sid: str) -> bool:
        """Record a connection; True if the person was offline until now."""
        ...

    async def depart(self, user_id: uuid.UUID, sid: str) -> bool:
        """Forget a connection; True if the person is offline now."""
        ...

    async def refresh(self, connections: Iterable[tuple[uuid.UUID, str]]) -> None: ...

    async def online(self, user_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]: ...


class LocalPresence:
    """One process's own connections: enough when it is the only one."""

    def __init__(self) -> None:
        self._seen: dict[uuid.UUID, dict[str, float]] = {}

    def _live(self, user_id: uuid.UUID) -> dict[str, float]:
        cutoff = time.time() - STALE_SECONDS
        live = {sid: at for sid, at in self._seen.get(user_id, {}).items() if at > cutoff}
        self._seen[user_id] = live
        return live

    async def arrive(self, user_id: uuid.UUID, sid: str) -> bool:
        live = self._live(user_id)
        live[sid] = time.time()
        return len(live) == 1

    async def depart(self, user_id: uuid.UUID, sid: str) -> bool:
        live = self._live(user_id)
        live.pop(sid, None)
        return not live

    async def refresh(self, connections: Iterable[tuple[uuid.UUID, str]]) -> None:
        # Only stamps: a person's stale entries are dropped when they are next looked at.
        now = time.time()
        for user_id, sid in connections:
            self._seen.setdefault(user_id, {})[sid] = now

    async def online(self, user_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        return {user_id for user_id in user_ids if self._live(user_id)}


class RedisPresence:
    """Every process's connections: a sorted set per person, connection -> last refresh."""

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url)

    @staticmethod
    def _key(user_id: uuid.UUID) -> str:
        return f"commonhold:presence:{user_id}"

    async def _count(self, user_id: uuid.UUID) -> int:
        key = self._key(user_id)
        await self._redis.zremrangebyscore(key, "-inf", time.time() - STALE_SECONDS)
        return int(await self._redis.zcard(key))

    async def arrive(self, user_id: uuid.UUID, sid: str) -> bool:
        await self._redis.zadd(self._key(user_id), {sid: time.time()})
        await self._redis.expire(self._key(user_id), int(STALE_SECONDS))
        return await self._count(user_id) == 1

    async def depart(self, user_id: uuid.UUID, sid: str) -> bool:
        await self._redis.zrem(self._key(user_id), sid)
        return await self._count(user_id) == 0

    async def refresh(self, connections: Iterable[tuple[uuid.UUID, str]]) -> None:
        now = time.time()
        for user_id, sid in connections:
            await self._redis.zadd(self._key(user_id), {sid: now})
            await self._redis.expire(self._key(user_id), int(STALE_SECONDS))

    async def online(self, user_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        return {user_id for user_id in user_ids if await self._count(user_id) > 0}


def build_presence(redis_url: str | None) -> Presence:
    return RedisPresence(redis_url) if redis_url else LocalPresence()
