"""Completing cards, and recurring cards that come back when completed: due again at the
rule's next date at the same local time, their checklists to do again."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from httpx import AsyncClient

from commonhold.apps.boards.cards.service import next_due
from commonhold.apps.boards.models import Card
from commonhold.apps.boards.tasks import tell_due_soon
from commonhold.platform.db.base import utcnow
from tests.apps.boards.factories import (
    API,
    create_board,
    create_card,
    create_list,
    create_workspace,
    created,
)
from tests.apps.homes.factories import add_member
from tests.factories import TestUser, signup
from tests.live import LiveWorld
from tests.mail import Inbox

BERLIN = ZoneInfo("Europe/Berlin")


async def _list_of(client: AsyncClient, owner: TestUser) -> tuple[str, str]:
    """A board of a new workspace of ``owner``, and the id of its one list."""
    workspace = await create_workspace(client, owner)
    board = await create_board(client, owner, workspace["id"])
    return board["id"], (await create_list(client, owner, board["id"]))["id"]


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _at(moment: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(zone)


def _card(due_at: datetime, **rule: Any) -> Card:
    """A recurring card as the service anchors it: the rule starts on the due date there."""
    zone = rule.pop("recurrence_timezone", "Europe/Berlin")
    return Card(
        due_at=due_at,
        recurrence_timezone=zone,
        recurrence_starts_on=due_at.astimezone(ZoneInfo(zone)).date(),
        recurrence_interval=rule.pop("recurrence_interval", 1),
        recurrence_mode=rule.pop("recurrence_mode", "fixed"),
        recurrence_day=rule.pop("recurrence_day", None),
        recurrence_end_date=rule.pop("recurrence_end_date", None),
        **rule,
    )


async def test_a_weekly_card_completed_comes_back_a_week_later_with_its_checklist_to_do(
    client: AsyncClient,
) -> None:
    ada = await signup(client, name="Ada")
    board_id, list_id = await _list_of(client, ada)
    due = (datetime.now(BERLIN) + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    card = await create_card(
        client,
        ada,
        list_id,
        "Water the plants",
        due_at=due.isoformat(),
        recurrence="weekly",
        recurrence_timezone="Europe/Berlin",
    )
    assert (card["recurrence"], card["recurrence_timezone"]) == ("weekly", "Europe/Berlin")
    checklist = created(
        await client.post(
            f"{API}/cards/{card['id']}/checklists", json={"title": "Rooms"}, headers=ada.headers
        )
    )
    item = created(
        await client.post(
            f"{API}/checklists/{checklist['id']}/items",
            json={"text": "Kitchen"},
            headers=ada.headers,
        )
    )
    _ok(
        await client.patch(
            f"{API}/checklist-items/{item['id']}", json={"done": True}, headers=ada.headers
        )
    )

    completed = _ok(await client.post(f"{API}/cards/{card['id']}/complete", headers=ada.headers))

    assert completed["completed_at"] is None
    assert _at(completed["due_at"]) == due + timedelta(days=7)
    assert _at(completed["due_at"]).hour == 9
    detail = _ok(await client.get(f"{API}/cards/{card['id']}", headers=ada.headers))
    assert [i["done"] for i in detail["checklists"][0]["items"]] == [False]
    view = _ok(await client.get(f"{API}/boards/{board_id}", headers=ada.headers))
    [shown] = view["lists"][0]["cards"]
    assert (shown["recurrence"], shown["completed_at"]) == ("weekly", None)
    assert shown["due_at"] == completed["due_at"]
    activity = _ok(await client.get(f"{API}/boards/{board_id}/activity", headers=ada.headers))
    recurred = next(a for a in activity["items"] if a["action"] == "card.recurred")
    assert _at(recurred["data"]["completed_due_at"]) == due


async def test_a_card_completed_stays_completed_until_reopened(client: AsyncClient) -> None:
    ada = await signup(client, name="Ada")
    _, list_id = await _list_of(client, ada)
    card = await create_card(client, ada, list_id, "Send the invoice")
    assert card["completed_at"] is None

    completed = _ok(await client.post(f"{API}/cards/{card['id']}/complete", headers=ada.headers))
    assert completed["completed_at"] is not None
    again = _ok(await client.post(f"{API}/cards/{card['id']}/complete", headers=ada.headers))
    assert again["completed_at"] == completed["completed_at"]

    reopened = _ok(await client.post(f"{API}/cards/{card['id']}/reopen", headers=ada.headers))
    assert reopened["completed_at"] is None


async def test_a_recurring_card_whose_rule_has_ended_is_completed(client: AsyncClient) -> None:
    ada = await signup(client, name="Ada")
    _, list_id = await _list_of(client, ada)
    due = datetime.now(UTC) + timedelta(hours=2)
    card = await create_card(
        client,
        ada,
        list_id,
        "Renew the domain",
        due_at=due.isoformat(),
        recurrence="daily",
        recurrence_timezone="UTC",
        recurrence_end_date=due.date().isoformat(),
    )

    completed = _ok(await client.post(f"{API}/cards/{card['id']}/complete", headers=ada.headers))

    assert completed["completed_at"] is not None
    assert completed["due_at"] == card["due_at"]


async def test_a_recurring_card_takes_the_callers_time_zone_unless_given_one(
    client: AsyncClient,
) -> None:
    ada = await signup(client, name="Ada")
    _ok(await client.patch(f"{API}/me", json={"timezone": "America/New_York"}, headers=ada.headers))
    _, list_id = await _list_of(client, ada)
    card = await create_card(
        client, ada, list_id, "Standup notes", due_at="2027-01-04T14:00:00Z", recurrence="daily"
    )
    assert card["recurrence_timezone"] == "America/New_York"

    stopped = _ok(
        await client.patch(
            f"{API}/cards/{card['id']}", json={"recurrence": "none"}, headers=ada.headers
        )
    )
    assert (stopped["recurrence"], stopped["recurrence_timezone"]) == ("none", None)


async def test_bad_recurrences_are_refused_and_change_nothing(client: AsyncClient) -> None:
    ada = await signup(client, name="Ada")
    _, list_id = await _list_of(client, ada)
    cards_url = f"{API}/lists/{list_id}/cards"

    no_due = await client.post(
        cards_url, json={"title": "Backups", "recurrence": "weekly"}, headers=ada.headers
    )
    assert (no_due.status_code, no_due.json()["code"]) == (422, "recurrence_needs_due_time")
    bad_day = await client.post(
        cards_url,
        json={
            "title": "Backups",
            "due_at": "2027-01-04T09:00:00Z",
            "recurrence": "weekly",
            "recurrence_day": 9,
        },
        headers=ada.headers,
    )
    assert (bad_day.status_code, bad_day.json()["code"]) == (422, "invalid_recurrence")
    assert "weekday" in bad_day.json()["detail"]

    card = await create_card(
        client, ada, list_id, "Backups", due_at="2027-01-04T09:00:00Z", recurrence="weekly"
    )
    url = f"{API}/cards/{card['id']}"
    undated = await client.patch(url, json={"due_at": None}, headers=ada.headers)
    assert (undated.status_code, undated.json()["code"]) == (422, "recurrence_needs_due_time")
    ended = await client.patch(url, json={"recurrence_end_date": "2026-12-31"}, headers=ada.headers)
    assert (ended.status_code, ended.json()["code"]) == (422, "invalid_recurrence")
    kept = _ok(await client.get(url, headers=ada.headers))
    assert (kept["due_at"], kept["recurrence_end_date"]) == (card["due_at"], None)
    assert kept["version"] == card["version"]

    listed = _ok(await client.get(cards_url, headers=ada.headers))
    assert [c["title"] for c in listed["items"]] == ["Backups"]


async def test_an_observer_cannot_complete_a_card(client: AsyncClient, inbox: Inbox) -> None:
    ada, grace = await signup(client, name="Ada"), await signup(client, name="Grace")
    workspace = await create_workspace(client, ada)
    await add_member(client, inbox, ada, workspace["id"], grace)
    board = await create_board(client, ada, workspace["id"])
    created(
        await client.post(
            f"{API}/boards/{board['id']}/members",
            json={"user_id": str(grace.id), "role": "observer"},
            headers=ada.headers,
        )
    )
    todo = await create_list(client, ada, board["id"])
    card = await create_card(client, ada, todo["id"])

    refused = await client.post(f"{API}/cards/{card['id']}/complete", headers=grace.headers)

    assert (refused.status_code, refused.json()["code"]) == (403, "board_role_not_allowed")
    kept = _ok(await client.get(f"{API}/cards/{card['id']}", headers=ada.headers))
    assert kept["completed_at"] is None


async def test_a_completed_card_is_not_told_as_due_soon(live: LiveWorld) -> None:
    ada = await live.user("Ada")
    _, list_id = await _list_of(live.client, ada)
    due = (utcnow() + timedelta(hours=3)).isoformat()
    cards = [await create_card(live.client, ada, list_id, title, due_at=due) for title in "AB"]
    for card in cards:
        _ok(
            await live.client.post(
                f"{API}/cards/{card['id']}/assignees",
                json={"user_id": str(ada.id)},
                headers=ada.headers,
            )
        )
    url = f"{API}/cards/{cards[1]['id']}/complete"
    _ok(await live.client.post(url, headers=ada.headers))

    async with live.system.sessionmaker() as session, session.begin():
        assert await tell_due_soon(session, utcnow()) == 1

    notifications = _ok(await live.client.get(f"{API}/notifications", headers=ada.headers))
    told = [n for n in notifications["items"] if n["type"] == "boards.card_due_soon"]
    assert [n["data"]["card"] for n in told] == ["A"]


# The next due time, reckoned for a given moment of completion


def test_the_local_time_is_kept_across_a_change_of_summer_time() -> None:
    due = datetime(2026, 10, 24, 9, tzinfo=BERLIN)  # 07:00 UTC, summer time
    card = _card(due, recurrence="weekly")

    following = next_due(card, datetime(2026, 10, 24, 8, tzinfo=UTC))

    assert following == datetime(2026, 10, 31, 9, tzinfo=BERLIN)
    assert following is not None
    assert following.astimezone(UTC).hour == 8  # winter time


def test_a_fixed_rule_skips_the_times_that_went_by_while_the_card_was_late() -> None:
    card = _card(datetime(2026, 3, 2, 9, tzinfo=UTC), recurrence="daily", recurrence_timezone="UTC")

    before_nine = next_due(card, datetime(2026, 3, 6, 8, tzinfo=UTC))
    after_nine = next_due(card, datetime(2026, 3, 6, 12, tzinfo=UTC))

    assert before_nine == datetime(2026, 3, 6, 9, tzinfo=UTC)
    assert after_nine == datetime(2026, 3, 7, 9, tzinfo=UTC)


def test_a_fixed_rule_completed_early_keeps_to_its_calendar() -> None:
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    card = _card(monday, recurrence="weekly", recurrence_interval=2, recurrence_timezone="UTC")

    assert next_due(card, monday - timedelta(days=3)) == monday + timedelta(weeks=2)


def test_a_rolling_rule_counts_from_the_day_it_was_done() -> None:
    card = _card(
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        recurrence="custom_days",
        recurrence_interval=10,
        recurrence_mode="rolling",
        recurrence_timezone="UTC",
    )

    assert next_due(card, datetime(2026, 3, 5, 18, tzinfo=UTC)) == datetime(
        2026, 3, 15, 9, tzinfo=UTC
    )


def test_a_monthly_card_on_the_31st_comes_back_on_each_months_last_day() -> None:
    card = _card(
        datetime(2027, 1, 31, 9, tzinfo=UTC), recurrence="monthly", recurrence_timezone="UTC"
    )
    dates = []
    now = datetime(2027, 1, 31, 10, tzinfo=UTC)
    for _ in range(3):
        following = next_due(card, now)
        assert following is not None
        dates.append(following.date())
        card.due_at, now = following, following + timedelta(hours=1)

    assert dates == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]


def test_a_card_that_does_not_recur_has_no_next_time() -> None:
    card = Card(id=uuid.uuid4(), due_at=datetime(2026, 3, 2, tzinfo=UTC), recurrence="none")
    assert next_due(card, datetime(2026, 3, 3, tzinfo=UTC)) is None
