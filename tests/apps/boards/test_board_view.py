"""The whole board as one response: every card the way its own endpoint shows it, in order,
with counts that follow comments and checklists, archived lists and cards left out."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.apps.boards.factories import (
    API,
    create_board,
    create_card,
    create_list,
    create_workspace,
    created,
)
from tests.factories import signup

SHARED_FIELDS = ("id", "version", "list_id", "title", "position", "due_at", "label_ids")


async def test_each_card_of_the_board_reads_as_its_own_endpoint_shows_it(
    client: AsyncClient,
) -> None:
    owner = await signup(client)
    workspace = await create_workspace(client, owner)
    board = await create_board(client, owner, workspace["id"])
    doing = await create_list(client, owner, board["id"], "Doing")
    shelved = await create_list(client, owner, board["id"], "Shelved")
    urgent = created(
        await client.post(
            f"{API}/boards/{board['id']}/labels",
            json={"name": "Urgent", "color": "#eb5a46"},
            headers=owner.headers,
        )
    )
    exact = await create_card(
        client, owner, doing["id"], "On the hour", due_at="2031-03-01T17:00:00Z"
    )
    precise = await create_card(
        client, owner, doing["id"], "With microseconds", due_at="2031-03-01T17:00:00.120000+02:00"
    )
    plain = await create_card(client, owner, doing["id"], "No date", description="Notes")
    hidden = await create_card(client, owner, doing["id"], "Archived")
    await create_card(client, owner, shelved["id"], "In an archived list")
    await client.post(
        f"{API}/cards/{exact['id']}/labels", json={"label_id": urgent["id"]}, headers=owner.headers
    )
    for body in ("First", "Second"):
        await client.post(
            f"{API}/cards/{exact['id']}/comments", json={"body": body}, headers=owner.headers
        )
    gone = created(
        await client.post(
            f"{API}/cards/{plain['id']}/comments", json={"body": "Oops"}, headers=owner.headers
        )
    )
    await client.delete(f"{API}/comments/{gone['id']}", headers=owner.headers)
    steps = created(
        await client.post(
            f"{API}/cards/{precise['id']}/checklists",
            json={"title": "Steps"},
            headers=owner.headers,
        )
    )
    for text in ("Draft", "Send"):
        item = created(
            await client.post(
                f"{API}/checklists/{steps['id']}/items", json={"text": text}, headers=owner.headers
            )
        )
    await client.patch(
        f"{API}/checklist-items/{item['id']}", json={"done": True}, headers=owner.headers
    )
    await client.patch(
        f"{API}/cards/{hidden['id']}", json={"archived": True}, headers=owner.headers
    )
    await client.patch(
        f"{API}/lists/{shelved['id']}", json={"archived": True}, headers=owner.headers
    )

    response = await client.get(f"{API}/boards/{board['id']}", headers=owner.headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    view = response.json()
    [shown] = view["lists"]
    assert (shown["id"], shown["name"]) == (doing["id"], "Doing")
    by_id = {card["id"]: card for card in shown["cards"]}
    assert [card["title"] for card in shown["cards"]] == [
        "On the hour",
        "With microseconds",
        "No date",
    ]
    for card_id in by_id:
        alone: dict[str, Any] = (
            await client.get(f"{API}/cards/{card_id}", headers=owner.headers)
        ).json()
        assert {f: by_id[card_id][f] for f in SHARED_FIELDS} == {f: alone[f] for f in SHARED_FIELDS}
    assert by_id[exact["id"]]["due_at"] == "2031-03-01T17:00:00Z"
    assert by_id[precise["id"]]["due_at"] == "2031-03-01T15:00:00.120000Z"
    assert [
        (c["comment_count"], c["checklist_total"], c["checklist_done"], c["has_description"])
        for c in shown["cards"]
    ] == [(2, 0, 0, False), (0, 2, 1, False), (0, 0, 0, True)]
    assert [label["name"] for label in view["labels"]] == ["Urgent"]
    assert view["board"]["id"] == board["id"]
    assert response.headers["ETag"] == f'"{view["board"]["version"]}"'
