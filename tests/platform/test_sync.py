"""The change log and catching up: every change of a synced entity, in commit order, for the
members of its space only; a transaction that commits late is never skipped."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from commonhold.apps.homes.maintenance.generation import generate_instances
from commonhold.platform.jobs import defer_in_transaction
from commonhold.platform.sync.tasks import trim_changes
from tests.apps.homes.factories import API, create_home, create_room
from tests.factories import TestUser
from tests.live import LiveWorld

SYNC = f"{API}/sync"


async def _sync(live: LiveWorld, user: TestUser, cursor: str | None = None, **params: Any) -> Any:
    query = {**params, **({"cursor": cursor} if cursor else {})}
    response = await live.client.get(SYNC, params=query, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _settled(live: LiveWorld, user: TestUser, cursor: str, count: int) -> Any:
    """The page after ``cursor`` once ``count`` changes show: a change shows once every older
    transaction on the server has ended, and other tests' transactions may still run."""
    for _ in range(200):
        page = await _sync(live, user, cursor)
        if len(page["changes"]) >= count:
            return page
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} changes after 10 s: {page}")


async def _cursor_past(live: LiveWorld, user: TestUser, cursor: str, entity_id: str) -> str:
    """A cursor past the transaction that created ``entity_id`` (all of its changes show at
    once, when every older transaction on the server has ended)."""
    seen = False
    for _ in range(200):
        page = await _sync(live, user, cursor)
        seen = seen or any(c["entity_id"] == entity_id for c in page["changes"])
        cursor = page["next_cursor"]
        if seen and not page["has_more"]:
            return cursor
        await asyncio.sleep(0.05)
    raise AssertionError(f"the creation of {entity_id} did not show in 10 s")


def _summary(changes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(c["entity_type"], c["action"], c["version"]) for c in changes]


async def test_a_rooms_life_comes_back_in_order_with_what_changed(live: LiveWorld) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    start = (await _sync(live, owner))["next_cursor"]

    room = await create_room(live.client, owner, home["id"], "Pantry", floor=0)
    renamed = await live.client.patch(
        f"{API}/rooms/{room['id']}", json={"name": "Larder"}, headers=owner.headers
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["version"] == 2
    await live.client.delete(f"{API}/rooms/{room['id']}", headers=owner.headers)
    await live.client.post(f"{API}/rooms/{room['id']}/restore", headers=owner.headers)

    page = await _settled(live, owner, start, 4)
    changes = page["changes"]
    assert _summary(changes) == [
        ("homes.room", "created", 1),
        ("homes.room", "updated", 2),
        ("homes.room", "deleted", 3),
        ("homes.room", "restored", 4),
    ]
    created, updated, deleted, restored = changes
    assert {c["entity_id"] for c in changes} == {room["id"]}
    assert {c["actor_id"] for c in changes} == {str(owner.id)}
    assert created["fields"]["name"] == "Pantry"
    assert created["fields"]["floor"] == 0
    assert "version" not in created["fields"]
    assert set(updated["fields"]) == {"name", "updated_at"}
    assert updated["fields"]["name"] == "Larder"
    assert deleted["fields"]["deleted_at"] is not None
    assert restored["fields"]["deleted_at"] is None
    assert page["next_cursor"] == restored["cursor"]
    assert not page["has_more"]

    again = await _sync(live, owner, page["next_cursor"])
    assert again["changes"] == []


async def test_other_households_hear_nothing(live: LiveWorld) -> None:
    owner, stranger = await live.user(), await live.user()
    start = (await _sync(live, stranger))["next_cursor"]
    home = await create_home(live.client, owner)
    await create_room(live.client, owner, home["id"], "Attic")
    await _settled(live, owner, start, 1)  # visible by now, to those who may see it
    assert (await _sync(live, stranger, start))["changes"] == []


async def test_pages_follow_one_another(live: LiveWorld) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    start = (await _sync(live, owner))["next_cursor"]
    for name in ("Hall", "Study", "Garage"):
        await create_room(live.client, owner, home["id"], name)
    await _settled(live, owner, start, 3)

    first = await _sync(live, owner, start, limit=2)
    assert [c["fields"]["name"] for c in first["changes"]] == ["Hall", "Study"]
    assert first["has_more"]
    second = await _sync(live, owner, first["next_cursor"], limit=2)
    assert [c["fields"]["name"] for c in second["changes"]] == ["Garage"]
    assert not second["has_more"]


async def test_a_transaction_that_commits_late_is_not_skipped(live: LiveWorld) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    before = (await _sync(live, owner))["next_cursor"]
    early = await create_room(live.client, owner, home["id"], "Early")
    late = await create_room(live.client, owner, home["id"], "Late")
    start = (await _settled(live, owner, before, 2))["next_cursor"]
    rename = text("UPDATE homes.rooms SET name = :name WHERE id = :id")

    async with live.system.sessionmaker() as slow, live.system.sessionmaker() as quick:
        await slow.begin()
        await slow.execute(rename, {"name": "Early, renamed", "id": early["id"]})
        async with quick.begin():
            await quick.execute(rename, {"name": "Late, renamed", "id": late["id"]})
        # The quick one committed, but the slow one (older) may still commit before it.
        assert (await _sync(live, owner, start))["changes"] == []
        await slow.commit()

    changes = (await _settled(live, owner, start, 2))["changes"]
    assert [c["fields"]["name"] for c in changes] == ["Early, renamed", "Late, renamed"]
    assert [c["actor_id"] for c in changes] == [None, None]  # the system's own work


async def test_new_tasks_log_their_occurrences_too(live: LiveWorld) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    start = (await _sync(live, owner))["next_cursor"]
    created = await live.client.post(
        f"{API}/homes/{home['id']}/tasks",
        json={"title": "Water the ferns", "due_date": "2026-12-01", "recurrence": "weekly"},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text

    changes = (await _settled(live, owner, start, 5))["changes"]
    kinds = [(c["entity_type"], c["action"]) for c in changes]
    assert ("homes.task", "created") in kinds
    occurrences = [c for c in changes if c["entity_type"] == "homes.task_instance"]
    assert len(occurrences) >= 4  # weekly, a month ahead
    assert {c["fields"]["task_id"] for c in occurrences} == {created.json()["id"]}


async def test_the_daily_job_logs_new_occurrences_and_leaves_the_task_as_it_was(
    live: LiveWorld,
) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    today = datetime.now(UTC).date()
    before = (await _sync(live, owner))["next_cursor"]
    created = await live.client.post(
        f"{API}/homes/{home['id']}/tasks",
        json={"title": "Water the ferns", "due_date": today.isoformat(), "recurrence": "weekly"},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    task = created.json()
    start = await _cursor_past(live, owner, before, task["id"])

    async with live.system.sessionmaker() as session, session.begin():
        assert await generate_instances(session, today + timedelta(days=7)) == 1

    changes = (await _settled(live, owner, start, 1))["changes"]
    assert [(c["entity_type"], c["action"]) for c in changes] == [
        ("homes.task_instance", "created")
    ]
    after = await live.client.get(f"{API}/tasks/{task['id']}", headers=owner.headers)
    assert after.json()["version"] == task["version"]


async def test_every_column_of_a_synced_table_but_hidden_ones_bumps_its_version(
    live: LiveWorld,
) -> None:
    rows = await live.execute(
        """
        SELECT bump.tgrelid::regclass::text, pg_get_triggerdef(bump.oid),
               ARRAY(SELECT attname::text FROM pg_attribute
                     WHERE attrelid = bump.tgrelid AND attnum > 0 AND NOT attisdropped),
               pg_get_triggerdef(logging.oid)
        FROM pg_trigger bump
        JOIN pg_trigger logging ON logging.tgrelid = bump.tgrelid
         AND logging.tgname = replace(bump.tgname, '_bump_version', '_log_update')
        WHERE bump.tgname LIKE '%\\_bump\\_version'
        """
    )
    tables = set()
    for table, bump_trigger, columns, log_trigger in rows:
        assert isinstance(columns, list)
        # Column names that are keywords ("position") come quoted.
        watched = set(re.findall(r"\bnew\.\"?(\w+)", str(bump_trigger)))
        arguments = re.search(r"record_changes\((.*)\)", str(log_trigger))
        assert arguments is not None
        hidden = {a.strip(" '") for a in arguments.group(1).split(",")[1:]}
        assert watched == set(columns) - hidden - {"version"}, table
        tables.add(table)
    assert {"homes.rooms", "homes.items", "homes.tasks", "homes.task_instances"} <= tables


async def test_a_cursor_older_than_the_log_asks_for_a_full_reload(live: LiveWorld) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    start = (await _sync(live, owner))["next_cursor"]
    await create_room(live.client, owner, home["id"], "Cellar")
    await live.execute(
        "UPDATE platform.changes SET occurred_at = now() - interval '91 days' WHERE space_id = :id",
        id=uuid.UUID(home["id"]),
    )
    try:
        async with live.system.sessionmaker() as session, session.begin():
            await defer_in_transaction(session, trim_changes, timestamp=0)
        await live.run_jobs()
        assert await live.execute(
            "SELECT count(*) FROM platform.changes WHERE space_id = :id", id=uuid.UUID(home["id"])
        ) == [(0,)]
        gone = await live.client.get(SYNC, params={"cursor": start}, headers=owner.headers)
        assert gone.status_code == 410, gone.text
        assert gone.json()["code"] == "resync_required"
        # Starting again from the current position works.
        fresh = (await _sync(live, owner))["next_cursor"]
        assert (await _sync(live, owner, fresh))["changes"] == []
    finally:
        await live.execute("DELETE FROM platform.sync_horizon")


async def test_a_malformed_cursor_is_refused(live: LiveWorld) -> None:
    owner = await live.user()
    for cursor in ("abc", "12", "1.2.3", "-1.5"):
        response = await live.client.get(SYNC, params={"cursor": cursor}, headers=owner.headers)
        assert response.status_code == 400, (cursor, response.text)
        assert response.json()["code"] == "invalid_cursor"
    anonymous = await live.client.get(SYNC)
    assert anonymous.status_code == 401
