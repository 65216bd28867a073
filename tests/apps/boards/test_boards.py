"""Workspaces, boards, lists, cards, labels, checklists and comments through the API: who may
see and change what, the board view and the activity it leaves."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.apps.boards.factories import (
    API,
    board_titles,
    create_board,
    create_card,
    create_list,
    create_workspace,
    created,
)
from tests.apps.homes.factories import add_member, invitation_token
from tests.conftest import as_owner, recorded_statements
from tests.factories import TestUser, signup
from tests.mail import Inbox


async def _team(
    client: AsyncClient, inbox: Inbox, *roles: str
) -> tuple[TestUser, dict[str, str], list[TestUser]]:
    """An owner with a workspace, and one member for each workspace role asked for."""
    owner = await signup(client, name="Ada")
    workspace = await create_workspace(client, owner)
    members = []
    for role in roles:
        member = await signup(client, name=f"A {role}")
        await add_member(client, inbox, owner, workspace["id"], member, role)
        members.append(member)
    return owner, workspace, members


async def test_a_workspace_is_created_listed_renamed_and_deleted(client: AsyncClient) -> None:
    owner = await signup(client)
    workspace = await create_workspace(client, owner, "Launch team")
    assert workspace["role"] == "owner"
    listed = await client.get(f"{API}/workspaces", headers=owner.headers)
    assert [w["name"] for w in listed.json()["items"]] == ["Launch team"]

    url = f"{API}/workspaces/{workspace['id']}"
    renamed = await client.patch(url, json={"name": "Growth"}, headers=owner.headers)
    assert renamed.status_code == 200, renamed.text
    assert (await client.get(url, headers=owner.headers)).json()["name"] == "Growth"

    assert (await client.delete(url, headers=owner.headers)).status_code == 204
    gone = await client.get(url, headers=owner.headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "workspace_not_found")
    assert (await client.get(f"{API}/workspaces", headers=owner.headers)).json()["items"] == []


async def test_a_home_is_not_a_workspace(client: AsyncClient) -> None:
    owner = await signup(client)
    home = created(await client.post(f"{API}/homes", json={"name": "Flat"}, headers=owner.headers))
    response = await client.get(f"{API}/workspaces/{home['id']}", headers=owner.headers)
    assert (response.status_code, response.json()["code"]) == (404, "workspace_not_found")


async def test_cards_are_created_changed_archived_and_deleted(client: AsyncClient) -> None:
    owner = await signup(client)
    workspace = await create_workspace(client, owner)
    board = await create_board(client, owner, workspace["id"], background_color="#0079bf")
    assert (board["role"], board["visibility"], board["version"]) == ("admin", "workspace", 1)
    todo = await create_list(client, owner, board["id"], "To do")
    card = await create_card(
        client, owner, todo["id"], "Write the copy", due_at="2026-03-01T17:00:00Z"
    )
    url = f"{API}/cards/{card['id']}"

    changed = await client.patch(
        url,
        json={"title": "Write the final copy", "description": "Two pages"},
        headers={**owner.headers, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    fetched = (await client.get(url, headers=owner.headers)).json()
    assert (fetched["title"], fetched["description"]) == ("Write the final copy", "Two pages")
    assert fetched["due_at"].startswith("2026-03-01T17:00:00")

    archived = await client.patch(url, json={"archived": True}, headers=owner.headers)
    assert archived.json()["archived"] is True
    assert await board_titles(client, owner, board["id"]) == {"To do": []}
    listed = await client.get(
        f"{API}/lists/{todo['id']}/cards", params={"archived": "true"}, headers=owner.headers
    )
    assert [c["id"] for c in listed.json()["items"]] == [card["id"]]

    null_title = await client.patch(url, json={"title": None}, headers=owner.headers)
    assert null_title.status_code == 422
    assert (await client.delete(url, headers=owner.headers)).status_code == 204
    assert (await client.get(url, headers=owner.headers)).json()["code"] == "card_not_found"


async def test_labels_assignees_and_checklists_belong_to_the_board(
    client: AsyncClient, inbox: Inbox
) -> None:
    owner, workspace, (editor,) = await _team(client, inbox, "editor")
    outsider = await signup(client)
    board = await create_board(client, owner, workspace["id"])
    other_board = await create_board(client, owner, workspace["id"], "Other")
    card = await create_card(client, owner, (await create_list(client, owner, board["id"]))["id"])
    url = f"{API}/cards/{card['id']}"
    urgent = created(
        await client.post(
            f"{API}/boards/{board['id']}/labels",
            json={"name": "Urgent", "color": "#eb5a46"},
            headers=owner.headers,
        )
    )
    foreign = created(
        await client.post(
            f"{API}/boards/{other_board['id']}/labels",
            json={"name": "Elsewhere", "color": "#000000"},
            headers=owner.headers,
        )
    )

    labelled = await client.post(
        f"{url}/labels", json={"label_id": urgent["id"]}, headers=editor.headers
    )
    assert labelled.json()["label_ids"] == [urgent["id"]]
    wrong = await client.post(
        f"{url}/labels", json={"label_id": foreign["id"]}, headers=editor.headers
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "label_not_in_board")

    assigned = await client.post(
        f"{url}/assignees", json={"user_id": str(editor.id)}, headers=owner.headers
    )
    assert assigned.json()["assignee_ids"] == [str(editor.id)]
    stranger = await client.post(
        f"{url}/assignees", json={"user_id": str(outsider.id)}, headers=owner.headers
    )
    assert (stranger.status_code, stranger.json()["code"]) == (422, "assignee_cannot_see_board")

    checklist = created(
        await client.post(f"{url}/checklists", json={"title": "Before"}, headers=editor.headers)
    )
    item = created(
        await client.post(
            f"{API}/checklists/{checklist['id']}/items",
            json={"text": "Proofread"},
            headers=editor.headers,
        )
    )
    ticked = await client.patch(
        f"{API}/checklist-items/{item['id']}", json={"done": True}, headers=editor.headers
    )
    assert ticked.json()["done"] is True
    detail = (await client.get(url, headers=editor.headers)).json()
    assert [(c["title"], [i["done"] for i in c["items"]]) for c in detail["checklists"]] == [
        ("Before", [True])
    ]

    # Deleting a label takes it off the cards.
    assert (
        await client.delete(f"{API}/labels/{urgent['id']}", headers=owner.headers)
    ).status_code == 204
    assert (await client.get(url, headers=owner.headers)).json()["label_ids"] == []
    view = (await client.get(f"{API}/boards/{board['id']}", headers=owner.headers)).json()
    summary = view["lists"][0]["cards"][0]
    assert (summary["checklist_total"], summary["checklist_done"]) == (1, 1)
    assert summary["assignee_ids"] == [str(editor.id)]


async def test_observers_read_and_may_not_write(client: AsyncClient, inbox: Inbox) -> None:
    owner, workspace, (viewer, editor) = await _team(client, inbox, "viewer", "editor")
    board = await create_board(client, owner, workspace["id"])
    todo = await create_list(client, owner, board["id"])
    card = await create_card(client, owner, todo["id"])
    created(
        await client.post(
            f"{API}/boards/{board['id']}/members",
            json={"user_id": str(editor.id), "role": "observer"},
            headers=owner.headers,
        )
    )
    for observer in (viewer, editor):  # a workspace viewer, and an observer by board role
        view = await client.get(f"{API}/boards/{board['id']}", headers=observer.headers)
        assert view.json()["board"]["role"] == "observer"
        for method, url, body in (
            ("POST", f"{API}/lists/{todo['id']}/cards", {"title": "Mine"}),
            ("PATCH", f"{API}/cards/{card['id']}", {"title": "Mine"}),
            ("POST", f"{API}/cards/{card['id']}/move", {"index": 0}),
            ("POST", f"{API}/cards/{card['id']}/comments", {"body": "Hello"}),
            ("POST", f"{API}/boards/{board['id']}/lists", {"name": "Mine"}),
            ("PATCH", f"{API}/boards/{board['id']}", {"name": "Mine"}),
        ):
            refused = await client.request(method, url, json=body, headers=observer.headers)
            assert (refused.status_code, refused.json()["code"]) == (
                403,
                "board_role_not_allowed",
            ), (method, url)
    # Members write content but do not manage the board.
    await client.patch(
        f"{API}/boards/{board['id']}/members/{editor.id}",
        json={"role": "member"},
        headers=owner.headers,
    )
    assert (await create_card(client, editor, todo["id"], "Editor's"))["title"] == "Editor's"
    managed = await client.patch(
        f"{API}/boards/{board['id']}", json={"name": "Mine"}, headers=editor.headers
    )
    assert managed.status_code == 403


async def test_a_private_board_is_invisible_to_workspace_members_not_on_it(
    client: AsyncClient, inbox: Inbox
) -> None:
    owner, workspace, (editor, admin) = await _team(client, inbox, "editor", "admin")
    secret = await create_board(client, owner, workspace["id"], "Surprise", visibility="private")
    todo = await create_list(client, owner, secret["id"])
    card = await create_card(client, owner, todo["id"])
    open_board = await create_board(client, owner, workspace["id"], "Open")

    for url, code in (
        (f"{API}/boards/{secret['id']}", "board_not_found"),
        (f"{API}/lists/{todo['id']}", "list_not_found"),
        (f"{API}/cards/{card['id']}", "card_not_found"),
        (f"{API}/cards/{card['id']}/comments", "card_not_found"),
    ):
        hidden = await client.get(url, headers=editor.headers)
        assert (hidden.status_code, hidden.json()["code"]) == (404, code)
    listed = await client.get(f"{API}/workspaces/{workspace['id']}/boards", headers=editor.headers)
    assert [b["name"] for b in listed.json()["items"]] == ["Open"]
    # The workspace's admins see and manage every board.
    as_admin = await client.get(f"{API}/boards/{secret['id']}", headers=admin.headers)
    assert as_admin.json()["board"]["role"] == "admin"

    added = await client.post(
        f"{API}/boards/{secret['id']}/members",
        json={"user_id": str(editor.id), "role": "member"},
        headers=owner.headers,
    )
    assert added.status_code == 201, added.text
    assert (
        await client.get(f"{API}/boards/{secret['id']}", headers=editor.headers)
    ).status_code == 200
    again = await client.post(
        f"{API}/boards/{secret['id']}/members",
        json={"user_id": str(editor.id)},
        headers=owner.headers,
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_board_member")
    outsider = await signup(client)
    refused = await client.post(
        f"{API}/boards/{open_board['id']}/members",
        json={"user_id": str(outsider.id)},
        headers=owner.headers,
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "not_workspace_member")

    # Leaving takes the card assignments with it, and the board out of sight.
    await client.post(
        f"{API}/cards/{card['id']}/assignees",
        json={"user_id": str(editor.id)},
        headers=owner.headers,
    )
    left = await client.delete(
        f"{API}/boards/{secret['id']}/members/{editor.id}", headers=editor.headers
    )
    assert left.status_code == 204
    assert (
        await client.get(f"{API}/boards/{secret['id']}", headers=editor.headers)
    ).status_code == 404
    assert (await client.get(f"{API}/cards/{card['id']}", headers=owner.headers)).json()[
        "assignee_ids"
    ] == []


async def test_only_its_author_edits_or_deletes_a_comment(
    client: AsyncClient, inbox: Inbox
) -> None:
    owner, workspace, (editor,) = await _team(client, inbox, "editor")
    board = await create_board(client, owner, workspace["id"])
    card = await create_card(client, owner, (await create_list(client, owner, board["id"]))["id"])
    comment = created(
        await client.post(
            f"{API}/cards/{card['id']}/comments", json={"body": "Draft?"}, headers=editor.headers
        )
    )
    assert (comment["author_name"], comment["edited_at"]) == ("A editor", None)
    url = f"{API}/comments/{comment['id']}"
    by_owner = await client.patch(url, json={"body": "Mine now"}, headers=owner.headers)
    assert (by_owner.status_code, by_owner.json()["code"]) == (403, "not_comment_author")
    edited = await client.patch(url, json={"body": "Draft ready?"}, headers=editor.headers)
    assert edited.json()["edited_at"] is not None
    assert (await client.delete(url, headers=editor.headers)).status_code == 204
    listed = await client.get(f"{API}/cards/{card['id']}/comments", headers=owner.headers)
    assert listed.json()["items"] == []
    assert (await client.delete(url, headers=editor.headers)).status_code == 404


async def test_every_change_leaves_activity_newest_first_within_a_time_range(
    client: AsyncClient,
) -> None:
    owner = await signup(client)
    workspace = await create_workspace(client, owner)
    board = await create_board(client, owner, workspace["id"])
    todo = await create_list(client, owner, board["id"], "To do")
    done = await create_list(client, owner, board["id"], "Done")
    card = await create_card(client, owner, todo["id"])
    await client.post(
        f"{API}/cards/{card['id']}/move", json={"list_id": done["id"]}, headers=owner.headers
    )
    await client.post(
        f"{API}/cards/{card['id']}/comments", json={"body": "Shipped"}, headers=owner.headers
    )
    url = f"{API}/boards/{board['id']}/activity"
    page = (await client.get(url, params={"limit": 3}, headers=owner.headers)).json()
    rest = (
        await client.get(url, params={"cursor": page["next_cursor"]}, headers=owner.headers)
    ).json()
    actions = [a["action"] for a in page["items"] + rest["items"]]
    assert sorted(actions) == sorted(
        [
            "board.created",
            "list.created",
            "list.created",
            "card.created",
            "card.moved",
            "comment.added",
        ]
    )
    moved = next(a for a in page["items"] + rest["items"] if a["action"] == "card.moved")
    assert (moved["card_id"], moved["data"]["from_list_id"], moved["data"]["to_list_id"]) == (
        card["id"],
        todo["id"],
        done["id"],
    )
    assert moved["actor_id"] == str(owner.id)
    future = await client.get(url, params={"since": "2100-01-01T00:00:00Z"}, headers=owner.headers)
    assert future.json()["items"] == []
    backwards = await client.get(
        url,
        params={"since": "2100-01-01T00:00:00Z", "until": "2000-01-01T00:00:00Z"},
        headers=owner.headers,
    )
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_time_range")


async def test_the_board_view_costs_the_same_queries_whatever_its_size(
    client: AsyncClient, owner_engine: AsyncEngine, connection: AsyncConnection
) -> None:
    owner = await signup(client)
    workspace = await create_workspace(client, owner)
    board = await create_board(client, owner, workspace["id"])
    counts = []
    for size in (1, 4):
        for n in range(size):
            board_list = await create_list(client, owner, board["id"], f"List {size}-{n}")
            for i in range(size):
                card = await create_card(client, owner, board_list["id"], f"Card {n}-{i}")
                await client.post(
                    f"{API}/cards/{card['id']}/comments", json={"body": "!"}, headers=owner.headers
                )
        with recorded_statements(owner_engine) as statements:
            response = await client.get(f"{API}/boards/{board['id']}", headers=owner.headers)
        assert response.status_code == 200
        counts.append(len(statements))
    view = response.json()
    assert len(view["lists"]) == 5
    assert sum(len(board_list["cards"]) for board_list in view["lists"]) == 1 + 16
    assert all(c["comment_count"] == 1 for bl in view["lists"] for c in bl["cards"])
    assert [m["role"] for m in view["members"]] == ["admin"]
    assert counts[0] == counts[1], counts


async def test_an_expired_invitation_to_a_workspace_is_refused_and_changes_nothing(
    client: AsyncClient, inbox: Inbox, connection: AsyncConnection
) -> None:
    owner, workspace, _ = await _team(client, inbox)
    board = await create_board(client, owner, workspace["id"])
    grace = await signup(client, name="Grace")
    invited = await client.post(
        f"{API}/spaces/{workspace['id']}/invitations",
        json={"email": grace.email, "role": "editor"},
        headers=owner.headers,
    )
    assert invited.status_code == 201, invited.text
    token = await invitation_token(inbox, grace.email)
    async with as_owner(connection):
        await connection.execute(
            text(
                "UPDATE platform.space_invitations SET expires_at = now() - interval '1 minute' "
                "WHERE id = :id"
            ),
            {"id": invited.json()["id"]},
        )

    accepted = await client.post(f"{API}/invitations/{token}/accept", headers=grace.headers)

    assert accepted.status_code == 404
    assert accepted.headers["content-type"] == "application/problem+json"
    assert accepted.json()["code"] == "invitation_not_found"
    unseen = await client.get(f"{API}/boards/{board['id']}", headers=grace.headers)
    assert (unseen.status_code, unseen.json()["code"]) == (404, "board_not_found")
    listed = await client.get(f"{API}/workspaces", headers=grace.headers)
    assert listed.json()["items"] == []
