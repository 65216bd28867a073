"""What people hear of on boards: mentions in comments and descriptions, cards given to them
and cards of theirs due soon, each once, as their preferences say, and only once the change
that tells it has committed."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncConnection

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
from tests.broker import listening, next_message
from tests.conftest import row_counts
from tests.factories import TestUser, signup
from tests.live import LiveWorld
from tests.mail import Inbox, mail_part

MENTIONED = "boards.mentioned"
ASSIGNED = "boards.card_assigned"
DUE_SOON = "boards.card_due_soon"


def mention(person: TestUser, name: str) -> str:
    return f"@[{name}](user:{person.id})"


async def _team(live: LiveWorld, inbox: Inbox) -> tuple[TestUser, TestUser, TestUser, str]:
    """Ada owns a workspace where Grace and Max are editors; the id of its first card."""
    ada, grace, max_ = [await live.user(name) for name in ("Ada", "Grace", "Max")]
    workspace = await create_workspace(live.client, ada)
    for person in (grace, max_):
        await add_member(live.client, inbox, ada, workspace["id"], person)
    board = await create_board(live.client, ada, workspace["id"], "Website relaunch")
    todo = await create_list(live.client, ada, board["id"])
    card = await create_card(live.client, ada, todo["id"], "Press release")
    return ada, grace, max_, card["id"]


async def _inbox(live: LiveWorld, person: TestUser, kind: str) -> list[dict[str, Any]]:
    """``person``'s notifications of ``kind`` in the app, newest first."""
    response = await live.client.get(f"{API}/notifications", headers=person.headers)
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["type"] == kind]


async def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_comment_tells_whom_it_mentions_once_and_not_its_author(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace, max_, card_id = await _team(live, inbox)
    comment = await _ok(
        await live.client.post(
            f"{API}/cards/{card_id}/comments",
            json={
                "body": f"{mention(grace, 'Grace')} can you check the quote? {mention(ada, 'me')}"
            },
            headers=ada.headers,
        )
    )
    await live.run_jobs()

    [told] = await _inbox(live, grace, MENTIONED)
    assert told["title"] == "Ada mentioned you on Press release"
    assert told["body"] == "@Grace can you check the quote? @me"
    assert told["data"]["comment_id"] == comment["id"]
    assert await _inbox(live, ada, MENTIONED) == []
    mail = await inbox.wait_for(grace.email, "Ada mentioned you on Press release")
    assert "in a comment on Press release (Website relaunch)" in mail_part(mail, "text/plain")

    # Edited, the comment tells only whom it mentions anew.
    for body in (
        f"{mention(grace, 'Grace')} can you check the quote today?",
        f"{mention(grace, 'Grace')} and {mention(max_, 'Max')}: the quote, today?",
    ):
        await _ok(
            await live.client.patch(
                f"{API}/comments/{comment['id']}", json={"body": body}, headers=ada.headers
            )
        )
        await live.run_jobs()
    assert len(await _inbox(live, grace, MENTIONED)) == 1
    [told_max] = await _inbox(live, max_, MENTIONED)
    assert told_max["body"] == "@Grace and @Max: the quote, today?"
    assert len(inbox.to(grace.email, "mentioned you")) == 1


async def test_a_description_tells_whom_it_mentions_when_written_and_rewritten(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace, max_, card_id = await _team(live, inbox)
    card = await _ok(await live.client.get(f"{API}/cards/{card_id}", headers=ada.headers))
    described = await create_card(
        live.client,
        grace,
        card["list_id"],
        "Launch checklist",
        description=f"Owner: {mention(ada, 'Ada')}",
    )
    await live.run_jobs()
    [told] = await _inbox(live, ada, MENTIONED)
    assert told["title"] == "Grace mentioned you on Launch checklist"
    assert told["data"]["comment_id"] is None

    url = f"{API}/cards/{described['id']}"
    for description in (
        f"Owner: {mention(ada, 'Ada')}, due Friday",
        f"Owner: {mention(ada, 'Ada')}, reviewer: {mention(max_, 'Max')}",
    ):
        await _ok(
            await live.client.patch(url, json={"description": description}, headers=grace.headers)
        )
        await live.run_jobs()
    assert len(await _inbox(live, ada, MENTIONED)) == 1
    [told_max] = await _inbox(live, max_, MENTIONED)
    assert told_max["body"] == "Owner: @Ada, reviewer: @Max"
    mail = await inbox.wait_for(max_.email, "Grace mentioned you on Launch checklist")
    assert "in the description of Launch checklist" in mail_part(mail, "text/plain")
    assert await _inbox(live, grace, MENTIONED) == []


async def test_mentioning_someone_who_cannot_see_the_board_is_refused_and_changes_nothing(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    ada, grace, outsider = [await signup(client, name=n) for n in ("Ada", "Grace", "Olga")]
    workspace = await create_workspace(client, ada)
    await add_member(client, inbox, ada, workspace["id"], grace)
    shared = await create_board(client, ada, workspace["id"], "Roadmap")
    secret = await create_board(client, ada, workspace["id"], "Surprise", visibility="private")
    shared_card = await create_card(
        client, ada, (await create_list(client, ada, shared["id"]))["id"]
    )
    secret_list = await create_list(client, ada, secret["id"])
    secret_card = await create_card(client, ada, secret_list["id"])
    comment = created(
        await client.post(
            f"{API}/cards/{shared_card['id']}/comments", json={"body": "Draft"}, headers=ada.headers
        )
    )
    before = await row_counts(connection)

    not_in_workspace = f"Ask {mention(outsider, 'Olga')}"
    not_on_private_board = f"Ask {mention(grace, 'Grace')}"
    for method, url, body in (
        ("POST", f"/cards/{shared_card['id']}/comments", {"body": not_in_workspace}),
        ("POST", f"/cards/{secret_card['id']}/comments", {"body": not_on_private_board}),
        ("PATCH", f"/comments/{comment['id']}", {"body": not_in_workspace}),
        (
            "POST",
            f"/lists/{secret_list['id']}/cards",
            {"title": "T", "description": not_on_private_board},
        ),
        ("PATCH", f"/cards/{shared_card['id']}", {"description": not_in_workspace}),
    ):
        refused = await client.request(method, f"{API}{url}", json=body, headers=ada.headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "mention_not_board_member"
        assert refused.json()["user_ids"] in ([str(outsider.id)], [str(grace.id)])

    assert await row_counts(connection) == before
    # Named on the private board, Grace may be mentioned there.
    created(
        await client.post(
            f"{API}/boards/{secret['id']}/members",
            json={"user_id": str(grace.id)},
            headers=ada.headers,
        )
    )
    allowed = await client.post(
        f"{API}/cards/{secret_card['id']}/comments",
        json={"body": not_on_private_board},
        headers=ada.headers,
    )
    assert allowed.status_code == 201, allowed.text


async def test_whoever_is_given_a_card_by_someone_else_hears_of_it(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace, _, card_id = await _team(live, inbox)
    await _ok(
        await live.client.patch(
            f"{API}/notifications/preferences/{ASSIGNED}",
            json={"channels": {"email": "immediate"}},
            headers=grace.headers,
        )
    )
    await _ok(
        await live.client.patch(
            f"{API}/cards/{card_id}", json={"due_at": "2031-10-01T17:00:00Z"}, headers=ada.headers
        )
    )
    for person in (grace, ada):  # Ada takes it on herself too: she is not told
        await _ok(
            await live.client.post(
                f"{API}/cards/{card_id}/assignees",
                json={"user_id": str(person.id)},
                headers=ada.headers,
            )
        )
    await live.run_jobs()

    [told] = await _inbox(live, grace, ASSIGNED)
    assert (told["title"], told["body"]) == (
        "Ada assigned you Press release",
        "Website relaunch · due 2031-10-01 17:00 UTC",
    )
    assert told["data"]["card_id"] == card_id
    assert await _inbox(live, ada, ASSIGNED) == []
    await inbox.wait_for(grace.email, "Ada assigned you Press release")


async def test_assignments_and_mentions_reach_the_message_broker_as_events(
    live: LiveWorld, inbox: Inbox, rabbitmq_url: str
) -> None:
    with_broker = dataclasses.replace(
        live, settings=live.settings.model_copy(update={"amqp_url": rabbitmq_url})
    )
    ada, grace, _, card_id = await _team(live, inbox)
    async with listening(rabbitmq_url, live.settings, "boards.card.*") as queue:
        await _assign(live, ada, card_id, grace)
        comment = await _ok(
            await live.client.post(
                f"{API}/cards/{card_id}/comments",
                json={"body": f"{mention(grace, 'Grace')} over to you"},
                headers=ada.headers,
            )
        )
        await with_broker.run_jobs()

        messages = [await next_message(queue) for _ in range(2)]

    events = {message.routing_key: json.loads(message.body) for message in messages}
    assigned, mentioned = events["boards.card.assigned"], events["boards.card.mentioned"]
    assert (assigned["card_id"], assigned["assignee_id"]) == (card_id, str(grace.id))
    assert assigned["actor_id"] == str(ada.id)
    assert (mentioned["card_id"], mentioned["comment_id"]) == (card_id, comment["id"])
    assert mentioned["mentioned_ids"] == [str(grace.id)]
    assert [told["type"] for told in await _inbox(live, grace, ASSIGNED)] == [ASSIGNED]
    assert len(await _inbox(live, grace, MENTIONED)) == 1


async def _due_in(live: LiveWorld, by: TestUser, card_id: str, hours: float) -> None:
    due = (datetime.now(UTC) + timedelta(hours=hours)).isoformat()
    await _ok(
        await live.client.patch(f"{API}/cards/{card_id}", json={"due_at": due}, headers=by.headers)
    )


async def _assign(live: LiveWorld, by: TestUser, card_id: str, person: TestUser) -> None:
    await _ok(
        await live.client.post(
            f"{API}/cards/{card_id}/assignees", json={"user_id": str(person.id)}, headers=by.headers
        )
    )


async def _send_due_soon(live: LiveWorld) -> None:
    async with live.system.sessionmaker() as session, session.begin():
        await tell_due_soon(session, utcnow())


async def test_assignees_hear_once_that_a_card_is_due_within_a_day_and_again_when_it_moves(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace, _, card_id = await _team(live, inbox)
    card = await _ok(await live.client.get(f"{API}/cards/{card_id}", headers=ada.headers))
    later = await create_card(live.client, ada, card["list_id"], "Later")
    shelved = await create_card(live.client, ada, card["list_id"], "Shelved")
    unassigned = await create_card(live.client, ada, card["list_id"], "Nobody's")
    for each, hours in ((card_id, 3), (later["id"], 30), (shelved["id"], 2), (unassigned["id"], 2)):
        await _due_in(live, ada, each, hours)
    for each in (card_id, later["id"], shelved["id"]):
        await _assign(live, ada, each, grace)
    await _ok(
        await live.client.patch(
            f"{API}/cards/{shelved['id']}", json={"archived": True}, headers=ada.headers
        )
    )

    for _ in range(2):  # the next hour's run tells nobody again
        await _send_due_soon(live)
    [told] = await _inbox(live, grace, DUE_SOON)
    assert told["title"].startswith("Press release is due ")
    assert told["data"]["card_id"] == card_id
    await live.run_jobs()
    await inbox.wait_for(grace.email, "Press release is due")
    assert await _inbox(live, ada, DUE_SOON) == []

    await _due_in(live, ada, card_id, 5)  # moved: told again, once
    for _ in range(2):
        await _send_due_soon(live)
    assert [n["data"]["card_id"] for n in await _inbox(live, grace, DUE_SOON)] == [card_id] * 2


async def test_someone_who_turned_a_notification_off_does_not_get_it(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace, max_, card_id = await _team(live, inbox)
    await _ok(
        await live.client.patch(
            f"{API}/notifications/preferences/{DUE_SOON}",
            json={"channels": {"in_app": "off", "email": "off", "push": "off"}},
            headers=max_.headers,
        )
    )
    await _due_in(live, ada, card_id, 3)
    for person in (grace, max_):
        await _assign(live, ada, card_id, person)

    await _send_due_soon(live)
    await live.run_jobs()

    assert len(await _inbox(live, grace, DUE_SOON)) == 1
    assert await _inbox(live, max_, DUE_SOON) == []
    await inbox.wait_for(grace.email, "Press release is due")
    assert inbox.to(max_.email, "is due") == []
