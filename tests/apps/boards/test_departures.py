"""Someone who leaves a workspace, or is removed from it, leaves its boards: off every board's
member list and every card they were assigned, private boards included, once the event's
jobs have run; their boards in other workspaces keep them, and so does a workspace they have
joined again meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from commonhold.platform.db.server import DatabaseUrls
from commonhold.settings import Settings
from tests.apps.boards.factories import (
    API,
    create_board,
    create_card,
    create_list,
    create_workspace,
)
from tests.apps.homes.factories import add_member
from tests.factories import TestUser
from tests.live import LiveWorld, open_live_world
from tests.mail import Inbox


@dataclass(frozen=True)
class Board:
    id: str
    card_id: str


async def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.status_code != 204 else None


async def _board_with(
    world: LiveWorld, admin: TestUser, workspace_id: str, people: list[TestUser], **fields: Any
) -> Board:
    """A board naming ``people``, with a card assigned to each of them."""
    board = await create_board(world.client, admin, workspace_id, **fields)
    todo = await create_list(world.client, admin, board["id"])
    card = await create_card(world.client, admin, todo["id"], "Press release")
    for person in people:
        await _ok(
            await world.client.post(
                f"{API}/boards/{board['id']}/members",
                json={"user_id": str(person.id)},
                headers=admin.headers,
            )
        )
        await _ok(
            await world.client.post(
                f"{API}/cards/{card['id']}/assignees",
                json={"user_id": str(person.id)},
                headers=admin.headers,
            )
        )
    return Board(board["id"], card["id"])


async def _members(world: LiveWorld, viewer: TestUser, board: Board) -> list[str]:
    page = await _ok(
        await world.client.get(f"{API}/boards/{board.id}/members", headers=viewer.headers)
    )
    return [member["display_name"] for member in page["items"]]


async def _assignees(world: LiveWorld, viewer: TestUser, board: Board) -> set[str]:
    card = await _ok(await world.client.get(f"{API}/cards/{board.card_id}", headers=viewer.headers))
    return set(card["assignee_ids"])


async def _remove(world: LiveWorld, by: TestUser, workspace_id: str, person: TestUser) -> None:
    await _ok(
        await world.client.delete(
            f"{API}/spaces/{workspace_id}/members/{person.id}", headers=by.headers
        )
    )


@pytest.mark.parametrize("how", ["removed", "left"])
async def test_whoever_leaves_the_workspace_leaves_its_boards_and_cards(
    how: str, database_urls: DatabaseUrls, settings: Settings, redis_url: str, inbox: Inbox
) -> None:
    # With Redis: the member lists are cached, and must not show Grace once she is gone.
    async with open_live_world(
        database_urls, settings.model_copy(update={"redis_url": redis_url})
    ) as live:
        ada, grace, max_ = [await live.user(name) for name in ("Ada", "Grace", "Max")]
        workspace = (await create_workspace(live.client, ada))["id"]
        for person in (grace, max_):
            await add_member(live.client, inbox, ada, workspace, person)
        shared = await _board_with(live, ada, workspace, [grace, max_])
        private = await _board_with(live, ada, workspace, [grace], visibility="private")
        # Max's workspace, where Grace stays.
        elsewhere = (await create_workspace(live.client, max_, "Elsewhere"))["id"]
        await add_member(live.client, inbox, max_, elsewhere, grace)
        kept = await _board_with(live, max_, elsewhere, [grace])
        assert await _members(live, ada, shared) == ["Ada", "Grace", "Max"]  # now cached

        await _remove(live, grace if how == "left" else ada, workspace, grace)
        await live.run_jobs()

        assert await _members(live, ada, shared) == ["Ada", "Max"]
        assert await _assignees(live, ada, shared) == {str(max_.id)}
        assert await _members(live, ada, private) == ["Ada"]
        assert await _assignees(live, ada, private) == set()
        assert await _members(live, max_, kept) == ["Max", "Grace"]
        assert await _assignees(live, max_, kept) == {str(grace.id)}

        activity = await _ok(
            await live.client.get(f"{API}/boards/{shared.id}/activity", headers=ada.headers)
        )
        actor = str((grace if how == "left" else ada).id)
        said = {(a["action"], a["actor_id"], a["data"]["user_id"]) for a in activity["items"][:2]}
        assert said == {
            ("member.removed", actor, str(grace.id)),
            ("card.unassigned", actor, str(grace.id)),
        }


async def test_someone_back_in_the_workspace_before_the_jobs_run_keeps_their_boards(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace = await live.user("Ada"), await live.user("Grace")
    workspace = (await create_workspace(live.client, ada))["id"]
    await add_member(live.client, inbox, ada, workspace, grace)
    board = await _board_with(live, ada, workspace, [grace])

    await _remove(live, ada, workspace, grace)
    # Back at once, as accepting a new invitation makes her: an invitation's mail would run
    # the jobs before she could accept it.
    await live.execute(
        "INSERT INTO platform.space_members (space_id, user_id, role) "
        "VALUES (:workspace, :grace, 'editor')",
        workspace=workspace,
        grace=grace.id,
    )
    await live.run_jobs()

    assert await _members(live, ada, board) == ["Ada", "Grace"]
    assert await _assignees(live, ada, board) == {str(grace.id)}
    # Gone again, and this time for good.
    await _remove(live, grace, workspace, grace)
    await live.run_jobs()
    assert await _members(live, ada, board) == ["Ada"]
    assert await _assignees(live, ada, board) == set()
