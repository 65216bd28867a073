"""Reminders of due maintenance and word of new assignments, sent by the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from commonhold.apps.homes.maintenance.reminders import send_due_reminders
from tests.apps.homes.factories import API, add_member, create_home, create_room
from tests.factories import TestUser
from tests.live import LiveWorld
from tests.mail import Inbox, mail_part


def _zone_in_the_day() -> str:
    """A timezone whose clock now reads between 09:00 and 20:59: past the reminder hour,
    and far enough from midnight that "today" holds for the whole test."""
    now = datetime.now(UTC)
    for offset in range(-12, 15):
        if 9 <= (now + timedelta(hours=offset)).hour <= 20:
            # POSIX sign convention: Etc/GMT-3 is three hours ahead of UTC.
            return f"Etc/GMT{-offset:+d}" if offset else "Etc/UTC"
    raise AssertionError("every hour of the day is covered by some offset")


async def _household(
    live: LiveWorld, inbox: Inbox
) -> tuple[TestUser, TestUser, dict[str, Any], str]:
    owner, member = await live.user("Olive"), await live.user("Milo")
    zone = _zone_in_the_day()
    for user in (owner, member):
        await live.execute(
            "UPDATE platform.users SET timezone = :zone WHERE id = :id", zone=zone, id=user.id
        )
    await live.set_tier(owner, "basic")
    home = await create_home(live.client, owner, "Maple Street")
    await add_member(live.client, inbox, owner, home["id"], member)
    return owner, member, home, zone


async def _task(live: LiveWorld, owner: TestUser, home_id: str, **fields: Any) -> dict[str, Any]:
    response = await live.client.post(
        f"{API}/homes/{home_id}/tasks", json=fields, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _notifications(live: LiveWorld, *users: TestUser) -> set[tuple[Any, ...]]:
    rows = await live.execute(
        "SELECT user_id, type, title FROM platform.notifications WHERE user_id = ANY(:ids)",
        ids=[user.id for user in users],
    )
    return set(rows)


async def test_due_today_reaches_every_member_and_due_soon_only_the_assignee(
    live: LiveWorld, inbox: Inbox
) -> None:
    owner, member, home, zone = await _household(live, inbox)
    today = datetime.now(ZoneInfo(zone)).date()
    kitchen = await create_room(live.client, owner, home["id"], "Kitchen")
    await _task(live, owner, home["id"], title="Water the plants", due_date=today.isoformat())
    await _task(
        live,
        owner,
        home["id"],
        title="Clean the range hood filter",
        due_date=(today + timedelta(days=1)).isoformat(),
        room_id=kitchen["id"],
        assigned_to=str(member.id),
    )
    await _task(
        live,
        owner,
        home["id"],
        title="Quiet chore",
        due_date=today.isoformat(),
        notify_day_of=False,
    )
    await _task(
        live, owner, home["id"], title="Far away", due_date=(today + timedelta(days=5)).isoformat()
    )

    for _ in range(2):  # the second run, later the same day, reminds nobody again
        async with live.system.sessionmaker() as session, session.begin():
            await send_due_reminders(session)

    reminders = {
        row for row in await _notifications(live, owner, member) if row[1] != "homes.task_assigned"
    }
    assert reminders == {
        (owner.id, "homes.task_due_today", "Water the plants is due today"),
        (member.id, "homes.task_due_today", "Water the plants is due today"),
        (member.id, "homes.task_due_soon", "Clean the range hood filter is due tomorrow"),
    }
    await live.run_jobs()
    mail = await inbox.wait_for(member.email, "is due tomorrow")
    assert "Where: Maple Street · Kitchen" in mail_part(mail, "text/plain")


async def test_an_assignee_hears_of_the_assignment_once_it_commits(
    live: LiveWorld, inbox: Inbox
) -> None:
    owner, member, home, zone = await _household(live, inbox)
    today = datetime.now(ZoneInfo(zone)).date()
    radiators = await _task(
        live,
        owner,
        home["id"],
        title="Bleed the radiators",
        due_date=today.isoformat(),
        assigned_to=str(member.id),
    )
    own = await _task(live, owner, home["id"], title="My own chore", due_date=today.isoformat())
    await live.client.patch(
        f"{API}/tasks/{own['id']}", json={"assigned_to": str(owner.id)}, headers=owner.headers
    )
    await live.run_jobs()

    assigned = {
        row for row in await _notifications(live, owner, member) if row[1] == "homes.task_assigned"
    }
    assert assigned == {
        (member.id, "homes.task_assigned", "Olive assigned you Bleed the radiators")
    }
    # Assignments reach the app and push by default, not email.
    assert not [m for m in inbox.messages if m["To"] == member.email and "assigned" in m["Subject"]]
    inbox_page = await live.client.get("/api/v1/notifications", headers=member.headers)
    [entry] = inbox_page.json()["items"]
    assert entry["data"]["task_id"] == radiators["id"]
    assert entry["data"]["due_date"] == today.isoformat()
