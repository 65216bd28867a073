"""Inventory CSV: what is exported imports again; a broken file imports nothing."""

from __future__ import annotations

import csv
import io

from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.app import create_app
from commonhold.apps.homes.inventory.csv_io import MAX_CHARACTERS
from commonhold.platform.db.session import Database
from commonhold.settings import Settings
from tests.apps.homes.factories import API, create_home, create_item, create_room
from tests.conftest import delivering_mail
from tests.factories import signup

CSV_HEADERS = {"Content-Type": "text/csv"}


async def test_an_exported_inventory_imports_into_another_home_unchanged(
    client: AsyncClient,
) -> None:
    alice, bob = await signup(client), await signup(client)
    home = await create_home(client, alice)
    kitchen = await create_room(client, alice, home["id"])
    await create_item(
        client,
        alice,
        kitchen["id"],
        name="Dishwasher",
        manufacturer="Bosch",
        purchase_price="649.99",
        purchase_date="2023-04-18",
        metadata={"energy_star": True, "decibels": 44},
    )
    await create_item(client, alice, kitchen["id"], name="=HYPERLINK(evil)")

    exported = await client.get(f"{API}/homes/{home['id']}/items.csv", headers=alice.headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows[0]["name"] == "'=HYPERLINK(evil)", "a formula must not run in a spreadsheet"
    assert (rows[1]["room"], rows[1]["purchase_price"]) == ("Kitchen", "649.99")

    bobs = await create_home(client, bob)
    imported = await client.post(
        f"{API}/homes/{bobs['id']}/items/import",
        content=exported.text,
        headers={**bob.headers, **CSV_HEADERS},
    )
    assert imported.status_code == 201, imported.text
    assert imported.json() == {"created": 2, "rooms_created": ["Kitchen"]}
    items = await client.get(
        f"{API}/homes/{bobs['id']}/items", params={"q": "bosch"}, headers=bob.headers
    )
    (dishwasher,) = items.json()["items"]
    assert dishwasher["metadata"] == {"energy_star": True, "decibels": 44}
    assert (dishwasher["purchase_price"], dishwasher["purchase_date"]) == ("649.99", "2023-04-18")


async def test_a_csv_with_broken_rows_reports_each_and_imports_nothing(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    content = (
        "room,name,purchase_price,condition,metadata\n"
        "Kitchen,Kettle,25.00,good,\n"
        "Kitchen,Toaster,-3,good,\n"
        ",Lamp,,,\n"
        'Garage,Drill,,shiny,"[1, 2]"\n'
        "Garage,Saw,10,good,,extra\n"
    )
    response = await client.post(
        f"{API}/homes/{home['id']}/items/import",
        content=content,
        headers={**alice.headers, **CSV_HEADERS},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "csv_invalid"
    assert problem["detail"] == "4 of 5 rows have problems"
    by_row = {entry["row"]: {e["field"] for e in entry["errors"]} for entry in problem["rows"]}
    assert by_row == {
        3: {"purchase_price"},
        4: {"room"},
        5: {"condition", "metadata"},
        6: {"row"},
    }
    inventory = await client.get(f"{API}/homes/{home['id']}/inventory", headers=alice.headers)
    assert inventory.json()["rooms"] == [], "nothing may be half-written"


async def test_a_csv_without_the_required_columns_is_refused(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    for content in ("title,room\nKettle,Kitchen\n", "room,name,colour\nKitchen,Kettle,red\n", ""):
        response = await client.post(
            f"{API}/homes/{home['id']}/items/import",
            content=content,
            headers={**alice.headers, **CSV_HEADERS},
        )
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "csv_invalid"


async def test_an_import_beyond_the_plan_imports_nothing(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    content = "room,name\n" + "".join(f"Shed,Box {n}\n" for n in range(51))
    response = await client.post(
        f"{API}/homes/{home['id']}/items/import",
        content=content,
        headers={**alice.headers, **CSV_HEADERS},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "plan_limit_reached"
    rooms = await client.get(f"{API}/homes/{home['id']}/rooms", headers=alice.headers)
    assert rooms.json()["items"] == []


async def test_a_csv_beyond_the_documented_length_is_refused_whatever_the_body_limit(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    roomy = settings.model_copy(update={"max_body_bytes": 2 * MAX_CHARACTERS})
    app = create_app(settings=roomy, database=database)
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
        event_hooks=delivering_mail(connection, roomy),
    ) as client:
        alice = await signup(client)
        home = await create_home(client, alice)
        header = "room,name,description\n"
        row = "Kitchen,Kettle," + "x" * 1000 + "\n"
        content = header + row * (MAX_CHARACTERS // len(row) + 1)
        response = await client.post(
            f"{API}/homes/{home['id']}/items/import",
            content=content,
            headers={**alice.headers, **CSV_HEADERS},
        )
        assert response.status_code == 413, response.text
        assert response.json()["code"] == "payload_too_large"
        inventory = await client.get(f"{API}/homes/{home['id']}/inventory", headers=alice.headers)
        assert inventory.json()["rooms"] == []


async def test_a_room_name_longer_than_the_api_allows_is_a_row_problem(
    client: AsyncClient,
) -> None:
    alice = await signup(client)
    home = await create_home(client, alice)
    response = await client.post(
        f"{API}/homes/{home['id']}/items/import",
        content=f"room,name\nKitchen,Kettle\n{'R' * 201},Lamp\n",
        headers={**alice.headers, **CSV_HEADERS},
    )
    assert response.status_code == 422, response.text
    (row,) = response.json()["rows"]
    assert row == {
        "row": 3,
        "errors": [{"field": "room", "message": "String should have at most 200 characters"}],
    }
    inventory = await client.get(f"{API}/homes/{home['id']}/inventory", headers=alice.headers)
    assert inventory.json()["rooms"] == []
