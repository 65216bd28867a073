"""The background worker runs deferred jobs against the real database."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text

from commonhold.platform.db.base import utcnow
from commonhold.platform.db.server import DatabaseUrls, libpq_url
from commonhold.platform.db.session import Database
from commonhold.platform.identity.models import RefreshToken, User
from commonhold.platform.identity.tasks import purge_expired_tokens
from commonhold.platform.jobs import job_app, open_jobs
from commonhold.worker import run_worker

started_at: dict[str, float] = {}


@job_app.task(name="tests.record_start")
async def record_start(key: str) -> None:
    started_at[key] = time.time()


@pytest.fixture
async def committed_user(database_urls: DatabaseUrls) -> AsyncIterator[tuple[Database, uuid.UUID]]:
    """A user committed for real, since the worker uses its own connections; removed after."""
    database = Database.connect(database_urls.app, pool_size=1)
    user = User(email=f"{uuid.uuid4().hex[:8]}@example.com", display_name="Jobs", password_hash="x")
    async with database.sessionmaker() as session, session.begin():
        session.add(user)
    yield database, user.id
    async with database.sessionmaker() as session, session.begin():
        await session.execute(delete(User).where(User.id == user.id))
    await database.dispose()


async def test_purge_job_deletes_only_expired_tokens(
    database_urls: DatabaseUrls, committed_user: tuple[Database, uuid.UUID]
) -> None:
    database, user_id = committed_user
    expired = RefreshToken(
        user_id=user_id,
        family_id=uuid.uuid4(),
        token_hash=uuid.uuid4().hex,
        expires_at=utcnow() - timedelta(minutes=1),
    )
    live = RefreshToken(
        user_id=user_id,
        family_id=uuid.uuid4(),
        token_hash=uuid.uuid4().hex,
        expires_at=utcnow() + timedelta(days=1),
    )
    async with database.sessionmaker() as session, session.begin():
        session.add_all([expired, live])

    async with open_jobs(libpq_url(database_urls.app)):
        # The periodic decorator types away the timestamp argument it normally supplies.
        await purge_expired_tokens.defer_async(timestamp=0)  # type: ignore[call-arg]
    await run_worker(database_urls, concurrency=1, install_signal_handlers=False, wait=False)

    async with database.sessionmaker() as session:
        remaining = await session.scalars(
            select(RefreshToken.id).where(RefreshToken.user_id == user_id)
        )
        assert list(remaining) == [live.id]
        status = await session.scalar(
            text(
                "SELECT status FROM procrastinate_jobs "
                "WHERE task_name = 'identity.purge_expired_tokens' ORDER BY id DESC LIMIT 1"
            )
        )
    assert status == "succeeded"


async def test_a_scheduled_job_starts_within_a_second_of_its_time(
    database_urls: DatabaseUrls,
) -> None:
    due = {uuid.uuid4().hex: datetime.now(UTC) + timedelta(seconds=s) for s in (1.5, 2.2, 2.9)}
    async with open_jobs(libpq_url(database_urls.app)):
        for key, when in due.items():
            await record_start.configure(schedule_at=when).defer_async(key=key)
    worker = asyncio.create_task(
        run_worker(database_urls, concurrency=1, install_signal_handlers=False)
    )
    try:
        deadline = time.monotonic() + 15
        while not due.keys() <= started_at.keys():
            assert time.monotonic() < deadline, "the scheduled jobs did not run"
            await asyncio.sleep(0.05)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    delays = [started_at[key] - when.timestamp() for key, when in due.items()]
    assert all(0 <= delay < 1.0 for delay in delays), delays
