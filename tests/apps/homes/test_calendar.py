"""Private calendar links: what a calendar app subscribed to one sees, and when it stops."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from httpx import AsyncClient, Response
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.apps.homes.factories import API, add_member, create_home, set_tier
from tests.factories import TestUser, signup
from tests.mail import Inbox


def _day(offset: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=offset)


def _problem(response: Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text


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


async def _feed_url(client: AsyncClient, user: TestUser, home_id: str) -> str:
    response = await client.post(f"{API}/homes/{home_id}/calendar-feed", headers=user.headers)
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    return url


async def _fetch(client: AsyncClient, url: str) -> Response:
    """As a calendar app would: no login, just the link."""
    parts = urlsplit(url)
    return await client.get(f"{parts.path}?{parts.query}")


async def _events(client: AsyncClient, url: str) -> list[dict[str, Any]]:
    response = await _fetch(client, url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return [
        {
            "uid": str(event["UID"]),
            "summary": str(event["SUMMARY"]),
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "description": str(event.get("DESCRIPTION", "")),
            "status": str(event.get("STATUS", "")),
        }
        for event in calendar.walk("VEVENT")
    ]


async def test_a_calendar_app_sees_every_due_date_from_last_month_to_next_year(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice, "Maple Street")
    await _task(
        client,
        alice,
        home["id"],
        "Test smoke alarms",
        recurrence="monthly",
        due_date=_day(-40).isoformat(),
        description="Press and hold each button",
    )
    await _task(client, alice, home["id"], "Clean gutters", due_date=_day(400).isoformat())
    url = await _feed_url(client, alice, home["id"])
    assert url.startswith(f"http://127.0.0.1:8000/api/v1/homes/{home['id']}/calendar.ics?token=")

    events = await _events(client, url)
    monthly = [e for e in events if e["summary"] == "Test smoke alarms"]
    # Monthly from 40 days ago: the first (10 days before the window) is out, a year ahead in.
    assert 12 <= len(monthly) <= 14
    assert all(_day(-30) <= e["start"] <= _day(365) for e in monthly)
    assert all(e["end"] == e["start"] + timedelta(days=1) for e in monthly)
    assert {e["description"] for e in monthly} == {"Press and hold each button"}
    assert "Clean gutters" not in {e["summary"] for e in events}
    raw = (await _fetch(client, url)).text
    assert "X-WR-CALNAME:Maple Street: maintenance" in raw
    assert "DTSTART;VALUE=DATE:" in raw


async def test_events_keep_their_uid_and_show_what_was_done_or_skipped(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    task = await _task(client, alice, home["id"], "Water plants", recurrence="weekly")
    url = await _feed_url(client, alice, home["id"])
    before = {e["start"]: e["uid"] for e in await _events(client, url)}

    instances = await client.get(f"{API}/tasks/{task['id']}/instances", headers=alice.headers)
    by_date = {i["due_date"]: i["id"] for i in instances.json()["items"]}
    await client.post(
        f"{API}/task-instances/{by_date[_day(0).isoformat()]}/complete", headers=alice.headers
    )
    await client.post(
        f"{API}/task-instances/{by_date[_day(7).isoformat()]}/skip", headers=alice.headers
    )

    after = {e["start"]: e for e in await _events(client, url)}
    assert {day: e["uid"] for day, e in after.items()} == before
    assert len(set(before.values())) == len(before)
    assert (after[_day(0)]["summary"], after[_day(0)]["status"]) == ("✓ Water plants", "")
    assert (after[_day(7)]["summary"], after[_day(7)]["status"]) == ("Water plants", "CANCELLED")
    assert after[_day(14)]["summary"] == "Water plants"


async def test_a_new_link_replaces_the_old_and_a_revoked_link_stops_working(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    old = await _feed_url(client, alice, home["id"])
    new = await _feed_url(client, alice, home["id"])
    assert old != new
    _problem(await _fetch(client, old), 404, "calendar_not_found")
    assert (await _fetch(client, new)).status_code == 200

    revoked = await client.delete(f"{API}/homes/{home['id']}/calendar-feed", headers=alice.headers)
    assert revoked.status_code == 204
    _problem(await _fetch(client, new), 404, "calendar_not_found")
    _problem(
        await client.delete(f"{API}/homes/{home['id']}/calendar-feed", headers=alice.headers),
        404,
        "calendar_not_found",
    )


async def test_a_link_opens_only_its_own_home_and_only_with_its_token(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    await set_tier(connection, alice, "basic")
    home, other = await create_home(client, alice), await create_home(client, alice, "Cabin")
    url = await _feed_url(client, alice, home["id"])
    token = parse_qs(urlsplit(url).query)["token"][0]

    for path in [
        f"{API}/homes/{other['id']}/calendar.ics?token={token}",
        f"{API}/homes/{home['id']}/calendar.ics?token={token[:-1]}",
        f"{API}/homes/{home['id']}/calendar.ics?token=guess",
    ]:
        _problem(await client.get(path), 404, "calendar_not_found")
    _problem(await client.get(f"{API}/homes/{home['id']}/calendar.ics"), 422, "validation_error")


async def test_a_member_who_leaves_loses_the_feed_and_each_member_has_their_own(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    alice, vic = await signup(client), await signup(client)
    await set_tier(connection, alice, "basic")
    home = await create_home(client, alice)
    await add_member(client, inbox, alice, home["id"], vic, "viewer")
    await _task(client, alice, home["id"], "Sweep chimney", due_date=_day(3).isoformat())
    mine, theirs = (
        await _feed_url(client, alice, home["id"]),
        await _feed_url(client, vic, home["id"]),
    )

    assert [e["summary"] for e in await _events(client, theirs)] == ["Sweep chimney"]
    left = await client.delete(f"{API}/spaces/{home['id']}/members/{vic.id}", headers=vic.headers)
    assert left.status_code == 204, left.text
    _problem(await _fetch(client, theirs), 404, "calendar_not_found")
    assert (await _fetch(client, mine)).status_code == 200


async def test_a_deleted_home_has_no_calendar_and_strangers_get_no_link(
    client: AsyncClient,
) -> None:
    alice, mallory = await signup(client), await signup(client)
    home = await create_home(client, alice)
    url = await _feed_url(client, alice, home["id"])
    _problem(
        await client.post(f"{API}/homes/{home['id']}/calendar-feed", headers=mallory.headers),
        404,
        "home_not_found",
    )
    await client.delete(f"{API}/homes/{home['id']}", headers=alice.headers)
    _problem(await _fetch(client, url), 404, "calendar_not_found")
