"""A private board's changes reach only those who see it: its members and the workspace's
owner and admins, in ``/sync`` and in the database itself (row-level security); not the other
members of its workspace, not even once the board is deleted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import text

from commonhold.platform.db.session import Database, set_user_context
from tests.apps.boards.factories import (
    API,
    create_board,
    create_card,
    create_list,
    create_workspace,
)
from tests.apps.homes.factories import add_member
from tests.factories import TestUser
from tests.live import LiveWorld, changes_heard
from tests.mail import Inbox


async def _changes_after(
    live: LiveWorld, user: TestUser, cursor: str, at_least: int = 0
) -> list[dict[str, Any]]:
    """``user``'s changes after ``cursor``, once at least ``at_least`` show (a change shows
    when every older transaction on the server has ended)."""
    for _ in range(200):
        response = await live.client.get(
            f"{API}/sync", params={"cursor": cursor}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        changes: list[dict[str, Any]] = response.json()["changes"]
        if len(changes) >= at_least:
            return changes
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} changes for {user.email}")


async def _cursor(live: LiveWorld, user: TestUser) -> str:
    response = await live.client.get(f"{API}/sync", headers=user.headers)
    cursor: str = response.json()["next_cursor"]
    return cursor


async def _cards_seen(live: LiveWorld, user: TestUser, board_id: str) -> int:
    """Cards of the board the database shows ``user``, asked directly as the application."""
    database = Database.connect(live.urls.app, 1)
    try:
        async with database.sessionmaker() as session, session.begin():
            await set_user_context(session, user.id)
            count = await session.scalar(
                text("SELECT count(*) FROM boards.cards WHERE board_id = :board_id"),
                {"board_id": board_id},
            )
    finally:
        await database.dispose()
    return int(count or 0)


async def test_a_private_boards_changes_reach_only_those_who_see_it(
    live: LiveWorld, inbox: Inbox
) -> None:
    owner, colleague, insider = [await live.user(name) for name in ("Ada", "Eve", "Max")]
    workspace = await create_workspace(live.client, owner)
    for person in (colleague, insider):
        await add_member(live.client, inbox, owner, workspace["id"], person, "editor")
    cursors = {person.email: await _cursor(live, person) for person in (owner, colleague, insider)}

    secret = await create_board(
        live.client, owner, workspace["id"], "Surprise", visibility="private"
    )
    added = await live.client.post(
        f"{API}/boards/{secret['id']}/members",
        json={"user_id": str(insider.id), "role": "member"},
        headers=owner.headers,
    )
    assert added.status_code == 201, added.text
    plans = await create_list(live.client, insider, secret["id"], "Plans")
    card = await create_card(live.client, insider, plans["id"], "Cake for Eve")
    shared = await create_board(live.client, owner, workspace["id"], "Roadmap")

    # board, two members, list and card of the secret board; the shared board and its admin
    seen_by_owner = await _changes_after(live, owner, cursors[owner.email], at_least=7)
    seen_by_insider = await _changes_after(live, insider, cursors[insider.email])
    seen_by_colleague = await _changes_after(live, colleague, cursors[colleague.email])

    secret_ids = {secret["id"], plans["id"], card["id"]}
    assert secret_ids <= {c["entity_id"] for c in seen_by_owner}
    assert secret_ids <= {c["entity_id"] for c in seen_by_insider}
    assert {c["entity_id"] for c in seen_by_colleague} & secret_ids == set()
    assert shared["id"] in {c["entity_id"] for c in seen_by_colleague}
    assert "Cake for Eve" not in json.dumps(seen_by_colleague)
    assert await _cards_seen(live, insider, secret["id"]) == 1
    assert await _cards_seen(live, colleague, secret["id"]) == 0

    # Deleted, the board's history stays private: its removal too.
    after = await _cursor(live, colleague)
    deleted = await live.client.delete(f"{API}/boards/{secret['id']}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text
    renamed = await live.client.patch(
        f"{API}/boards/{shared['id']}", json={"name": "Roadmap 2027"}, headers=owner.headers
    )
    assert renamed.status_code == 200, renamed.text
    later = await _changes_after(live, colleague, after, at_least=1)
    assert [(c["entity_id"], c["action"]) for c in later] == [(shared["id"], "updated")]
    everything = await _changes_after(live, colleague, cursors[colleague.email])
    assert {c["entity_id"] for c in everything} & secret_ids == set()


async def _private_board(
    live: LiveWorld, owner: TestUser, workspace_id: str, name: str, member: TestUser
) -> dict[str, Any]:
    board = await create_board(live.client, owner, workspace_id, name, visibility="private")
    added = await live.client.post(
        f"{API}/boards/{board['id']}/members",
        json={"user_id": str(member.id), "role": "member"},
        headers=owner.headers,
    )
    assert added.status_code == 201, added.text
    return board


async def test_only_those_who_see_a_private_board_hear_its_changes_live(
    live: LiveWorld, live_server_url: str, inbox: Inbox
) -> None:
    owner = await live.user("Ada")
    # The gateway reads a transaction's changes as one of those listening (the lowest id):
    # one board where that person is on it, one where they are not.
    first, second = sorted([await live.user("Eve"), await live.user("Max")], key=lambda u: u.id)
    workspace = await create_workspace(live.client, owner)
    for person in (first, second):
        await add_member(live.client, inbox, owner, workspace["id"], person, "editor")
    firsts = await _private_board(live, owner, workspace["id"], "Eve's", first)
    seconds = await _private_board(live, owner, workspace["id"], "Max's", second)
    shared = await create_board(live.client, owner, workspace["id"], "Roadmap")
    listeners = {
        person.id: await changes_heard(live_server_url, person.access_token)
        for person in (first, second)
    }
    try:
        first_list = await create_list(live.client, owner, firsts["id"], "Ideas")
        second_list = await create_list(live.client, owner, seconds["id"], "Gifts")
        card = await create_card(live.client, second, second_list["id"], "Cake for Eve")
        shared_list = await create_list(live.client, owner, shared["id"], "Later")
        for _ in range(100):
            if all(
                shared_list["id"] in {c["entity_id"] for c in heard}
                for _, heard in listeners.values()
            ):
                break
            await asyncio.sleep(0.05)
        heard = {
            user_id: [c["entity_id"] for c in changes]
            for user_id, (_, changes) in listeners.items()
        }
    finally:
        for sio, _ in listeners.values():
            await sio.disconnect()

    assert heard[first.id] == [first_list["id"], shared_list["id"]]
    assert heard[second.id] == [second_list["id"], card["id"], shared_list["id"]]
