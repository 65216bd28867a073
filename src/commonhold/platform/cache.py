"""Cache-aside in Redis for what is read on every screen and changes rarely (unread
notification counts, board member lists).

Without ``COMMONHOLD_REDIS_URL`` there is no cache: every read goes to the database. With it:

- a read that misses loads from the database and keeps the value for its time to live;
- a change names the keys it makes stale (``invalidate_after_commit``); they are deleted once
  its transaction commits, whichever way it commits (a request, a job, the command line), so
  a read after the commit never gets the old value from the cache;
- a read that loaded before that commit cannot store its now stale value after the deletion:
  each key has a generation, which the deletion bumps, and a loaded value is stored only if
  the generation is still the one seen before loading.

Redis failing never fails a request: reads fall back to the database, and an invalidation that
cannot reach Redis is logged (the value then lives out its time to live).

The cache travels with the database handle: ``Database.connect(..., cache=...)`` puts it in
every session's ``info``, where ``cached`` and ``invalidate_after_commit`` find it; every
process that reads or changes cached data connects with it (API, worker, command line).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import structlog
from pydantic import TypeAdapter
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util import await_only

log = structlog.get_logger(__name__)

T = TypeVar("T")

CACHE_KEY = "commonhold.cache"
_STALE_KEYS = "commonhold.cache.stale"
_PREFIX = "commonhold:cache:"
_GENERATION_PREFIX = "commonhold:cache-generation:"
# Generations outlive any load in flight by far; they go when nothing has changed for a day.
_GENERATION_TTL_SECONDS = 24 * 3600
_STORE_IF_GENERATION = """
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""


class Cache:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._store_if_generation = redis.register_script(_STORE_IF_GENERATION)

    @classmethod
    def from_url(cls, url: str | None) -> Cache | None:
        return cls(Redis.from_url(url)) if url else None

    async def get_or_load(
        self,
        key: str,
        ttl_seconds: float,
        adapter: TypeAdapter[T],
        load: Callable[[], Awaitable[T]],
    ) -> T:
        try:
            found, generation = await self.redis.mget(_PREFIX + key, _GENERATION_PREFIX + key)
        except RedisError:
            log.warning("cache_unavailable", key=key, exc_info=True)
            return await load()
        if found is not None:
            return adapter.validate_json(found)
        value = await load()
        try:
            await self._store_if_generation(
                keys=[_PREFIX + key, _GENERATION_PREFIX + key],
                args=[generation or b"0", adapter.dump_json(value), int(ttl_seconds * 1000)],
            )
        except RedisError:
            log.warning("cache_unavailable", key=key, exc_info=True)
        return value

    async def invalidate(self, keys: Iterable[str]) -> None:
        pipeline = self.redis.pipeline(transaction=True)
        for key in keys:
            pipeline.incr(_GENERATION_PREFIX + key)
            pipeline.expire(_GENERATION_PREFIX + key, _GENERATION_TTL_SECONDS)
            pipeline.delete(_PREFIX + key)
        try:
            await pipeline.execute()
        except RedisError:
            log.error("cache_invalidation_failed", keys=sorted(keys), exc_info=True)

    async def close(self) -> None:
        await self.redis.aclose()


async def cached(
    session: AsyncSession,
    key: str,
    ttl_seconds: float,
    adapter: TypeAdapter[T],
    load: Callable[[], Awaitable[T]],
) -> T:
    """``load()``'s value, from the cache when the session's database has one."""
    cache: Cache | None = session.info.get(CACHE_KEY)
    if cache is None:
        return await load()
    return await cache.get_or_load(key, ttl_seconds, adapter, load)


def invalidate_after_commit(session: AsyncSession, *keys: str) -> None:
    """Delete ``keys`` from the cache once this session's transaction commits."""
    if session.info.get(CACHE_KEY) is not None:
        session.info.setdefault(_STALE_KEYS, set()).update(keys)


@event.listens_for(Session, "after_commit")
def _invalidate_stale_keys(session: Session) -> None:
    keys: set[str] | None = session.info.pop(_STALE_KEYS, None)
    if keys:
        cache: Cache = session.info[CACHE_KEY]
        # Commits of an AsyncSession run in SQLAlchemy's greenlet: this waits for Redis
        # before the commit returns to its caller.
        await_only(cache.invalidate(keys))


@event.listens_for(Session, "after_soft_rollback")
def _forget_stale_keys(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_STALE_KEYS, None)
