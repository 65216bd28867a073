"""A board's member list, cached in Redis when there is one: served from the cache, yet every
change made through the API shows at once, and the answers are those of a server without
Redis."""

from __future__ import annotations

from typing import Any

from commonhold.platform.db.server import DatabaseUrls
from commonhold.settings import Settings
from tests.apps.boards.factories import API, create_board, create_workspace
from tests.apps.homes.factories import add_member
from tests.factories import TestUser
from tests.live import LiveWorld, open_live_world
from tests.mail import Inbox


async def _members(world: LiveWorld, person: TestUser, board_id: str) -> list[tuple[str, str]]:
    """The member list (a page at a time), checked against the open board's: names and roles."""
    listed: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = await world.client.get(
            f"{API}/boards/{board_id}/members", params=params, headers=person.headers
        )
        assert page.status_code == 200, page.text
        listed += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    board = await world.client.get(f"{API}/boards/{board_id}", headers=person.headers)
    assert board.json()["members"] == listed
    return [(member["display_name"], member["role"]) for member in listed]


async def _ok(response: Any) -> None:
    assert response.status_code in (200, 201, 204), response.text


async def test_the_member_list_is_cached_and_every_change_shows_at_once(
    live: LiveWorld, database_urls: DatabaseUrls, settings: Settings, redis_url: str, inbox: Inbox
) -> None:
    async with open_live_world(
        database_urls, settings.model_copy(update={"redis_url": redis_url})
    ) as cached:
        await _check_member_list_caching(cached, live, inbox)


async def _check_member_list_caching(cached: LiveWorld, plain: LiveWorld, inbox: Inbox) -> None:
    """Changes go through the server with Redis; both servers must answer the same."""
    ada, grace, max_ = [await cached.user(name) for name in ("Ada", "Grace", "Max")]
    workspace = await create_workspace(cached.client, ada)
    for person in (grace, max_):
        await add_member(cached.client, inbox, ada, workspace["id"], person)
    board = await create_board(cached.client, ada, workspace["id"])
    members_url = f"{API}/boards/{board['id']}/members"
    workspace_members_url = f"{API}/spaces/{workspace['id']}/members"

    async def both_answer(expected: list[tuple[str, str]]) -> None:
        assert await _members(cached, ada, board["id"]) == expected
        assert await _members(plain, ada, board["id"]) == expected

    await both_answer([("Ada", "admin")])
    # Behind the cache's back: the server with Redis still answers from the cache.
    await cached.execute(
        "UPDATE platform.users SET display_name = 'Ada L.' WHERE id = :id", id=ada.id
    )
    assert await _members(cached, ada, board["id"]) == [("Ada", "admin")]
    assert await _members(plain, ada, board["id"]) == [("Ada L.", "admin")]

    for person in (grace, max_):
        await _ok(
            await cached.client.post(
                members_url, json={"user_id": str(person.id)}, headers=ada.headers
            )
        )
    await both_answer([("Ada L.", "admin"), ("Grace", "member"), ("Max", "member")])
    await _ok(
        await cached.client.patch(
            f"{members_url}/{grace.id}", json={"role": "observer"}, headers=ada.headers
        )
    )
    await both_answer([("Ada L.", "admin"), ("Grace", "observer"), ("Max", "member")])
    await _ok(await cached.client.delete(f"{members_url}/{grace.id}", headers=ada.headers))
    await both_answer([("Ada L.", "admin"), ("Max", "member")])
    await _ok(await cached.client.delete(f"{members_url}/{max_.id}", headers=max_.headers))
    await both_answer([("Ada L.", "admin")])

    # Workspace roles decide who sees the board, at once; the list names whom the board
    # names, whatever their workspace role.
    await _ok(
        await cached.client.post(members_url, json={"user_id": str(max_.id)}, headers=ada.headers)
    )
    await _members(cached, max_, board["id"])
    await _ok(
        await cached.client.patch(
            f"{workspace_members_url}/{max_.id}", json={"role": "viewer"}, headers=ada.headers
        )
    )
    viewed = await cached.client.get(f"{API}/boards/{board['id']}", headers=max_.headers)
    assert viewed.json()["board"]["role"] == "observer"
    await both_answer([("Ada L.", "admin"), ("Max", "member")])
    await _ok(await cached.client.delete(f"{workspace_members_url}/{max_.id}", headers=ada.headers))
    for world in (cached, plain):
        gone = await world.client.get(members_url, headers=max_.headers)
        assert (gone.status_code, gone.json()["code"]) == (404, "board_not_found")
    await both_answer([("Ada L.", "admin"), ("Max", "member")])
