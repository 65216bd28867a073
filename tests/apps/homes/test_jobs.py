"""The daily job stores occurrences for every home, whoever's they are."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from commonhold.apps.homes.models import Task, TaskInstance
from commonhold.apps.homes.tasks import generate_occurrences
from commonhold.platform.db.server import DatabaseUrls, libpq_url
from commonhold.platform.db.session import Database
from commonhold.platform.identity.models import User
from commonhold.platform.jobs import open_jobs
from commonhold.platform.spaces.models import Space, SpaceMember
from commonhold.worker import run_worker

DAY_2030 = date(2030, 3, 1)


@pytest.fixture
async def committed_tasks(
    database_urls: DatabaseUrls,
) -> AsyncIterator[tuple[Database, list[uuid.UUID]]]:
    """Two homes of two people, a daily and a weekly task in each, committed for real (the
    worker uses its own connections); removed afterwards."""
    owner = Database.connect(database_urls.owner, pool_size=1)
    users = [
        User(email=f"{uuid.uuid4().hex[:8]}@example.com", display_name="Jobs", password_hash="x")
        for _ in range(2)
    ]
    spaces: list[Space] = []
    task_ids: list[uuid.UUID] = []
    async with owner.sessionmaker() as session, session.begin():
        session.add_all(users)
        await session.flush()
        for user in users:
            space = Space(kind="home", name="Job home", created_by=user.id)
            spaces.append(space)
            session.add(space)
            await session.flush()
            session.add(SpaceMember(space_id=space.id, user_id=user.id, role="owner"))
            for recurrence in ("daily", "weekly"):
                task = Task(
                    space_id=space.id,
                    created_by=user.id,
                    title=f"{recurrence} chore",
                    recurrence=recurrence,
                    starts_on=DAY_2030,
                )
                session.add(task)
                await session.flush()
                task_ids.append(task.id)
    yield owner, task_ids
    async with owner.sessionmaker() as session, session.begin():
        await session.execute(delete(Space).where(Space.id.in_([s.id for s in spaces])))
        await session.execute(delete(User).where(User.id.in_([u.id for u in users])))
    await owner.dispose()


async def test_the_daily_job_stores_thirty_days_for_every_home_once(
    database_urls: DatabaseUrls, committed_tasks: tuple[Database, list[uuid.UUID]]
) -> None:
    owner, task_ids = committed_tasks
    scheduled = int(datetime.combine(DAY_2030, datetime.min.time(), UTC).timestamp())

    for _ in range(2):  # a second run the same day must store nothing more
        async with open_jobs(libpq_url(database_urls.app)):
            # The periodic decorator types away the timestamp argument it normally supplies.
            await generate_occurrences.defer_async(timestamp=scheduled)  # type: ignore[call-arg]
        await run_worker(database_urls, concurrency=1, install_signal_handlers=False, wait=False)

    async with owner.sessionmaker() as session:
        rows = await session.execute(
            select(Task.recurrence, func.count(TaskInstance.id))
            .join(TaskInstance, TaskInstance.task_id == Task.id)
            .where(Task.id.in_(task_ids))
            .group_by(Task.recurrence)
        )
        counts = {recurrence: count for recurrence, count in rows}
        last = await session.scalar(
            select(func.max(TaskInstance.due_date)).where(TaskInstance.task_id.in_(task_ids))
        )
    # Both homes: 31 daily dates (March 1 to 31) and 5 weekly ones each.
    assert counts == {"daily": 2 * 31, "weekly": 2 * 5}
    assert last == DAY_2030 + timedelta(days=30)
