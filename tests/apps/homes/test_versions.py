"""Versions of synced entities over HTTP: ETags out, If-Match (or base_version) in."""

from __future__ import annotations

from httpx import AsyncClient

from tests.apps.homes.factories import API, create_home, create_room
from tests.factories import signup


async def test_a_room_carries_its_version_as_an_etag_and_accepts_it_back(
    client: AsyncClient,
) -> None:
    owner = await signup(client)
    home = await create_home(client, owner)
    room = await create_room(client, owner, home["id"], "Den")
    url = f"{API}/rooms/{room['id']}"

    fetched = await client.get(url, headers=owner.headers)
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json()["version"] == 1

    renamed = await client.patch(
        url, json={"name": "Study"}, headers={**owner.headers, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["ETag"] == '"2"'

    # Based on a version the room never had: reload first.
    ahead = await client.patch(
        url, json={"name": "Attic"}, headers={**owner.headers, "If-Match": 'W/"7"'}
    )
    assert ahead.status_code == 409, ahead.text
    assert ahead.json()["code"] == "version_ahead"
    assert (await client.get(url, headers=owner.headers)).json()["name"] == "Study"

    garbled = await client.patch(
        url, json={"name": "Attic"}, headers={**owner.headers, "If-Match": "yesterday"}
    )
    assert garbled.status_code == 400, garbled.text
    assert garbled.json()["code"] == "invalid_if_match"


async def test_tasks_and_items_answer_with_their_version_too(client: AsyncClient) -> None:
    owner = await signup(client)
    home = await create_home(client, owner)
    room = await create_room(client, owner, home["id"], "Utility")
    item = await client.post(
        f"{API}/rooms/{room['id']}/items", json={"name": "Boiler"}, headers=owner.headers
    )
    task = await client.post(
        f"{API}/homes/{home['id']}/tasks",
        json={"title": "Service the boiler", "due_date": "2026-12-01"},
        headers=owner.headers,
    )
    for url, version in (
        (f"{API}/items/{item.json()['id']}", item.json()["version"]),
        (f"{API}/tasks/{task.json()['id']}", task.json()["version"]),
    ):
        changed = await client.patch(
            url, json={"base_version": version, "description": "Yearly"}, headers=owner.headers
        )
        assert changed.status_code == 200, changed.text
        assert changed.headers["ETag"] == f'"{version + 1}"'
        assert changed.json()["version"] == version + 1
