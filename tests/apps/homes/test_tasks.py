"""Maintenance tasks through the API: creating, finding, changing, pausing and deleting them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.apps.homes.factories import (
    API,
    add_member,
    create_home,
    create_item,
    create_room,
    set_tier,
)
from tests.factories import TestUser, signup
from tests.mail import Inbox


def _today() -> date:
    return datetime.now(UTC).date()


def _problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def _task(
    client: AsyncClient, user: TestUser, home_id: str, title: str = "Clean filter", **fields: Any
) -> dict[str, Any]:
    fields.setdefault("due_date", _today().isoformat())
    response = await client.post(
        f"{API}/homes/{home_id}/tasks", json={"title": title, **fields}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _due_dates(client: AsyncClient, user: TestUser, task_id: str) -> list[str]:
    """The task's stored occurrences, oldest first."""
    response = await client.get(
        f"{API}/tasks/{task_id}/instances", params={"limit": 100}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return sorted(i["due_date"] for i in response.json()["items"])


async def _titles(client: AsyncClient, user: TestUser, path: str, **params: Any) -> list[str]:
    response = await client.get(f"{API}{path}", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    return [t["title"] for t in response.json()["items"]]


# Creating


async def test_a_recurring_task_keeps_every_field_and_its_next_month_of_dates(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"], name="Furnace")
    start = _today() + timedelta(days=1)
    fields: dict[str, Any] = {
        "description": "MERV 11, 16x25x1",
        "priority": 2,
        "item_id": item["id"],
        "room_id": room["id"],
        "assigned_to": str(alice.id),
        "due_date": start.isoformat(),
        "recurrence": "weekly",
        "recurrence_interval": 2,
        "recurrence_end_date": (start + timedelta(days=365)).isoformat(),
        "recurrence_mode": "fixed",
        "notify_days_before": 3,
        "notify_day_of": False,
    }
    task = await _task(client, alice, home["id"], "Change furnace filter", **fields)

    assert {k: task[k] for k in fields} == fields
    assert task["home_id"] == home["id"]
    assert task["created_by"] == str(alice.id)
    assert task["is_active"] is True
    assert task["recurrence_day"] is None
    assert task["next_due_date"] == start.isoformat()
    # Every other week from tomorrow, as far as 30 days past today.
    assert await _due_dates(client, alice, task["id"]) == [
        (start + timedelta(weeks=n)).isoformat() for n in (0, 2, 4)
    ]
    fetched = await client.get(f"{API}/tasks/{task['id']}", headers=alice.headers)
    assert fetched.json() == task


async def test_a_one_time_task_has_exactly_one_occurrence_however_far_ahead(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    due = _today() + timedelta(days=200)
    task = await _task(client, alice, home["id"], "Clean gutters", due_date=due.isoformat())

    assert task["recurrence"] == "none"
    assert task["next_due_date"] == due.isoformat()
    assert await _due_dates(client, alice, task["id"]) == [due.isoformat()]


async def test_a_recurring_task_started_in_the_past_is_due_once_not_for_every_missed_date(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    start = _today() - timedelta(days=70)
    task = await _task(
        client, alice, home["id"], "Descale kettle", due_date=start.isoformat(), recurrence="daily"
    )
    dates = await _due_dates(client, alice, task["id"])
    # The stated first date (overdue), then every day from today.
    assert dates[0] == start.isoformat()
    assert dates[1] == _today().isoformat()
    assert len(dates) == 1 + 31
    assert task["next_due_date"] == start.isoformat()


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        ({"recurrence": "weekly", "recurrence_day": 7}, "0 (Monday) to 6 (Sunday)"),
        ({"recurrence": "daily", "recurrence_day": 3}, "Only weekly and monthly"),
        ({"recurrence": "monthly", "recurrence_end_date": "2020-01-01"}, "before the start"),
        # Every Monday, from a Tuesday to the Sunday after: never.
        (
            {"recurrence": "weekly", "recurrence_day": 0, "recurrence_end_date": "2030-01-06"},
            "no date on or before its end date",
        ),
    ],
)
async def test_an_impossible_schedule_is_refused_with_the_reason_and_nothing_is_written(
    client: AsyncClient, rule: dict[str, Any], sentence: str
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    response = await client.post(
        f"{API}/homes/{home['id']}/tasks",
        json={"title": "Never", "due_date": "2030-01-01", **rule},
        headers=alice.headers,
    )
    assert sentence in _problem(response, 422, "invalid_recurrence")["detail"]
    assert await _titles(client, alice, f"/homes/{home['id']}/tasks") == []


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"description": "x" * 10_001},
        {"priority": 4},
        {"recurrence": "hourly"},
        {"recurrence_interval": 0},
        {"recurrence_interval": 1001},
        {"recurrence_mode": "sometimes"},
        {"notify_days_before": 366},
        {"due_date": None},
        {"due_date": "0001-01-01"},
        {"recurrence_end_date": "9999-12-31"},
        {"surprise": True},
    ],
)
async def test_malformed_task_fields_are_a_422(client: AsyncClient, fields: dict[str, Any]) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    body = {"title": "Clean filter", "due_date": "2030-01-01", **fields}
    response = await client.post(
        f"{API}/homes/{home['id']}/tasks", json=body, headers=alice.headers
    )
    _problem(response, 422, "validation_error")


async def test_a_task_links_only_to_its_own_homes_live_rooms_items_and_members(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice, bob = await signup(client), await signup(client)
    await set_tier(connection, alice, "basic")
    home, other = await create_home(client, alice), await create_home(client, alice, "Cabin")
    foreign_room = await create_room(client, alice, other["id"])
    foreign_item = await create_item(client, alice, foreign_room["id"])
    gone = await create_room(client, alice, home["id"], name="Old shed")
    gone_item = await create_item(client, alice, gone["id"], name="Mower")
    await client.delete(f"{API}/rooms/{gone['id']}", headers=alice.headers)

    for fields, code in [
        ({"room_id": foreign_room["id"]}, "unknown_room"),
        ({"room_id": gone["id"]}, "unknown_room"),
        ({"item_id": foreign_item["id"]}, "unknown_item"),
        ({"item_id": gone_item["id"]}, "unknown_item"),
        ({"assigned_to": str(bob.id)}, "assignee_not_member"),
    ]:
        response = await client.post(
            f"{API}/homes/{home['id']}/tasks",
            json={"title": "Linked", "due_date": "2030-01-01", **fields},
            headers=alice.headers,
        )
        _problem(response, 422, code)
    assert await _titles(client, alice, f"/homes/{home['id']}/tasks") == []


async def test_the_free_plan_allows_25_tasks_per_home(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    tasks = [await _task(client, alice, home["id"], f"Task {n:02}") for n in range(25)]
    problem = _problem(
        await client.post(
            f"{API}/homes/{home['id']}/tasks",
            json={"title": "One more", "due_date": "2030-01-01"},
            headers=alice.headers,
        ),
        403,
        "plan_limit_reached",
    )
    assert (problem["limit_key"], problem["limit"], problem["used"]) == ("home.tasks", 25, 25)

    # A deleted task frees its place, and cannot come back while the place is taken.
    await client.delete(f"{API}/tasks/{tasks[0]['id']}", headers=alice.headers)
    await _task(client, alice, home["id"], "Replacement")
    _problem(
        await client.post(f"{API}/tasks/{tasks[0]['id']}/restore", headers=alice.headers),
        403,
        "plan_limit_reached",
    )
    await set_tier(connection, alice, "basic")
    restored = await client.post(f"{API}/tasks/{tasks[0]['id']}/restore", headers=alice.headers)
    assert restored.status_code == 200, restored.text


# Who may


async def test_viewers_read_tasks_and_change_nothing_and_strangers_see_nothing(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    alice, vic, mallory = await signup(client), await signup(client), await signup(client)
    await set_tier(connection, alice, "basic")
    home = await create_home(client, alice)
    await add_member(client, inbox, alice, home["id"], vic, "viewer")
    task = await _task(client, alice, home["id"])
    instance_id = (
        await client.get(f"{API}/tasks/{task['id']}/instances", headers=alice.headers)
    ).json()["items"][0]["id"]

    assert (await client.get(f"{API}/tasks/{task['id']}", headers=vic.headers)).status_code == 200
    writes = [
        ("POST", f"/homes/{home['id']}/tasks", {"title": "Mine", "due_date": "2030-01-01"}),
        ("PATCH", f"/tasks/{task['id']}", {"title": "Mine"}),
        ("DELETE", f"/tasks/{task['id']}", None),
        ("POST", f"/tasks/{task['id']}/pause", None),
        ("POST", f"/task-instances/{instance_id}/complete", None),
        ("POST", f"/task-instances/{instance_id}/skip", None),
    ]
    for method, path, body in writes:
        response = await client.request(method, f"{API}{path}", json=body, headers=vic.headers)
        _problem(response, 403, "role_not_allowed")

    for method, path, body, code in [
        ("GET", f"/homes/{home['id']}/tasks", None, "home_not_found"),
        *[(m, p, b, "task_not_found") for m, p, b in writes[1:4]],
        ("GET", f"/tasks/{task['id']}", None, "task_not_found"),
        ("GET", f"/tasks/{task['id']}/instances", None, "task_not_found"),
        ("POST", f"/task-instances/{instance_id}/complete", None, "task_instance_not_found"),
        (
            "GET",
            f"/homes/{home['id']}/occurrences?from=2030-01-01&to=2030-01-02",
            None,
            "home_not_found",
        ),
    ]:
        response = await client.request(method, f"{API}{path}", json=body, headers=mallory.headers)
        _problem(response, 404, code)
    unchanged = await client.get(f"{API}/tasks/{task['id']}", headers=alice.headers)
    assert unchanged.json() == task


async def test_tasks_can_be_assigned_to_members_an_editor_among_them(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    alice, bob = await signup(client), await signup(client)
    await set_tier(connection, alice, "basic")
    home = await create_home(client, alice)
    await add_member(client, inbox, alice, home["id"], bob, "editor")
    made_by_bob = await _task(client, bob, home["id"], "Mow", assigned_to=str(alice.id))
    await _task(client, alice, home["id"], "Paint", assigned_to=str(bob.id))
    await _task(client, alice, home["id"], "Sweep")

    assert made_by_bob["created_by"] == str(bob.id)
    path = f"/homes/{home['id']}/tasks"
    assert await _titles(client, alice, path, assigned_to=str(bob.id)) == ["Paint"]
    assert await _titles(client, bob, path, assigned_to=str(alice.id)) == ["Mow"]


# Listing


async def test_tasks_list_by_title_page_by_page_and_filter_by_room_and_overdue(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    kitchen = await create_room(client, alice, home["id"])
    yesterday = (_today() - timedelta(days=1)).isoformat()
    await _task(client, alice, home["id"], "Descale kettle", room_id=kitchen["id"])
    await _task(client, alice, home["id"], "Clean oven", room_id=kitchen["id"], due_date=yesterday)
    await _task(client, alice, home["id"], "Bleed radiators", due_date=yesterday)
    await _task(client, alice, home["id"], "Test smoke alarms")

    path = f"/homes/{home['id']}/tasks"
    first = await client.get(f"{API}{path}", params={"limit": 3}, headers=alice.headers)
    second = await client.get(
        f"{API}{path}",
        params={"limit": 3, "cursor": first.json()["next_cursor"]},
        headers=alice.headers,
    )
    assert [t["title"] for t in first.json()["items"] + second.json()["items"]] == [
        "Bleed radiators",
        "Clean oven",
        "Descale kettle",
        "Test smoke alarms",
    ]
    assert second.json()["next_cursor"] is None
    assert await _titles(client, alice, path, room_id=kitchen["id"]) == [
        "Clean oven",
        "Descale kettle",
    ]
    assert await _titles(client, alice, path, overdue=True) == ["Bleed radiators", "Clean oven"]
    assert await _titles(client, alice, path, overdue=True, room_id=kitchen["id"]) == ["Clean oven"]


async def test_overdue_means_before_the_callers_own_today(client: AsyncClient) -> None:
    """Due today is not overdue, wherever the member lives."""
    alice = await signup(client)
    home = await create_home(client, alice)
    await _task(client, alice, home["id"], "Due today")
    assert await _titles(client, alice, f"/homes/{home['id']}/tasks", overdue=True) == []


async def test_overdue_tasks_for_my_kitchen_include_those_of_its_items(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    kitchen = await create_room(client, alice, home["id"])
    garage = await create_room(client, alice, home["id"], name="Garage")
    fridge = await create_item(client, alice, kitchen["id"], name="Fridge")
    mower = await create_item(client, alice, garage["id"], name="Mower")
    past = (_today() - timedelta(days=3)).isoformat()
    await _task(client, alice, home["id"], "Wipe counters", room_id=kitchen["id"], due_date=past)
    await _task(client, alice, home["id"], "Defrost fridge", item_id=fridge["id"], due_date=past)
    await _task(client, alice, home["id"], "Clean fridge coils", item_id=fridge["id"])
    await _task(
        client, alice, home["id"], "Sharpen mower blade", item_id=mower["id"], due_date=past
    )
    await _task(client, alice, home["id"], "Sweep garage", room_id=garage["id"], due_date=past)

    path = f"/rooms/{kitchen['id']}/tasks"
    assert await _titles(client, alice, path, overdue=True) == ["Defrost fridge", "Wipe counters"]
    assert await _titles(client, alice, path) == [
        "Clean fridge coils",
        "Defrost fridge",
        "Wipe counters",
    ]
    # Once the fridge is done, only the counters are left.
    defrost = (await client.get(f"{API}{path}", headers=alice.headers)).json()["items"][1]
    instances = await client.get(f"{API}/tasks/{defrost['id']}/instances", headers=alice.headers)
    await client.post(
        f"{API}/task-instances/{instances.json()['items'][0]['id']}/complete",
        headers=alice.headers,
    )
    assert await _titles(client, alice, path, overdue=True) == ["Wipe counters"]
    _problem(
        await client.get(
            f"{API}/rooms/{kitchen['id']}/tasks", headers=(await signup(client)).headers
        ),
        404,
        "room_not_found",
    )


# Changing


async def test_changing_the_schedule_replaces_open_dates_and_keeps_what_was_done(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    today = _today()
    task = await _task(client, alice, home["id"], "Water plants", recurrence="weekly")
    done = (await client.get(f"{API}/tasks/{task['id']}/instances", headers=alice.headers)).json()
    first = done["items"][-1]
    assert first["due_date"] == today.isoformat()
    await client.post(f"{API}/task-instances/{first['id']}/complete", headers=alice.headers)

    changed = await client.patch(
        f"{API}/tasks/{task['id']}",
        json={"recurrence": "custom_days", "recurrence_interval": 10},
        headers=alice.headers,
    )
    assert changed.status_code == 200, changed.text
    history = await client.get(f"{API}/tasks/{task['id']}/instances", headers=alice.headers)
    by_date = {i["due_date"]: i["status"] for i in history.json()["items"]}
    # Today's was done and stays; the weekly dates gave way to every 10 days.
    assert by_date == {
        today.isoformat(): "completed",
        **{(today + timedelta(days=n)).isoformat(): "pending" for n in (10, 20, 30)},
    }
    assert changed.json()["next_due_date"] == (today + timedelta(days=10)).isoformat()


async def test_moving_a_one_time_task_moves_its_only_occurrence(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    yesterday = _today() - timedelta(days=1)
    task = await _task(client, alice, home["id"], "Call plumber", due_date=yesterday.isoformat())
    later = _today() + timedelta(days=5)

    moved = await client.patch(
        f"{API}/tasks/{task['id']}", json={"due_date": later.isoformat()}, headers=alice.headers
    )
    assert (moved.json()["due_date"], moved.json()["next_due_date"]) == (
        later.isoformat(),
        later.isoformat(),
    )
    assert await _due_dates(client, alice, task["id"]) == [later.isoformat()]
    assert await _titles(client, alice, f"/homes/{home['id']}/tasks", overdue=True) == []


async def test_an_update_changes_only_what_it_names(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    task = await _task(
        client, alice, home["id"], recurrence="monthly", room_id=room["id"], description="Note"
    )
    dates = await _due_dates(client, alice, task["id"])

    changed = await client.patch(
        f"{API}/tasks/{task['id']}",
        json={"title": "Clean filters", "room_id": None, "priority": 3},
        headers=alice.headers,
    )
    body = changed.json()
    assert (body["title"], body["room_id"], body["priority"]) == ("Clean filters", None, 3)
    assert body["description"] == "Note"
    assert await _due_dates(client, alice, task["id"]) == dates
    for fields, code in [
        ({"title": None}, "validation_error"),
        ({"recurrence_interval": None}, "validation_error"),
        ({"recurrence_day": 40}, "validation_error"),
        ({"recurrence_end_date": "2000-01-01"}, "invalid_recurrence"),
        ({"recurrence": "daily", "recurrence_day": 2}, "invalid_recurrence"),
        ({"room_id": "00000000-0000-0000-0000-000000000000"}, "unknown_room"),
    ]:
        response = await client.patch(
            f"{API}/tasks/{task['id']}", json=fields, headers=alice.headers
        )
        _problem(response, 422, code)
    unchanged = await client.get(f"{API}/tasks/{task['id']}", headers=alice.headers)
    assert unchanged.json()["title"] == "Clean filters"
    assert await _due_dates(client, alice, task["id"]) == dates


async def test_pausing_drops_coming_dates_and_resuming_starts_again_from_today(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    today = _today()
    past = today - timedelta(days=14)
    task = await _task(
        client, alice, home["id"], "Feed sourdough", recurrence="weekly", due_date=past.isoformat()
    )
    weekly = [(past + timedelta(weeks=n)).isoformat() for n in (2, 3, 4, 5, 6)]
    assert await _due_dates(client, alice, task["id"]) == [past.isoformat(), *weekly]

    paused = await client.post(f"{API}/tasks/{task['id']}/pause", headers=alice.headers)
    assert paused.json()["is_active"] is False
    # The missed one stays on record; nothing comes while paused.
    assert await _due_dates(client, alice, task["id"]) == [past.isoformat()]
    assert paused.json()["next_due_date"] == past.isoformat()
    assert await _titles(client, alice, f"/homes/{home['id']}/tasks", overdue=True) == []

    resumed = await client.post(f"{API}/tasks/{task['id']}/resume", headers=alice.headers)
    assert resumed.json()["is_active"] is True
    assert await _due_dates(client, alice, task["id"]) == [past.isoformat(), *weekly]
    again = await client.post(f"{API}/tasks/{task['id']}/resume", headers=alice.headers)
    assert again.json() == resumed.json()


async def test_a_deleted_task_disappears_and_comes_back_with_its_history(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(client, alice, home["id"], recurrence="monthly")
    dates = await _due_dates(client, alice, task["id"])

    assert (
        await client.delete(f"{API}/tasks/{task['id']}", headers=alice.headers)
    ).status_code == 204
    _problem(
        await client.get(f"{API}/tasks/{task['id']}", headers=alice.headers), 404, "task_not_found"
    )
    path = f"/homes/{home['id']}/tasks"
    assert await _titles(client, alice, path) == []
    assert await _titles(client, alice, path, deleted=True) == ["Clean filter"]

    restored = await client.post(f"{API}/tasks/{task['id']}/restore", headers=alice.headers)
    assert restored.status_code == 200, restored.text
    assert await _due_dates(client, alice, task["id"]) == dates
    _problem(
        await client.post(f"{API}/tasks/{task['id']}/restore", headers=alice.headers),
        409,
        "not_deleted",
    )


async def test_the_audit_trail_names_every_change_to_a_task(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(client, alice, home["id"])
    instances = await client.get(f"{API}/tasks/{task['id']}/instances", headers=alice.headers)
    await client.post(
        f"{API}/task-instances/{instances.json()['items'][0]['id']}/complete",
        headers=alice.headers,
    )
    await client.patch(f"{API}/tasks/{task['id']}", json={"title": "X"}, headers=alice.headers)
    await client.delete(f"{API}/tasks/{task['id']}", headers=alice.headers)
    await client.post(f"{API}/tasks/{task['id']}/restore", headers=alice.headers)

    trail = await client.get(f"{API}/spaces/{home['id']}/audit", headers=alice.headers)
    actions = [e["action"] for e in trail.json()["items"] if e["action"].startswith("task")]
    assert actions == [
        "task.restored",
        "task.deleted",
        "task.updated",
        "task_instance.completed",
        "task.created",
    ]
