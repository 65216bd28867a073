"""Occurrences through the API: doing and skipping them, their history, what is coming up in a
home, and the agenda across every home."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from commonhold.apps.homes.maintenance.generation import generate_instances
from tests.apps.homes.factories import API, add_member, create_home, set_tier
from tests.conftest import as_owner, recorded_statements
from tests.factories import TestUser, signup
from tests.mail import Inbox


def _today() -> date:
    return datetime.now(UTC).date()


def _day(offset: int) -> str:
    return (_today() + timedelta(days=offset)).isoformat()


def _problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def _task(
    client: AsyncClient, user: TestUser, home_id: str, title: str, **fields: Any
) -> dict[str, Any]:
    fields.setdefault("due_date", _day(0))
    response = await client.post(
        f"{API}/homes/{home_id}/tasks", json={"title": title, **fields}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _instances(client: AsyncClient, user: TestUser, task_id: str) -> list[dict[str, Any]]:
    """Latest due date first."""
    response = await client.get(
        f"{API}/tasks/{task_id}/instances", params={"limit": 100}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _instance_on(
    client: AsyncClient, user: TestUser, task_id: str, due: str
) -> dict[str, Any]:
    return next(i for i in await _instances(client, user, task_id) if i["due_date"] == due)


async def _close(
    client: AsyncClient, user: TestUser, instance_id: str, action: str = "complete", **body: Any
) -> Response:
    return await client.post(
        f"{API}/task-instances/{instance_id}/{action}", json=body or None, headers=user.headers
    )


async def _task_now(client: AsyncClient, user: TestUser, task_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"{API}/tasks/{task_id}", headers=user.headers)).json()
    return body


# Doing and skipping


async def test_completing_records_who_when_and_notes_and_moves_the_task_on(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(client, alice, home["id"], "Water plants", recurrence="weekly")
    first = await _instance_on(client, alice, task["id"], _day(0))
    before = datetime.now(UTC)

    done = await _close(client, alice, first["id"], notes="Used the rain barrel")
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["completed_by"], body["notes"]) == (
        "completed",
        str(alice.id),
        "Used the rain barrel",
    )
    assert before <= datetime.fromisoformat(body["completed_at"]) <= datetime.now(UTC)
    assert (await _task_now(client, alice, task["id"]))["next_due_date"] == _day(7)

    _problem(await _close(client, alice, first["id"]), 409, "task_instance_closed")
    _problem(await _close(client, alice, first["id"], "skip"), 409, "task_instance_closed")


async def test_skipping_keeps_the_occurrence_on_record_as_skipped(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(client, alice, home["id"], "Mow lawn", recurrence="weekly")
    first = await _instance_on(client, alice, task["id"], _day(0))

    skipped = await _close(client, alice, first["id"], "skip", notes="Raining all week")
    assert (skipped.json()["status"], skipped.json()["notes"]) == ("skipped", "Raining all week")
    assert (await _instance_on(client, alice, task["id"], _day(0)))["status"] == "skipped"
    assert (await _task_now(client, alice, task["id"]))["next_due_date"] == _day(7)


async def test_a_done_one_time_task_has_nothing_left_to_do(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(client, alice, home["id"], "Call plumber", due_date=_day(-3))
    only = (await _instances(client, alice, task["id"]))[0]

    assert (await _close(client, alice, only["id"])).status_code == 200
    assert (await _task_now(client, alice, task["id"]))["next_due_date"] is None
    listed = await client.get(
        f"{API}/homes/{home['id']}/tasks", params={"overdue": True}, headers=alice.headers
    )
    assert listed.json()["items"] == []


async def test_a_completion_may_be_dated_back_but_not_ahead_of_the_members_today(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    zone = "Pacific/Kiritimati"  # UTC+14: often a day ahead of UTC
    await client.patch(f"{API}/me", json={"timezone": zone}, headers=alice.headers)
    their_today = datetime.now(ZoneInfo(zone)).date()
    home = await create_home(client, alice)
    task = await _task(
        client, alice, home["id"], "Clean dryer vent", due_date=their_today.isoformat()
    )
    instance = (await _instances(client, alice, task["id"]))[0]

    tomorrow = (their_today + timedelta(days=1)).isoformat()
    problem = _problem(
        await _close(client, alice, instance["id"], completed_on=tomorrow),
        422,
        "completed_on_in_future",
    )
    assert their_today.isoformat() in problem["detail"]
    earlier = their_today - timedelta(days=4)
    done = await _close(client, alice, instance["id"], completed_on=earlier.isoformat())
    completed_at = datetime.fromisoformat(done.json()["completed_at"])
    assert completed_at.astimezone(ZoneInfo(zone)).date() == earlier


async def test_a_quarterly_filter_history_shows_what_was_done_and_what_was_missed(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    """ "They changed it in January and April but missed July"."""
    alice = await signup(client)
    home = await create_home(client, alice)
    first = _today().replace(day=1) - timedelta(days=365)
    task = await _task(
        client,
        alice,
        home["id"],
        "Change HVAC filter",
        due_date=first.isoformat(),
        recurrence="monthly",
        recurrence_interval=3,
    )
    await _as_if_generated_daily_since_its_first_date(connection, task["id"])
    due = [i["due_date"] for i in await _instances(client, alice, task["id"])][::-1]
    assert due[:4] == [
        first.isoformat(),
        *[_months_after(first, months).isoformat() for months in (3, 6, 9)],
    ]
    january, april = due[0], due[1]
    for on in (january, april):
        instance = await _instance_on(client, alice, task["id"], on)
        assert (await _close(client, alice, instance["id"], completed_on=on)).status_code == 200

    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await client.get(
            f"{API}/tasks/{task['id']}/instances", params=params, headers=alice.headers
        )
        pages.append(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    history = [(i["due_date"], i["status"]) for page in pages for i in page]
    assert [d for d, _ in history] == due[::-1]
    assert history[-3:] == [(due[2], "pending"), (april, "completed"), (january, "completed")]
    assert all(len(page) <= 2 for page in pages)
    # The missed July makes the task overdue.
    overdue = await client.get(
        f"{API}/homes/{home['id']}/tasks", params={"overdue": True}, headers=alice.headers
    )
    assert [t["id"] for t in overdue.json()["items"]] == [task["id"]]
    _problem(
        await client.get(
            f"{API}/tasks/{task['id']}/instances", params={"cursor": "July"}, headers=alice.headers
        ),
        400,
        "invalid_cursor",
    )


def _months_after(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return day.replace(year=total // 12, month=total % 12 + 1)


async def _as_if_generated_daily_since_its_first_date(
    connection: AsyncConnection, task_id: str
) -> None:
    async with as_owner(connection):
        await connection.execute(
            text("UPDATE homes.tasks SET generated_through = NULL WHERE id = :id"), {"id": task_id}
        )
        async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint") as s:
            await generate_instances(s, _today())
            await s.commit()


# Rolling schedules


async def test_a_rolling_task_is_due_again_a_period_after_it_was_done(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(
        client,
        alice,
        home["id"],
        "Clean humidifier",
        recurrence="custom_days",
        recurrence_interval=10,
        recurrence_mode="rolling",
    )
    # One open occurrence at a time.
    assert [i["due_date"] for i in await _instances(client, alice, task["id"])] == [_day(0)]

    first = await _instance_on(client, alice, task["id"], _day(0))
    await _close(client, alice, first["id"], completed_on=_day(-2))
    assert [(i["due_date"], i["status"]) for i in await _instances(client, alice, task["id"])] == [
        (_day(8), "pending"),
        (_day(0), "completed"),
    ]
    assert (await _task_now(client, alice, task["id"]))["next_due_date"] == _day(8)

    # Skipped today: due again 10 days from today.
    second = await _instance_on(client, alice, task["id"], _day(8))
    await _close(client, alice, second["id"], "skip")
    assert (await _task_now(client, alice, task["id"]))["next_due_date"] == _day(10)


async def test_a_rolling_task_done_a_whole_period_early_still_comes_after_that_date(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(
        client,
        alice,
        home["id"],
        "Flush water heater",
        due_date=_day(10),
        recurrence="weekly",
        recurrence_mode="rolling",
    )
    open_one = (await _instances(client, alice, task["id"]))[0]
    await _close(client, alice, open_one["id"])
    assert (await _task_now(client, alice, task["id"]))["next_due_date"] == _day(17)


async def test_a_rolling_task_stops_after_its_end_date(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(
        client,
        alice,
        home["id"],
        "Water new tree",
        recurrence="daily",
        recurrence_interval=3,
        recurrence_mode="rolling",
        recurrence_end_date=_day(4),
    )
    first = (await _instances(client, alice, task["id"]))[0]
    await _close(client, alice, first["id"], completed_on=_day(0))
    second = await _instance_on(client, alice, task["id"], _day(3))
    await _close(client, alice, second["id"], "skip")
    assert (await _task_now(client, alice, task["id"]))["next_due_date"] is None
    assert len(await _instances(client, alice, task["id"])) == 2


async def test_a_schedule_turned_rolling_keeps_one_open_occurrence(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(
        client, alice, home["id"], "Clean filter", recurrence="weekly", due_date=_day(-14)
    )
    assert len(await _instances(client, alice, task["id"])) == 1 + 5

    changed = await client.patch(
        f"{API}/tasks/{task['id']}", json={"recurrence_mode": "rolling"}, headers=alice.headers
    )
    assert changed.status_code == 200, changed.text
    # One open occurrence is left: the first, still due two weeks ago.
    assert [(i["due_date"], i["status"]) for i in await _instances(client, alice, task["id"])] == [
        (_day(-14), "pending")
    ]
    assert changed.json()["next_due_date"] == _day(-14)


# What is coming up in a home


async def _occurrences(
    client: AsyncClient, user: TestUser, home_id: str, start: str, end: str
) -> Response:
    return await client.get(
        f"{API}/homes/{home_id}/occurrences",
        params={"from": start, "to": end},
        headers=user.headers,
    )


async def test_occurrences_in_a_range_come_stored_or_computed_by_date_then_title(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    weekly = await _task(client, alice, home["id"], "Water plants", recurrence="weekly")
    await _task(client, alice, home["id"], "Alpha check", due_date=_day(7))
    rolling = await _task(
        client,
        alice,
        home["id"],
        "Rinse filter",
        due_date=_day(1),
        recurrence="custom_days",
        recurrence_interval=20,
        recurrence_mode="rolling",
    )
    done = await _instance_on(client, alice, weekly["id"], _day(0))
    await _close(client, alice, done["id"])
    stored_before = len(await _instances(client, alice, weekly["id"]))

    response = await _occurrences(client, alice, home["id"], _day(0), _day(60))
    assert response.status_code == 200, response.text
    found = [
        (o["due_date"], o["title"], o["status"], o["instance_id"] is not None)
        for o in response.json()
    ]
    weekly_dates = [
        (_day(7 * k), "Water plants", "completed" if k == 0 else "pending", k <= 4)
        for k in range(9)
    ]
    rolling_dates = [(_day(1 + 20 * k), "Rinse filter", "pending", k == 0) for k in range(3)]
    expected = sorted(
        [*weekly_dates, *rolling_dates, (_day(7), "Alpha check", "pending", True)],
        key=lambda o: (o[0], o[1]),
    )
    assert found == expected
    assert {o["task_id"] for o in response.json() if o["title"] == "Rinse filter"} == {
        rolling["id"]
    }
    # Reading computed nothing into storage.
    assert len(await _instances(client, alice, weekly["id"])) == stored_before

    narrow = await _occurrences(client, alice, home["id"], _day(35), _day(35))
    assert [(o["title"], o["instance_id"]) for o in narrow.json()] == [("Water plants", None)]


async def test_a_paused_task_has_no_coming_occurrences(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(client, alice, home["id"], "Water plants", recurrence="daily")
    await client.post(f"{API}/tasks/{task['id']}/pause", headers=alice.headers)
    assert (await _occurrences(client, alice, home["id"], _day(0), _day(90))).json() == []


@pytest.mark.parametrize(("start", "end"), [(0, -1), (0, 367), (-200, 200)])
async def test_an_occurrence_range_must_run_forward_at_most_366_days(
    client: AsyncClient, start: int, end: int
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    _problem(
        await _occurrences(client, alice, home["id"], _day(start), _day(end)),
        422,
        "invalid_date_range",
    )


async def test_a_full_year_of_occurrences_is_allowed(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    await _task(client, alice, home["id"], "Test smoke alarms", recurrence="monthly")
    response = await _occurrences(client, alice, home["id"], _day(0), _day(366))
    assert response.status_code == 200, response.text
    assert len(response.json()) in (12, 13)


# The agenda across homes


async def test_the_agenda_lists_what_is_open_in_every_home_i_belong_to(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    alice, bob, carol = await signup(client), await signup(client), await signup(client)
    await set_tier(connection, bob, "basic")
    mine = await create_home(client, alice, "Maple Street")
    shared = await create_home(client, bob, "Lake cabin")
    await add_member(client, inbox, bob, shared["id"], alice, "editor")
    strangers = await create_home(client, carol, "Not mine")

    late = await _task(client, alice, mine["id"], "Fix fence", due_date=_day(-3))
    await _task(client, alice, mine["id"], "Water plants", recurrence="weekly")
    await _task(
        client, bob, shared["id"], "Clean gutters", due_date=_day(2), assigned_to=str(bob.id)
    )
    await _task(client, bob, shared["id"], "Winterize pipes", due_date=_day(20))
    paused = await _task(client, alice, mine["id"], "Paused", due_date=_day(1))
    await client.post(f"{API}/tasks/{paused['id']}/pause", headers=alice.headers)
    deleted = await _task(client, alice, mine["id"], "Deleted", due_date=_day(1))
    await client.delete(f"{API}/tasks/{deleted['id']}", headers=alice.headers)
    await _task(client, carol, strangers["id"], "Carol's", due_date=_day(1))

    week = await client.get(f"{API}/agenda", params={"days": 7}, headers=alice.headers)
    assert week.status_code == 200, week.text
    assert [
        (e["due_date"], e["title"], e["home_name"], e["overdue"], e["status"]) for e in week.json()
    ] == [
        (_day(-3), "Fix fence", "Maple Street", True, "pending"),
        (_day(0), "Water plants", "Maple Street", False, "pending"),
        (_day(2), "Clean gutters", "Lake cabin", False, "pending"),
    ]
    fence = week.json()[0]
    assert (fence["home_id"], fence["task_id"]) == (mine["id"], late["id"])
    assert week.json()[2]["assigned_to"] == str(bob.id)
    assert all(e["instance_id"] for e in week.json())

    # Done things leave the agenda; it reaches further ahead when asked.
    await _close(client, alice, fence["instance_id"])
    month = await client.get(f"{API}/agenda", params={"days": 30}, headers=alice.headers)
    titles = [(e["due_date"], e["title"]) for e in month.json()]
    assert (_day(-3), "Fix fence") not in titles
    assert (_day(20), "Winterize pipes") in titles
    assert [d for d, t in titles if t == "Water plants"] == [_day(7 * k) for k in range(5)]


async def test_the_agenda_reaches_past_the_stored_dates_with_computed_ones(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    await _task(client, alice, home["id"], "Water plants", recurrence="weekly")
    agenda = await client.get(f"{API}/agenda", params={"days": 90}, headers=alice.headers)
    entries = [(e["due_date"], e["instance_id"] is not None) for e in agenda.json()]
    assert entries == [(_day(7 * k), k <= 4) for k in range(13)]


@pytest.mark.parametrize("days", [0, 91])
async def test_the_agenda_looks_ahead_1_to_90_days(client: AsyncClient, days: int) -> None:
    alice = await signup(client)
    _problem(
        await client.get(f"{API}/agenda", params={"days": days}, headers=alice.headers),
        422,
        "validation_error",
    )


async def test_the_agenda_answers_in_one_query_whatever_the_number_of_homes(
    client: AsyncClient, connection: AsyncConnection, owner_engine: AsyncEngine
) -> None:
    alice = await signup(client)
    await set_tier(connection, alice, "basic")
    for name in ("One", "Two", "Three"):
        home = await create_home(client, alice, name)
        for n in range(3):
            await _task(client, alice, home["id"], f"{name} {n}", recurrence="daily")
    with recorded_statements(owner_engine) as statements:
        agenda = await client.get(f"{API}/agenda", params={"days": 7}, headers=alice.headers)
    assert len(agenda.json()) == 9 * 7
    assert len([s for s in statements if "homes.task" in s]) == 1, statements
