"""Homes, rooms and items through the API, as a household would use them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from commonhold.apps.homes.inventory.schemas import MAX_METADATA_BYTES
from tests.apps.homes.factories import (
    API,
    add_member,
    create_home,
    create_item,
    create_room,
    set_tier,
)
from tests.conftest import recorded_statements
from tests.factories import TestUser, signup
from tests.mail import Inbox


def _problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


# Homes


async def test_a_new_home_belongs_to_its_creator_with_its_details(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(
        client, alice, address="12 Maple St", home_type="condo", year_built=1987, square_feet=900
    )
    assert home["role"] == "owner"
    assert (home["address"], home["home_type"], home["year_built"]) == (
        "12 Maple St",
        "condo",
        1987,
    )

    listed = await client.get(f"{API}/homes", headers=alice.headers)
    assert [h["id"] for h in listed.json()["items"]] == [home["id"]]
    fetched = await client.get(f"{API}/homes/{home['id']}", headers=alice.headers)
    assert fetched.json()["square_feet"] == 900


async def test_an_admin_changes_details_and_an_editor_may_not(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    alice, bob = await signup(client), await signup(client)
    await set_tier(connection, alice, "basic")
    home = await create_home(client, alice)
    await add_member(client, inbox, alice, home["id"], bob, "editor")

    changed = await client.patch(
        f"{API}/homes/{home['id']}",
        json={"name": "Lake house", "year_built": 1990},
        headers=alice.headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["year_built"]) == ("Lake house", 1990)
    _problem(
        await client.patch(f"{API}/homes/{home['id']}", json={"name": "X"}, headers=bob.headers),
        403,
        "role_not_allowed",
    )


async def test_the_free_plan_allows_one_home_and_basic_three(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    await create_home(client, alice)
    problem = _problem(
        await client.post(f"{API}/homes", json={"name": "Second"}, headers=alice.headers),
        403,
        "plan_limit_reached",
    )
    assert (problem["limit_key"], problem["limit"], problem["tier"]) == ("spaces.home", 1, "free")

    await set_tier(connection, alice, "basic")
    for name in ("Second", "Third"):
        await create_home(client, alice, name=name)
    _problem(
        await client.post(f"{API}/homes", json={"name": "Fourth"}, headers=alice.headers),
        403,
        "plan_limit_reached",
    )
    homes = await client.get(f"{API}/homes", headers=alice.headers)
    assert len(homes.json()["items"]) == 3


async def test_a_deleted_home_disappears_and_comes_back_whole(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])

    assert (
        await client.delete(f"{API}/homes/{home['id']}", headers=alice.headers)
    ).status_code == 204
    _problem(
        await client.get(f"{API}/homes/{home['id']}", headers=alice.headers), 404, "home_not_found"
    )
    _problem(
        await client.get(f"{API}/items/{item['id']}", headers=alice.headers), 404, "item_not_found"
    )
    trash = await client.get(f"{API}/homes", params={"deleted": True}, headers=alice.headers)
    assert [h["id"] for h in trash.json()["items"]] == [home["id"]]
    # The deleted home no longer counts against the plan: a new one may be created.
    replacement = await create_home(client, alice, name="New place")

    _problem(
        await client.post(f"{API}/homes/{home['id']}/restore", headers=alice.headers),
        403,
        "plan_limit_reached",
    )
    await client.delete(f"{API}/homes/{replacement['id']}", headers=alice.headers)
    restored = await client.post(f"{API}/homes/{home['id']}/restore", headers=alice.headers)
    assert restored.status_code == 200, restored.text
    assert (await client.get(f"{API}/items/{item['id']}", headers=alice.headers)).status_code == 200


async def test_outsiders_get_404_on_every_homes_url(client: AsyncClient) -> None:
    alice, mallory = await signup(client), await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])
    calls = [
        ("GET", f"/homes/{home['id']}", None, "home_not_found"),
        ("PATCH", f"/homes/{home['id']}", {"name": "Mine"}, "home_not_found"),
        ("DELETE", f"/homes/{home['id']}", None, "home_not_found"),
        ("GET", f"/homes/{home['id']}/inventory", None, "home_not_found"),
        ("GET", f"/homes/{home['id']}/rooms", None, "home_not_found"),
        ("POST", f"/homes/{home['id']}/rooms", {"name": "Spare"}, "home_not_found"),
        ("GET", f"/homes/{home['id']}/items", None, "home_not_found"),
        ("GET", f"/homes/{home['id']}/items.csv", None, "home_not_found"),
        ("GET", f"/rooms/{room['id']}", None, "room_not_found"),
        ("PATCH", f"/rooms/{room['id']}", {"name": "Mine"}, "room_not_found"),
        ("DELETE", f"/rooms/{room['id']}", None, "room_not_found"),
        ("POST", f"/rooms/{room['id']}/items", {"name": "Planted"}, "room_not_found"),
        ("GET", f"/items/{item['id']}", None, "item_not_found"),
        ("PATCH", f"/items/{item['id']}", {"name": "Mine"}, "item_not_found"),
        ("DELETE", f"/items/{item['id']}", None, "item_not_found"),
        ("GET", f"/items/{item['id']}/attachments", None, "item_not_found"),
    ]
    for method, path, body, code in calls:
        response = await client.request(method, f"{API}{path}", json=body, headers=mallory.headers)
        _problem(response, 404, code)
    unchanged = await client.get(f"{API}/items/{item['id']}", headers=alice.headers)
    assert unchanged.json()["name"] == "Dishwasher"


async def test_a_viewer_reads_everything_and_changes_nothing(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    alice, vic = await signup(client), await signup(client)
    await set_tier(connection, alice, "basic")
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])
    await add_member(client, inbox, alice, home["id"], vic, "viewer")

    assert (
        await client.get(f"{API}/homes/{home['id']}/inventory", headers=vic.headers)
    ).status_code == 200
    for method, path, body in [
        ("POST", f"/homes/{home['id']}/rooms", {"name": "Spare"}),
        ("PATCH", f"/rooms/{room['id']}", {"name": "Mine"}),
        ("POST", f"/rooms/{room['id']}/items", {"name": "Planted"}),
        ("PATCH", f"/items/{item['id']}", {"name": "Mine"}),
        ("DELETE", f"/items/{item['id']}", None),
    ]:
        response = await client.request(method, f"{API}{path}", json=body, headers=vic.headers)
        _problem(response, 403, "role_not_allowed")


async def test_sharing_a_home_needs_a_plan_that_allows_it(client: AsyncClient) -> None:
    alice, bob = await signup(client), await signup(client)
    home = await create_home(client, alice)
    problem = _problem(
        await client.post(
            f"{API}/spaces/{home['id']}/invitations",
            json={"email": bob.email, "role": "editor"},
            headers=alice.headers,
        ),
        403,
        "plan_limit_reached",
    )
    assert problem["limit_key"] == "home.members"


# Rooms


async def test_rooms_keep_the_order_people_give_them(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    rooms = [
        await create_room(client, alice, home["id"], name=n) for n in ("Kitchen", "Bath", "Attic")
    ]
    assert [r["sort_order"] for r in rooms] == [0, 10, 20]

    order = [rooms[2]["id"], rooms[0]["id"], rooms[1]["id"]]
    reordered = await client.put(
        f"{API}/homes/{home['id']}/rooms/order", json={"room_ids": order}, headers=alice.headers
    )
    assert [r["name"] for r in reordered.json()] == ["Attic", "Kitchen", "Bath"]
    listed = await client.get(f"{API}/homes/{home['id']}/rooms", headers=alice.headers)
    assert [r["id"] for r in listed.json()["items"]] == order

    _problem(
        await client.put(
            f"{API}/homes/{home['id']}/rooms/order",
            json={"room_ids": order[:2]},
            headers=alice.headers,
        ),
        422,
        "unknown_room",
    )


async def test_a_deleted_room_hides_its_items_until_restored(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])

    await client.delete(f"{API}/rooms/{room['id']}", headers=alice.headers)
    inventory = await client.get(f"{API}/homes/{home['id']}/inventory", headers=alice.headers)
    assert inventory.json()["rooms"] == []
    _problem(
        await client.get(f"{API}/items/{item['id']}", headers=alice.headers), 404, "item_not_found"
    )
    trash = await client.get(
        f"{API}/homes/{home['id']}/rooms", params={"deleted": True}, headers=alice.headers
    )
    assert [r["id"] for r in trash.json()["items"]] == [room["id"]]

    restored = await client.post(f"{API}/rooms/{room['id']}/restore", headers=alice.headers)
    assert restored.status_code == 200, restored.text
    assert (await client.get(f"{API}/items/{item['id']}", headers=alice.headers)).status_code == 200
    _problem(
        await client.post(f"{API}/rooms/{room['id']}/restore", headers=alice.headers),
        409,
        "not_deleted",
    )


# Items


async def test_an_item_keeps_every_field_exactly(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    fields: dict[str, Any] = {
        "name": "Furnace",
        "description": "Basement gas furnace",
        "category": "system",
        "manufacturer": "Carrier",
        "model_number": "59SC5A080E17",
        "serial_number": "2319A12345",
        "purchase_date": "2021-10-02",
        "purchase_price": "3499.90",
        "warranty_until": "2031-10-02",
        "condition": "good",
        "metadata": {"fuel_type": "gas", "btu_rating": 80000, "filter": {"size": "16x25x1"}},
    }
    item = await create_item(client, alice, room["id"], **fields)
    fetched = (await client.get(f"{API}/items/{item['id']}", headers=alice.headers)).json()
    for key, value in fields.items():
        assert fetched[key] == value, key
    assert fetched["room_id"] == room["id"]
    assert fetched["home_id"] == home["id"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"purchase_price": "-1.00"}, "purchase_price"),
        ({"purchase_price": "1.005"}, "purchase_price"),
        ({"purchase_price": "0" * 100 + "1.00"}, "purchase_price"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"metadata": "text"}, "metadata"),
        ({"condition": "broken"}, "condition"),
        ({"name": ""}, "name"),
        ({"warranty_until": "2024-02-30"}, "warranty_until"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_item_fields_are_refused_and_nothing_is_stored(
    client: AsyncClient, fields: dict[str, Any], field: str
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    response = await client.post(
        f"{API}/rooms/{room['id']}/items", json={"name": "Thing", **fields}, headers=alice.headers
    )
    problem = _problem(response, 422, "validation_error")
    assert any(field in error["loc"] for error in problem["errors"]), problem
    listed = await client.get(f"{API}/rooms/{room['id']}/items", headers=alice.headers)
    assert listed.json()["items"] == []


async def test_metadata_is_kept_up_to_its_documented_size_and_refused_beyond(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    # {"notes": "xx...x"}: 13 bytes of JSON around the text.
    at_limit = {"notes": "x" * (MAX_METADATA_BYTES - 13)}
    kept = await create_item(client, alice, room["id"], metadata=at_limit)
    assert kept["metadata"] == at_limit

    beyond = await client.patch(
        f"{API}/items/{kept['id']}",
        json={"metadata": {"notes": "x" * (MAX_METADATA_BYTES - 12)}},
        headers=alice.headers,
    )
    problem = _problem(beyond, 422, "validation_error")
    assert (
        f"metadata: Value error, must be at most {MAX_METADATA_BYTES} bytes as JSON"
        in (problem["detail"])
    )
    fetched = await client.get(f"{API}/items/{kept['id']}", headers=alice.headers)
    assert fetched.json()["metadata"] == at_limit


async def test_an_item_moves_only_to_a_room_of_its_own_home(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    await set_tier(connection, alice, "basic")
    home = await create_home(client, alice)
    other_home = await create_home(client, alice, name="Cabin")
    kitchen = await create_room(client, alice, home["id"])
    garage = await create_room(client, alice, home["id"], name="Garage")
    cabin_room = await create_room(client, alice, other_home["id"], name="Loft")
    item = await create_item(client, alice, kitchen["id"])

    moved = await client.patch(
        f"{API}/items/{item['id']}", json={"room_id": garage["id"]}, headers=alice.headers
    )
    assert moved.json()["room_id"] == garage["id"]
    _problem(
        await client.patch(
            f"{API}/items/{item['id']}", json={"room_id": cabin_room["id"]}, headers=alice.headers
        ),
        422,
        "unknown_room",
    )
    still = await client.get(f"{API}/items/{item['id']}", headers=alice.headers)
    assert still.json()["room_id"] == garage["id"]


async def test_the_free_plan_allows_fifty_items_per_home(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    for n in range(50):
        await create_item(client, alice, room["id"], name=f"Thing {n}")
    problem = _problem(
        await client.post(
            f"{API}/rooms/{room['id']}/items", json={"name": "51st"}, headers=alice.headers
        ),
        403,
        "plan_limit_reached",
    )
    assert (problem["limit_key"], problem["used"]) == ("home.items", 50)


async def test_a_deleted_item_can_be_restored(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])
    await client.delete(f"{API}/items/{item['id']}", headers=alice.headers)
    trash = await client.get(
        f"{API}/homes/{home['id']}/items", params={"deleted": True}, headers=alice.headers
    )
    assert [i["id"] for i in trash.json()["items"]] == [item["id"]]
    restored = await client.post(f"{API}/items/{item['id']}/restore", headers=alice.headers)
    assert restored.json()["deleted_at"] is None


# Finding things


async def _searchable_home(client: AsyncClient, user: TestUser) -> dict[str, Any]:
    home = await create_home(client, user)
    kitchen = await create_room(client, user, home["id"])
    basement = await create_room(client, user, home["id"], name="Basement")
    today = date.today()
    await create_item(
        client,
        user,
        kitchen["id"],
        name="Dishwasher",
        manufacturer="Bosch",
        model_number="SHXM78Z55N",
        category="appliance",
        metadata={"energy_star": True},
        warranty_until=str(today + timedelta(days=20)),
    )
    await create_item(
        client,
        user,
        kitchen["id"],
        name="Fridge",
        manufacturer="Samsung",
        description="Counter-depth, dishwasher-safe shelves",
        category="appliance",
        metadata={"energy_star": False},
        warranty_until=str(today + timedelta(days=200)),
    )
    await create_item(
        client,
        user,
        basement["id"],
        name="Furnace",
        manufacturer="Carrier",
        category="system",
        metadata={"fuel_type": "gas", "btu_rating": 80000},
        warranty_until=str(today - timedelta(days=5)),
    )
    return {"home": home, "kitchen": kitchen, "basement": basement}


async def _names(client: AsyncClient, user: TestUser, home_id: str, **params: Any) -> list[str]:
    response = await client.get(f"{API}/homes/{home_id}/items", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def test_search_ranks_names_above_descriptions(client: AsyncClient) -> None:
    alice = await signup(client)
    home_id = (await _searchable_home(client, alice))["home"]["id"]
    assert await _names(client, alice, home_id, q="dishwasher") == ["Dishwasher", "Fridge"]
    assert await _names(client, alice, home_id, q="bosch dishwasher") == ["Dishwasher"]
    assert await _names(client, alice, home_id, q="SHXM78Z55N") == ["Dishwasher"]
    assert await _names(client, alice, home_id, q="samsung") == ["Fridge"]
    assert await _names(client, alice, home_id, q="toaster") == []


async def test_search_never_reaches_into_another_home(client: AsyncClient) -> None:
    alice, bob = await signup(client), await signup(client)
    await _searchable_home(client, alice)
    bobs = await create_home(client, bob)
    assert await _names(client, bob, bobs["id"], q="dishwasher") == []


async def test_items_filter_by_metadata_category_room_and_warranty(client: AsyncClient) -> None:
    alice = await signup(client)
    found = await _searchable_home(client, alice)
    home_id = found["home"]["id"]
    assert await _names(client, alice, home_id, metadata="fuel_type:gas") == ["Furnace"]
    assert await _names(client, alice, home_id, metadata="btu_rating:80000") == ["Furnace"]
    assert await _names(client, alice, home_id, metadata="energy_star:true") == ["Dishwasher"]
    assert await _names(client, alice, home_id, category="appliance") == ["Dishwasher", "Fridge"]
    assert await _names(client, alice, home_id, room_id=found["basement"]["id"]) == ["Furnace"]
    assert await _names(client, alice, home_id, warranty_within_days=30) == ["Dishwasher"]
    assert await _names(client, alice, home_id, warranty_within_days=365) == [
        "Dishwasher",
        "Fridge",
    ]
    _problem(
        await client.get(
            f"{API}/homes/{home_id}/items", params={"metadata": "nocolon"}, headers=alice.headers
        ),
        422,
        "validation_error",
    )


async def test_item_pages_follow_the_cursor_without_repeats(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    room = await create_room(client, alice, home["id"])
    for n in range(7):
        await create_item(client, alice, room["id"], name=f"Box {n}")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(
                f"{API}/homes/{home['id']}/items", params=params, headers=alice.headers
            )
        ).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Box {n}" for n in range(7)]


# The inventory screen


async def test_the_inventory_costs_three_queries_whatever_its_size(
    client: AsyncClient, owner_engine: AsyncEngine, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    await set_tier(connection, alice, "premium")
    home = await create_home(client, alice)
    counts = []
    for size in (1, 4):
        for r in range(size):
            room = await create_room(client, alice, home["id"], name=f"Room {size}-{r}")
            for i in range(size):
                item = await create_item(client, alice, room["id"], name=f"Item {r}-{i}")
                attached = await client.post(
                    f"{API}/items/{item['id']}/attachments",
                    json={
                        "file_url": "https://example.com/a.jpg",
                        "file_type": "image/jpeg",
                        "file_name": "a.jpg",
                    },
                    headers=alice.headers,
                )
                assert attached.status_code == 201, attached.text
        with recorded_statements(owner_engine) as statements:
            response = await client.get(
                f"{API}/homes/{home['id']}/inventory", headers=alice.headers
            )
        assert response.status_code == 200
        counts.append(len(statements))
    rooms = response.json()["rooms"]
    assert len(rooms) == 5
    assert sum(len(room["items"]) for room in rooms) == 1 + 16
    assert all(item["attachment_count"] == 1 for room in rooms for item in room["items"])
    assert counts == [3, 3], counts


async def test_search_can_use_the_text_index_under_row_level_security(
    connection: AsyncConnection,
) -> None:
    """Under RLS an index answers only LEAKPROOF conditions; without this every search would
    read all of a home's items, slow for a big inventory."""
    leakproof = await connection.scalar(
        text("SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.ts_match_vq'::regproc")
    )
    assert leakproof is True
    index = await connection.scalar(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_items_search'")
    )
    assert index is not None
    assert "gin (space_id, search_vector)" in index
