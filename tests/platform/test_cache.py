"""The cache in Redis (platform/cache.py): values kept until a committed change invalidates
them, never a stale value stored by a read that raced a change, and the database answering
whenever Redis is not there."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from pydantic import TypeAdapter
from redis.asyncio import Redis

from commonhold.platform.cache import Cache, cached, invalidate_after_commit
from commonhold.platform.db.server import DatabaseUrls
from commonhold.platform.db.session import Database
from commonhold.platform.notify.service import notify
from commonhold.settings import Settings
from tests.factories import TestUser
from tests.live import LiveWorld, open_live_world

TEXT: TypeAdapter[str] = TypeAdapter(str)
UNREAD = "/api/v1/notifications/unread-count"


class Source:
    """A loader that counts its loads and returns whatever ``value`` is at the time."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.loads = 0

    async def load(self) -> str:
        self.loads += 1
        return self.value


@pytest.fixture
async def cache(redis_url: str) -> AsyncIterator[Cache]:
    cache = Cache(Redis.from_url(redis_url))
    yield cache
    await cache.close()


@pytest.fixture
async def cached_database(database_urls: DatabaseUrls, cache: Cache) -> AsyncIterator[Database]:
    database = Database.connect(database_urls.owner, 1, cache)
    yield database
    await database.engine.dispose()


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def test_a_value_is_loaded_once_then_served_until_invalidated(cache: Cache) -> None:
    key, source = _key(), Source("three members")

    first = await cache.get_or_load(key, 60, TEXT, source.load)
    source.value = "four members"
    second = await cache.get_or_load(key, 60, TEXT, source.load)
    await cache.invalidate([key])
    third = await cache.get_or_load(key, 60, TEXT, source.load)

    assert (first, second, third) == ("three members", "three members", "four members")
    assert source.loads == 2


async def test_a_value_expires_after_its_time_to_live(cache: Cache) -> None:
    key, source = _key(), Source("old")
    await cache.get_or_load(key, 0.05, TEXT, source.load)
    source.value = "new"
    await asyncio.sleep(0.1)
    assert await cache.get_or_load(key, 0.05, TEXT, source.load) == "new"


async def test_a_read_that_loaded_before_a_change_does_not_store_its_stale_value(
    cache: Cache,
) -> None:
    key = _key()
    loaded, changed = asyncio.Event(), asyncio.Event()

    async def slow_load() -> str:
        loaded.set()
        await changed.wait()  # the change commits and invalidates meanwhile
        return "before the change"

    reader = asyncio.create_task(cache.get_or_load(key, 60, TEXT, slow_load))
    await loaded.wait()
    await cache.invalidate([key])
    changed.set()

    assert await reader == "before the change"  # what it read, it may answer
    assert await cache.get_or_load(key, 60, TEXT, Source("after").load) == "after"


async def test_keys_a_transaction_names_go_when_it_commits_not_when_it_rolls_back(
    cached_database: Database, cache: Cache
) -> None:
    kept, dropped = _key(), _key()
    for key in (kept, dropped):
        await cache.get_or_load(key, 60, TEXT, Source("cached").load)

    async with cached_database.sessionmaker() as session:
        invalidate_after_commit(session, kept)
        await session.rollback()
    async with cached_database.sessionmaker() as session, session.begin():
        invalidate_after_commit(session, dropped)
        assert await cache.redis.exists(f"commonhold:cache:{dropped}") == 1  # not before

    fresh = Source("fresh")
    assert await cache.get_or_load(kept, 60, TEXT, fresh.load) == "cached"
    assert await cache.get_or_load(dropped, 60, TEXT, fresh.load) == "fresh"


async def test_without_a_cache_every_read_loads(database_urls: DatabaseUrls) -> None:
    database = Database.connect(database_urls.owner, 1)
    source = Source("value")
    try:
        async with database.sessionmaker() as session:
            invalidate_after_commit(session, "nothing to do")
            for _ in range(3):
                assert await cached(session, _key(), 60, TEXT, source.load) == "value"
            await session.commit()
    finally:
        await database.dispose()
    assert source.loads == 3


async def test_when_redis_is_down_reads_and_changes_still_work(
    database_urls: DatabaseUrls,
) -> None:
    cache = Cache(Redis.from_url("redis://127.0.0.1:9/0"))  # the discard port: refused
    database = Database.connect(database_urls.owner, 1, cache)
    try:
        async with database.sessionmaker() as session, session.begin():
            assert await cached(session, _key(), 60, TEXT, Source("from the database").load) == (
                "from the database"
            )
            invalidate_after_commit(session, _key())
    finally:
        await database.dispose()


async def _unread(client: AsyncClient, user: TestUser) -> int:
    response = await client.get(UNREAD, headers=user.headers)
    assert response.status_code == 200, response.text
    count: int = response.json()["unread"]
    return count


async def test_the_unread_count_is_cached_and_follows_every_change(
    database_urls: DatabaseUrls, settings: Settings, redis_url: str
) -> None:
    async with open_live_world(
        database_urls, settings.model_copy(update={"redis_url": redis_url})
    ) as live:
        await _check_unread_count_caching(live)


async def _check_unread_count_caching(live: LiveWorld) -> None:
    alice = await live.user("Alice")

    async def notify_alice() -> None:
        async with live.system.sessionmaker() as session, session.begin():
            data = {"task": "Clean gutters", "home": "Maple Street", "room": "Roof"}
            await notify(session, [alice.id], "homes.task_due_today", data, uuid.uuid4().hex)

    assert await _unread(live.client, alice) == 0
    # Behind the cache's back: the cached count stays, which shows it is cached.
    await live.execute(
        "INSERT INTO platform.notifications (id, user_id, type, dedupe_key, title, body, data, "
        "in_app) VALUES (gen_random_uuid(), :user_id, 'homes.task_due_today', 'hidden', 'Hidden', "
        "'', '{}', true)",
        user_id=alice.id,
    )
    assert await _unread(live.client, alice) == 0

    await notify_alice()
    assert await _unread(live.client, alice) == 2
    await notify_alice()
    assert await _unread(live.client, alice) == 3
    marked = await live.client.post("/api/v1/notifications/read-all", headers=alice.headers)
    assert marked.status_code == 200, marked.text
    assert await _unread(live.client, alice) == 0
