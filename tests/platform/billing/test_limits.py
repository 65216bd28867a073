"""The limits service's usage per period: counted atomically, up to the tier's limit, per
space or per person, month by month; and nothing counted while a payment is past due."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from commonhold.platform.billing import limits
from commonhold.platform.billing.limits import (
    Holder,
    PlanLimitReached,
    SubscriptionPastDue,
    Tier,
    ensure_within_period_limit,
)
from commonhold.platform.db.session import Database, set_user_context
from tests.conftest import as_owner
from tests.factories import create_space, signup
from tests.live import LiveWorld

KEY = "reports.exports_per_month"


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A service's session in the test's transaction, as the application role."""
    async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint") as db:
        yield db


async def _limit(connection: AsyncConnection, tier: str, value: int) -> None:
    async with as_owner(connection):
        await connection.execute(
            text("INSERT INTO platform.tier_limits (tier, limit_key, value) VALUES (:t, :k, :v)"),
            {"t": tier, "k": KEY, "v": value},
        )


async def test_usage_is_counted_per_month_up_to_the_limit_and_no_further(
    client: AsyncClient, connection: AsyncConnection, session: AsyncSession
) -> None:
    ada = await signup(client)
    space = await create_space(client, ada)
    await _limit(connection, "free", 3)
    await set_user_context(session, ada.id)
    tier = await limits.tier_of_space(session, uuid.UUID(space["id"]))
    home = Holder(space_id=uuid.UUID(space["id"]))
    november = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)

    assert await ensure_within_period_limit(session, tier, KEY, home, moment=november) == 1
    assert await ensure_within_period_limit(session, tier, KEY, home, 2, moment=november) == 3
    with pytest.raises(PlanLimitReached) as refused:
        await ensure_within_period_limit(session, tier, KEY, home, moment=november)
    assert refused.value.extra == {
        "limit_key": KEY,
        "limit": 3,
        "used": 3,
        "tier": "free",
        "period_start": "2026-11-01",
    }
    with pytest.raises(PlanLimitReached):  # more than a whole period allows
        await ensure_within_period_limit(session, tier, KEY, home, 4, moment=november)
    assert await limits.usage_in_period(session, home, date(2026, 11, 1)) == {KEY: 3}

    # A new month starts from nothing; the person's own usage is counted apart.
    december = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert await ensure_within_period_limit(session, tier, KEY, home, moment=december) == 1
    ada_herself = Holder(user_id=ada.id)
    assert await ensure_within_period_limit(session, tier, KEY, ada_herself, moment=november) == 1
    assert await limits.usage_in_period(session, home, date(2026, 11, 1)) == {KEY: 3}


async def test_the_plan_shows_this_periods_usage(
    client: AsyncClient, connection: AsyncConnection, session: AsyncSession
) -> None:
    ada = await signup(client)
    space = await create_space(client, ada)
    await _limit(connection, "free", 10)
    await set_user_context(session, ada.id)
    home = Holder(space_id=uuid.UUID(space["id"]))
    await ensure_within_period_limit(session, limits.FREE, KEY, home, 4)
    await ensure_within_period_limit(
        session, limits.FREE, KEY, home, moment=datetime(2020, 1, 5, tzinfo=UTC)
    )

    plan = await client.get(
        "/api/v1/billing/subscription", params={"space_id": space["id"]}, headers=ada.headers
    )
    assert plan.status_code == 200, plan.text
    usage = plan.json()["usage"]
    start = datetime.now(UTC).date().replace(day=1)
    assert usage["period_start"] == start.isoformat()
    assert usage["counters"] == {KEY: 4}
    assert plan.json()["limits"][KEY] == 10
    # Nobody else reads it.
    bob = await signup(client)
    other = await client.get(
        "/api/v1/billing/subscription", params={"space_id": space["id"]}, headers=bob.headers
    )
    assert (other.status_code, other.json()["code"]) == (404, "space_not_found")


async def test_an_unlimited_key_counts_without_refusing_and_past_due_counts_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    ada = await signup(client)
    await set_user_context(session, ada.id)
    herself = Holder(user_id=ada.id)
    assert (
        await ensure_within_period_limit(session, limits.FREE, "no.such.limit", herself, 500) == 500
    )

    with pytest.raises(SubscriptionPastDue):
        await ensure_within_period_limit(
            session, Tier("basic", "past_due", "user"), "no.such.limit", herself
        )
    start = limits.period_start()
    assert await limits.usage_in_period(session, herself, start) == {"no.such.limit": 500}


def test_a_holder_is_a_space_or_a_person() -> None:
    with pytest.raises(ValueError, match="one of them"):
        Holder()
    with pytest.raises(ValueError, match="one of them"):
        Holder(space_id=uuid.uuid4(), user_id=uuid.uuid4())
    assert limits.period_end(date(2026, 12, 1)) == date(2027, 1, 1)


async def test_requests_counting_at_once_never_pass_the_limit_together(live: LiveWorld) -> None:
    ada = await live.user()
    space = await create_space(live.client, ada)
    key = f"test.concurrent_{uuid.uuid4().hex[:8]}"
    await live.execute(
        "INSERT INTO platform.tier_limits (tier, limit_key, value) VALUES ('free', :k, 5)", k=key
    )
    database = Database.connect(live.urls.app, pool_size=12)
    counted: list[int] = []

    async def one_more() -> None:
        async with database.sessionmaker() as db, db.begin():
            await set_user_context(db, ada.id)
            tier = await limits.tier_of_space(db, uuid.UUID(space["id"]))
            with contextlib.suppress(PlanLimitReached):
                counted.append(
                    await ensure_within_period_limit(
                        db, tier, key, Holder(space_id=uuid.UUID(space["id"]))
                    )
                )

    try:
        await asyncio.gather(*(one_more() for _ in range(12)))
    finally:
        await database.dispose()
        await live.execute("DELETE FROM platform.tier_limits WHERE limit_key = :k", k=key)
    assert sorted(counted) == [1, 2, 3, 4, 5]
    used = await live.execute(
        "SELECT used FROM platform.usage_counters WHERE space_id = :s AND limit_key = :k",
        s=space["id"],
        k=key,
    )
    assert used == [(5,)]
