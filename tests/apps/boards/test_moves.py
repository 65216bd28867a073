"""Moving lists and cards: where they land, what is refused, and many moves at once."""

from __future__ import annotations

import asyncio
import random

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.apps.boards.factories import (
    API,
    board_titles,
    create_board,
    create_card,
    create_list,
    create_workspace,
)
from tests.conftest import as_owner, row_counts
from tests.factories import TestUser, signup
from tests.live import LiveWorld


async def _move(client: AsyncClient, user: TestUser, card_id: str, **target: str | int) -> None:
    response = await client.post(f"{API}/cards/{card_id}/move", json=target, headers=user.headers)
    assert response.status_code == 200, response.text


async def test_a_card_lands_where_it_is_asked_to(client: AsyncClient) -> None:
    owner = await signup(client)
    board = await create_board(client, owner, (await create_workspace(client, owner))["id"])
    todo = await create_list(client, owner, board["id"], "To do")
    done = await create_list(client, owner, board["id"], "Done")
    cards = {t: (await create_card(client, owner, todo["id"], t))["id"] for t in "ABCD"}
    assert await board_titles(client, owner, board["id"]) == {"To do": list("ABCD"), "Done": []}

    await _move(client, owner, cards["D"], before_id=cards["A"])
    await _move(client, owner, cards["A"], after_id=cards["C"])
    assert await board_titles(client, owner, board["id"]) == {"To do": list("DBCA"), "Done": []}
    await _move(client, owner, cards["B"], list_id=done["id"])
    await _move(client, owner, cards["C"], list_id=done["id"], index=0)
    await _move(client, owner, cards["A"], list_id=done["id"], index=1)
    await _move(client, owner, cards["D"], index=5)
    assert await board_titles(client, owner, board["id"]) == {"To do": ["D"], "Done": list("CAB")}

    second = await create_list(client, owner, board["id"], "Later")
    moved = await client.post(
        f"{API}/lists/{second['id']}/move", json={"before_id": todo["id"]}, headers=owner.headers
    )
    assert moved.status_code == 200, moved.text
    assert list(await board_titles(client, owner, board["id"])) == ["Later", "To do", "Done"]


async def test_a_card_moved_to_another_boards_list_is_refused_and_nothing_changes(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    owner = await signup(client)
    workspace = await create_workspace(client, owner)
    board = await create_board(client, owner, workspace["id"])
    other = await create_board(client, owner, workspace["id"], "Other")
    todo = await create_list(client, owner, board["id"])
    elsewhere = await create_list(client, owner, other["id"])
    card = await create_card(client, owner, todo["id"])
    neighbour = await create_card(client, owner, todo["id"], "Neighbour")
    before = await row_counts(connection)

    for target, code in (
        ({"list_id": elsewhere["id"]}, "list_not_in_board"),
        ({"list_id": card["id"]}, "list_not_in_board"),
        ({"after_id": todo["id"]}, "unknown_neighbour"),
        ({"before_id": card["id"]}, "unknown_neighbour"),
    ):
        refused = await client.post(
            f"{API}/cards/{card['id']}/move", json=target, headers=owner.headers
        )
        assert (refused.status_code, refused.json()["code"]) == (422, code), target
    both = await client.post(
        f"{API}/cards/{card['id']}/move",
        json={"after_id": neighbour["id"], "index": 0},
        headers=owner.headers,
    )
    assert (both.status_code, both.json()["code"]) == (422, "validation_error")

    assert await row_counts(connection) == before
    fetched = (await client.get(f"{API}/cards/{card['id']}", headers=owner.headers)).json()
    assert (fetched["list_id"], fetched["position"], fetched["version"]) == (
        todo["id"],
        card["position"],
        card["version"],
    )


async def test_keys_grown_too_long_are_spread_anew_in_the_same_request(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    owner = await signup(client)
    board = await create_board(client, owner, (await create_workspace(client, owner))["id"])
    todo = await create_list(client, owner, board["id"])
    first, second, third = [
        (await create_card(client, owner, todo["id"], title))["id"] for title in "ABC"
    ]
    # Two neighbours whose keys leave no room within the longest key kept.
    async with as_owner(connection):
        for card_id, key in ((first, "V" * 47 + "1"), (second, "V" * 47 + "2")):
            await connection.execute(
                text("UPDATE boards.cards SET position = :key WHERE id = :id"),
                {"key": key, "id": card_id},
            )
    await _move(client, owner, third, after_id=first)

    assert await board_titles(client, owner, board["id"]) == {"To do": list("ACB")}
    found = await connection.execute(
        text("SELECT position FROM boards.cards WHERE list_id = :list ORDER BY position"),
        {"list": todo["id"]},
    )
    keys: list[str] = list(found.scalars())
    assert max(len(key) for key in keys) <= 2, keys


async def test_concurrent_moves_keep_one_order_and_every_card(live: LiveWorld) -> None:
    owner = await live.user()
    client = live.client
    board = await create_board(client, owner, (await create_workspace(client, owner))["id"])
    lists = [(await create_list(client, owner, board["id"], name))["id"] for name in "XYZ"]
    cards = [(await create_card(client, owner, lists[0], f"Card {n}"))["id"] for n in range(12)]
    chooser = random.Random(3)

    async def move(card_id: str) -> int:
        target = chooser.choice(lists)
        body: dict[str, str | int] = {"list_id": target, "index": chooser.randint(0, 3)}
        if chooser.random() < 0.3:
            body = {"after_id": chooser.choice(cards)}
        response = await client.post(
            f"{API}/cards/{card_id}/move", json=body, headers=owner.headers
        )
        return response.status_code

    for _ in range(3):
        statuses = await asyncio.gather(*(move(chooser.choice(cards)) for _ in range(16)))
        # An anchor may be the card itself (refused); nothing else may fail.
        assert set(statuses) <= {200, 422}, statuses
        assert 200 in statuses

    seen = await board_titles(client, owner, board["id"])
    assert sorted(title for titles in seen.values() for title in titles) == sorted(
        f"Card {n}" for n in range(12)
    )
    rows = await live.execute(
        "SELECT list_id, position FROM boards.cards WHERE board_id = :board", board=board["id"]
    )
    assert len(rows) == len(set(rows)) == 12
    list_changes = await live.execute(
        "SELECT count(*) FROM platform.changes WHERE entity_type = 'boards.card' "
        "AND action = 'updated' AND fields ? 'list_id' "
        "AND space_id = (SELECT space_id FROM boards.boards WHERE id = :b)",
        b=board["id"],
    )
    moves_across = await live.execute(
        "SELECT count(*) FROM boards.activity WHERE board_id = :b AND action = 'card.moved' "
        "AND data ->> 'from_list_id' <> data ->> 'to_list_id'",
        b=board["id"],
    )
    # A move to another list is one change of the card (its list and its key together).
    assert list_changes == moves_across
    assert moves_across != [(0,)]
