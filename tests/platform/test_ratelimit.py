"""Per-user API limits, in memory and shared through Redis."""

from __future__ import annotations

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.app import create_app
from commonhold.platform.db.session import Database
from commonhold.platform.errors import RateLimited
from commonhold.platform.ratelimit import RateLimiter
from commonhold.settings import Settings
from tests.conftest import delivering_mail
from tests.factories import signup


async def test_each_user_gets_their_own_budget(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    limited_settings = settings.model_copy(update={"api_rate_limit": "3/minute"})
    app = create_app(settings=limited_settings, database=database)
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
        event_hooks=delivering_mail(connection, limited_settings),
    ) as client:
        busy, other = await signup(client), await signup(client)
        # signup's own GET /me used one request of busy's budget.
        for _ in range(2):
            assert (await client.get("/api/v1/me", headers=busy.headers)).status_code == 200
        limited = await client.get("/api/v1/me", headers=busy.headers)
        assert limited.status_code == 429
        assert limited.headers["content-type"] == "application/problem+json"
        assert limited.json()["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert (await client.get("/api/v1/me", headers=other.headers)).status_code == 200


async def test_redis_shares_counts_between_processes(redis_url: str) -> None:
    first, second = RateLimiter(redis_url), RateLimiter(redis_url)
    key = ("user", "shared-budget-test")
    await first.hit("2/minute", *key)
    await second.hit("2/minute", *key)
    with pytest.raises(RateLimited):
        await first.hit("2/minute", *key)
