"""What open boards hear a change called: ``task:created``, ``task:moved``, ``comment:added``,
``member:added``..., the same live (``sync:change``) and when catching up (``/sync``)."""

from __future__ import annotations

import asyncio
from typing import Any

from commonhold.platform.sync.kinds import kind_of
from tests.apps.boards.factories import API, create_board, create_card, create_list
from tests.apps.boards.factories import create_workspace as new_workspace
from tests.apps.homes.factories import add_member
from tests.factories import TestUser
from tests.live import LiveWorld, changes_heard
from tests.mail import Inbox


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def _cursor_past(live: LiveWorld, person: TestUser, cursor: str, entity_id: str) -> str:
    """A position from ``cursor`` on past the change that made ``entity_id``: a change shows
    in ``/sync`` only once every older transaction on the server has ended, so it may show
    late."""
    for _ in range(200):
        page = _ok(
            await live.client.get(f"{API}/sync", params={"cursor": cursor}, headers=person.headers)
        )
        seen = entity_id in {change["entity_id"] for change in page["changes"]}
        cursor = page["next_cursor"]
        if seen:
            return str(cursor)
        await asyncio.sleep(0.05)
    raise AssertionError(f"{entity_id} never showed in /sync")


async def test_board_changes_are_heard_by_what_happened(
    live: LiveWorld, live_server_url: str, inbox: Inbox
) -> None:
    ada, grace, max_ = [await live.user(name) for name in ("Ada", "Grace", "Max")]
    workspace = await new_workspace(live.client, ada)
    for person in (grace, max_):
        await add_member(live.client, inbox, ada, workspace["id"], person, "editor")
    start = _ok(await live.client.get(f"{API}/sync", headers=grace.headers))["next_cursor"]
    board = await create_board(live.client, ada, workspace["id"])
    cursor = await _cursor_past(live, grace, start, board["id"])
    sio, heard = await changes_heard(live_server_url, grace.access_token)
    try:
        todo = await create_list(live.client, ada, board["id"], "To do")
        done = await create_list(live.client, ada, board["id"], "Done")
        card = await create_card(live.client, ada, todo["id"], "Press release")
        card_url = f"{API}/cards/{card['id']}"
        _ok(await live.client.patch(card_url, json={"title": "Release"}, headers=ada.headers))
        _ok(
            await live.client.post(
                f"{card_url}/move", json={"list_id": done["id"]}, headers=ada.headers
            )
        )
        _ok(await live.client.post(f"{card_url}/complete", headers=ada.headers))
        _ok(
            await live.client.post(
                f"{card_url}/comments", json={"body": "Sent!"}, headers=ada.headers
            )
        )
        _ok(
            await live.client.post(
                f"{API}/boards/{board['id']}/members",
                json={"user_id": str(max_.id), "role": "member"},
                headers=ada.headers,
            )
        )
        for _ in range(100):
            if any(change["kind"] == "member:added" for change in heard):
                break
            await asyncio.sleep(0.05)
    finally:
        await sio.disconnect()

    expected = [
        "list:created",
        "list:created",
        "task:created",
        "task:updated",
        "task:moved",
        "task:completed",
        "comment:added",
        "member:added",
    ]
    assert [change["kind"] for change in heard] == expected
    for _ in range(200):  # the last changes show once older transactions have ended
        caught_up = _ok(
            await live.client.get(f"{API}/sync", params={"cursor": cursor}, headers=grace.headers)
        )
        if len(caught_up["changes"]) >= len(expected):
            break
        await asyncio.sleep(0.05)
    assert [change["kind"] for change in caught_up["changes"]] == expected


def test_a_change_of_an_entity_without_names_is_called_by_its_type_and_action() -> None:
    assert kind_of("homes.item", "updated", {"name": "Drill"}) == "homes.item:updated"
    assert kind_of("boards.card", "removed", {}) == "task:deleted"
    assert kind_of("boards.card", "updated", {"archived": False}) == "task:unarchived"
