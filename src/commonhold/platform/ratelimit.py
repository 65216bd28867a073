"""Rate limits on the ``limits`` library: in memory on one machine, Redis when configured."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from commonhold.platform.errors import RateLimited


class RateLimiter:
    def __init__(self, redis_url: str | None = None) -> None:
        storage: Storage
        if redis_url:
            built = storage_from_string(f"async+{redis_url}")
            assert isinstance(built, Storage)
            storage = built
        else:
            storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(storage)
        self._items: dict[str, RateLimitItem] = {}

    def _item(self, limit: str) -> RateLimitItem:
        if limit not in self._items:
            self._items[limit] = parse(limit)
        return self._items[limit]

    async def hit(self, limit: str, *key: str) -> None:
        """Count one request against ``limit`` (e.g. "10/minute") for ``key``, or raise 429."""
        item = self._item(limit)
        if await self._limiter.hit(item, *key):
            return
        stats = await self._limiter.get_window_stats(item, *key)
        raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))
