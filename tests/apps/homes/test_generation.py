"""The daily generator: storing every home's coming occurrences, once, in batches."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from commonhold.apps.homes.maintenance import generation
from commonhold.apps.homes.maintenance.generation import generate_instances
from tests.apps.homes.factories import API, create_home
from tests.conftest import as_owner
from tests.factories import TestUser, signup


def _day(offset: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=offset)


@asynccontextmanager
async def _system(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session on the owner role, as the scheduled job has, in the test's transaction."""
    async with (
        as_owner(connection),
        AsyncSession(bind=connection, join_transaction_mode="create_savepoint") as session,
    ):
        yield session
        await session.commit()


async def _generate(connection: AsyncConnection, today: date) -> int:
    async with _system(connection) as session:
        return await generate_instances(session, today)


async def _task(
    client: AsyncClient, user: TestUser, home_id: str, title: str, **fields: Any
) -> dict[str, Any]:
    fields.setdefault("due_date", _day(0).isoformat())
    response = await client.post(
        f"{API}/homes/{home_id}/tasks", json={"title": title, **fields}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _due_dates(client: AsyncClient, user: TestUser, task_id: str) -> list[date]:
    response = await client.get(
        f"{API}/tasks/{task_id}/instances", params={"limit": 100}, headers=user.headers
    )
    return sorted(date.fromisoformat(i["due_date"]) for i in response.json()["items"])


async def _insert_task(
    connection: AsyncConnection, home_id: str, user: TestUser, **columns: Any
) -> uuid.UUID:
    """A task written straight into the table, as an import would, never generated."""
    task_id = uuid.uuid4()
    values = {"id": task_id, "space_id": home_id, "created_by": user.id, **columns}
    async with as_owner(connection):
        await connection.execute(
            text(
                f"INSERT INTO homes.tasks ({', '.join(values)}) "  # noqa: S608 - test's own columns
                f"VALUES ({', '.join(':' + name for name in values)})"
            ),
            values,
        )
    return task_id


async def _generated_through(connection: AsyncConnection, task_id: str | uuid.UUID) -> date:
    async with as_owner(connection):
        found = await connection.scalar(
            text("SELECT generated_through FROM homes.tasks WHERE id = :id"), {"id": task_id}
        )
    assert isinstance(found, date)
    return found


async def test_each_day_extends_every_home_by_what_came_into_range_and_only_once(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice, bob = await signup(client), await signup(client)
    alices, bobs = await create_home(client, alice), await create_home(client, bob)
    weekly = await _task(client, alice, alices["id"], "Water plants", recurrence="weekly")
    daily = await _task(client, bob, bobs["id"], "Feed cat", recurrence="daily")

    assert await _generate(connection, _day(0)) == 0
    # Ten days later: one more week and ten more days come within 30 days.
    assert await _generate(connection, _day(10)) == 1 + 10
    assert await _generate(connection, _day(10)) == 0
    assert await _due_dates(client, alice, weekly["id"]) == [_day(7 * k) for k in range(6)]
    assert await _due_dates(client, bob, daily["id"]) == [_day(k) for k in range(41)]
    assert await _generated_through(connection, daily["id"]) == _day(40)


async def test_tasks_written_without_dates_get_them_from_their_first_due_date(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    daily = await _insert_task(
        connection, home["id"], alice, title="Feed fish", recurrence="daily", starts_on=_day(-2)
    )
    rolling = await _insert_task(
        connection,
        home["id"],
        alice,
        title="Descale",
        recurrence="weekly",
        recurrence_mode="rolling",
        starts_on=_day(20),
    )

    assert await _generate(connection, _day(0)) == 33 + 1
    assert await _due_dates(client, alice, str(daily)) == [_day(k) for k in range(-2, 31)]
    # A rolling task gets its one open occurrence, and no more.
    assert await _due_dates(client, alice, str(rolling)) == [_day(20)]
    assert await _generate(connection, _day(60)) == 60
    task = await client.get(f"{API}/tasks/{daily}", headers=alice.headers)
    assert task.json()["next_due_date"] == _day(-2).isoformat()
    assert await _due_dates(client, alice, str(rolling)) == [_day(20)]


async def test_paused_deleted_one_time_and_finished_tasks_are_left_alone(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    paused = await _task(client, alice, home["id"], "Paused", recurrence="daily")
    await client.post(f"{API}/tasks/{paused['id']}/pause", headers=alice.headers)
    deleted = await _task(client, alice, home["id"], "Deleted", recurrence="daily")
    await client.delete(f"{API}/tasks/{deleted['id']}", headers=alice.headers)
    once = await _task(client, alice, home["id"], "Once")
    ending = await _task(
        client,
        alice,
        home["id"],
        "Ending",
        recurrence="daily",
        recurrence_end_date=_day(40).isoformat(),
    )

    assert await _generate(connection, _day(30)) == 10
    assert await _due_dates(client, alice, ending["id"]) == [_day(k) for k in range(41)]
    # Its last date is stored: nothing is left to generate, ever.
    assert await _generated_through(connection, ending["id"]) == date.max
    assert await _generated_through(connection, once["id"]) == date.max
    assert await _generate(connection, _day(300)) == 0
    async with as_owner(connection):
        counts = await connection.execute(
            text(
                "SELECT task_id, count(*) FROM homes.task_instances "
                "WHERE task_id IN (:paused, :deleted, :once) GROUP BY task_id"
            ),
            {"paused": paused["id"], "deleted": deleted["id"], "once": once["id"]},
        )
    # Paused today: nothing; deleted and one-time: the one made with them.
    assert {str(task_id): n for task_id, n in counts} == {deleted["id"]: 31, once["id"]: 1}


async def test_batches_reach_every_task(
    client: AsyncClient, connection: AsyncConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generation, "BATCH_SIZE", 2)
    alice = await signup(client)
    home = await create_home(client, alice)
    tasks = [
        await _task(client, alice, home["id"], f"Task {n}", recurrence="daily") for n in range(5)
    ]
    # Different progress, so the batches walk (generated_through, id) across several dates.
    await client.patch(
        f"{API}/tasks/{tasks[0]['id']}",
        json={"recurrence_end_date": _day(100).isoformat()},
        headers=alice.headers,
    )

    assert await _generate(connection, _day(3)) == 5 * 3
    for task in tasks:
        assert await _generated_through(connection, task["id"]) == _day(33)
