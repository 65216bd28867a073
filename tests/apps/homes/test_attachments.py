"""Item attachments: links to stored photos, receipts and manuals, on plans that allow them."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.apps.homes.factories import API, create_home, create_item, create_room, set_tier
from tests.factories import signup

MANUAL = {
    "file_url": "https://files.example.com/manuals/furnace.pdf",
    "file_type": "application/pdf",
    "file_name": "furnace.pdf",
    "file_size": 1_234_567,
}


async def test_attachments_need_a_paid_plan(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])
    url = f"{API}/items/{item['id']}/attachments"

    refused = await client.post(url, json=MANUAL, headers=alice.headers)
    assert refused.status_code == 403
    assert refused.json()["limit_key"] == "home.attachments"

    await set_tier(connection, alice, "basic")
    created = await client.post(url, json=MANUAL, headers=alice.headers)
    assert created.status_code == 201, created.text
    listed = await client.get(url, headers=alice.headers)
    assert [a["file_name"] for a in listed.json()] == ["furnace.pdf"]

    removed = await client.delete(f"{url}/{created.json()['id']}", headers=alice.headers)
    assert removed.status_code == 204
    assert (await client.get(url, headers=alice.headers)).json() == []


async def test_only_web_links_can_be_attached(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    await set_tier(connection, alice, "basic")
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])
    for bad_url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>"):
        response = await client.post(
            f"{API}/items/{item['id']}/attachments",
            json={**MANUAL, "file_url": bad_url},
            headers=alice.headers,
        )
        assert response.status_code == 422, bad_url
