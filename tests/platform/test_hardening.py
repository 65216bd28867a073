"""What a person can send that the database cannot hold: refused with a problem, never a 500,
nothing stored."""

from __future__ import annotations

from httpx import AsyncClient

from tests.apps.homes.factories import API, create_home, create_item, create_room
from tests.factories import signup

NUL = "\x00"


async def test_text_with_a_nul_character_is_refused_wherever_it_is_sent(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])
    sent = [
        ("PATCH", f"{API}/rooms/{room['id']}", {"notes": f"left{NUL}over"}),
        ("POST", f"{API}/rooms/{room['id']}/items", {"name": "Lamp", "manufacturer": NUL}),
        ("PATCH", f"{API}/items/{item['id']}", {"metadata": {f"key{NUL}": "value"}}),
        ("PATCH", f"{API}/items/{item['id']}", {"metadata": {"colours": ["red", NUL]}}),
    ]
    for method, url, body in sent:
        response = await client.request(method, url, json=body, headers=alice.headers)
        assert response.status_code == 422, (url, body, response.text)
        assert response.json()["code"] == "validation_error"
        assert "NUL" in response.json()["detail"]
    items = await client.get(f"{API}/rooms/{room['id']}/items", headers=alice.headers)
    assert [i["name"] for i in items.json()["items"]] == [item["name"]]
    unchanged = await client.get(f"{API}/rooms/{room['id']}", headers=alice.headers)
    assert unchanged.json()["notes"] == room["notes"]


async def test_a_nul_character_in_a_search_or_an_import_is_refused(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    search = await client.get(
        f"{API}/homes/{home['id']}/items", params={"q": f"dish{NUL}"}, headers=alice.headers
    )
    assert search.status_code in (400, 422), search.text
    imported = await client.post(
        f"{API}/homes/{home['id']}/items/import",
        content=f"room,name\nKitchen,Kettle{NUL}\n",
        headers={**alice.headers, "Content-Type": "text/csv"},
    )
    assert imported.status_code in (400, 422), imported.text
    listed = await client.get(f"{API}/homes/{home['id']}/items", headers=alice.headers)
    assert listed.json()["items"] == []
