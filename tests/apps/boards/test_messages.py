"""Direct messages: members of a workspace write to one another, page through their
conversations, mark them read; nobody else reads them, not even the workspace's owner, and the
recipient is told by a notification."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.apps.boards.factories import API, create_workspace, created
from tests.apps.homes.factories import add_member
from tests.conftest import row_counts
from tests.factories import TestUser, signup
from tests.live import LiveWorld
from tests.mail import Inbox


async def _workspace_of(
    client: AsyncClient, inbox: Inbox, owner: TestUser, *members: TestUser
) -> str:
    workspace_id: str = (await create_workspace(client, owner))["id"]
    for member in members:
        await add_member(client, inbox, owner, workspace_id, member, "editor")
    return workspace_id


async def _send(
    client: AsyncClient, sender: TestUser, workspace_id: str, recipient: TestUser, body: str
) -> dict[str, Any]:
    return created(
        await client.post(
            f"{API}/workspaces/{workspace_id}/messages",
            json={"recipient_id": str(recipient.id), "body": body},
            headers=sender.headers,
        )
    )


async def _get(client: AsyncClient, user: TestUser, path: str, **params: Any) -> Any:
    response = await client.get(f"{API}{path}", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _act_as(connection: AsyncConnection, user: TestUser) -> None:
    """Go on in the test's transaction as the application acting for ``user``."""
    await connection.execute(
        text("SELECT set_config('app.user_id', :id, true)"), {"id": str(user.id)}
    )


async def _messages_seen_by(connection: AsyncConnection, user: TestUser) -> list[str]:
    """The bodies the database itself shows ``user`` (as the application, beyond the API)."""
    await _act_as(connection, user)
    bodies = await connection.scalars(
        text("SELECT body FROM boards.direct_messages ORDER BY created_at")
    )
    return list(bodies)


async def test_two_members_write_page_through_and_mark_read_their_conversation(
    client: AsyncClient, inbox: Inbox
) -> None:
    ada, grace, max_ = [await signup(client, name=name) for name in ("Ada", "Grace", "Max")]
    workspace = await _workspace_of(client, inbox, ada, grace, max_)
    await _send(client, grace, workspace, ada, "Morning! Slides are in the folder.")
    sent = [await _send(client, ada, workspace, grace, f"Point {n}") for n in (1, 2, 3)]
    await _send(client, max_, workspace, grace, "Lunch?")
    assert sent[0]["sender_id"] == str(ada.id)
    assert sent[0]["read_at"] is None

    conversations = await _get(client, grace, f"/workspaces/{workspace}/conversations")
    assert [(c["display_name"], c["unread_count"]) for c in conversations["items"]] == [
        ("Max", 1),
        ("Ada", 3),
    ]
    assert conversations["items"][1]["last_message"]["body"] == "Point 3"
    assert conversations["next_cursor"] is None
    first = await _get(client, grace, f"/workspaces/{workspace}/conversations", limit=1)
    rest = await _get(
        client, grace, f"/workspaces/{workspace}/conversations", cursor=first["next_cursor"]
    )
    assert [c["display_name"] for c in first["items"] + rest["items"]] == ["Max", "Ada"]

    # A page at a time, newest first, both ways.
    path = f"/workspaces/{workspace}/conversations/{ada.id}"
    page = await _get(client, grace, path, limit=3)
    assert [m["body"] for m in page["items"]] == ["Point 3", "Point 2", "Point 1"]
    older = await _get(client, grace, path, limit=3, cursor=page["next_cursor"])
    assert [m["body"] for m in older["items"]] == ["Morning! Slides are in the folder."]
    assert older["next_cursor"] is None
    same_from_ada = await _get(client, ada, f"/workspaces/{workspace}/conversations/{grace.id}")
    assert len(same_from_ada["items"]) == 4

    one = await client.post(f"{API}/messages/{sent[0]['id']}/read", headers=grace.headers)
    assert one.status_code == 200, one.text
    assert one.json()["read_at"] is not None
    again = await client.post(f"{API}/messages/{sent[0]['id']}/read", headers=grace.headers)
    assert again.json()["read_at"] == one.json()["read_at"]
    by_sender = await client.post(f"{API}/messages/{sent[1]['id']}/read", headers=ada.headers)
    assert by_sender.status_code == 403
    assert by_sender.json()["code"] == "not_message_recipient"

    everything = await client.post(f"{API}{path}/read", headers=grace.headers)
    assert everything.status_code == 200, everything.text
    assert everything.json() == {"marked": 2}
    conversations = await _get(client, grace, f"/workspaces/{workspace}/conversations")
    assert [c["unread_count"] for c in conversations["items"]] == [1, 0]
    # Ada's own unread message from Grace is hers to mark: Grace's marking left it.
    from_ada = await _get(client, ada, f"/workspaces/{workspace}/conversations")
    assert [c["unread_count"] for c in from_ada["items"]] == [1]


async def test_conversations_with_people_who_left_stay_in_the_list(
    client: AsyncClient, inbox: Inbox
) -> None:
    # One correspondent's id sorts before the reader's, the other's after: the conversation
    # index keeps the two people of a pair in that order, and both kinds must be found.
    people = {name: await signup(client, name=name) for name in ("Ada", "Grace", "Max")}
    before, me, after = sorted(people.values(), key=lambda person: person.id)
    names = {person.id: name for name, person in people.items()}
    workspace = await _workspace_of(client, inbox, me, before, after)
    await _send(client, before, workspace, me, "Handing over the keys")
    await _send(client, me, workspace, after, "Welcome aboard")
    await _send(client, before, workspace, me, "Goodbye, all")
    left = await client.delete(
        f"{API}/spaces/{workspace}/members/{before.id}", headers=before.headers
    )
    assert left.status_code == 204, left.text

    expected = [(names[before.id], "Goodbye, all", 2), (names[after.id], "Welcome aboard", 0)]
    listed = await _get(client, me, f"/workspaces/{workspace}/conversations")
    assert [
        (c["display_name"], c["last_message"]["body"], c["unread_count"]) for c in listed["items"]
    ] == expected
    first = await _get(client, me, f"/workspaces/{workspace}/conversations", limit=1)
    rest = await _get(
        client, me, f"/workspaces/{workspace}/conversations", cursor=first["next_cursor"]
    )
    assert first["items"] + rest["items"] == listed["items"]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("recipient", ["outsider", "nobody", "self"])
async def test_a_message_to_someone_outside_the_workspace_or_to_oneself_is_refused(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox, recipient: str
) -> None:
    ada, grace, outsider = [await signup(client, name=n) for n in ("Ada", "Grace", "Olive")]
    workspace = await _workspace_of(client, inbox, ada, grace)
    recipient_id = {"outsider": outsider.id, "nobody": uuid.uuid4(), "self": ada.id}[recipient]
    before = await row_counts(connection)

    response = await client.post(
        f"{API}/workspaces/{workspace}/messages",
        json={"recipient_id": str(recipient_id), "body": "Hello"},
        headers=ada.headers,
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    refused = "cannot_message_yourself" if recipient == "self" else "recipient_not_workspace_member"
    assert response.json()["code"] == refused
    assert await row_counts(connection) == before


async def test_bounds_and_strangers(client: AsyncClient, inbox: Inbox) -> None:
    ada, grace, bob = [await signup(client, name=n) for n in ("Ada", "Grace", "Bob")]
    workspace = await _workspace_of(client, inbox, ada, grace)
    url = f"{API}/workspaces/{workspace}/messages"
    for body in ("", "   ", "x" * 5_001):
        response = await client.post(
            url, json={"recipient_id": str(grace.id), "body": body}, headers=ada.headers
        )
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"
    stranger = await client.post(
        url, json={"recipient_id": str(ada.id), "body": "Hi"}, headers=bob.headers
    )
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "workspace_not_found"
    unknown = await client.post(f"{API}/messages/{uuid.uuid4()}/read", headers=ada.headers)
    assert unknown.json()["code"] == "message_not_found"


async def test_only_the_two_people_read_a_message_not_even_the_workspace_owner(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    ada, grace, max_ = [await signup(client, name=name) for name in ("Ada", "Grace", "Max")]
    workspace = await _workspace_of(client, inbox, ada, grace, max_)
    message = await _send(client, grace, workspace, max_, "Just between us")

    assert (await _get(client, ada, f"/workspaces/{workspace}/conversations"))["items"] == []
    with_grace = await _get(client, ada, f"/workspaces/{workspace}/conversations/{grace.id}")
    assert with_grace["items"] == []
    marked = await client.post(f"{API}/messages/{message['id']}/read", headers=ada.headers)
    assert marked.status_code == 404
    assert marked.json()["code"] == "message_not_found"

    assert await _messages_seen_by(connection, ada) == []
    assert await _messages_seen_by(connection, grace) == ["Just between us"]
    assert await _messages_seen_by(connection, max_) == ["Just between us"]


async def test_the_database_lets_the_recipient_change_nothing_but_read_at(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    ada, grace = [await signup(client, name=name) for name in ("Ada", "Grace")]
    workspace = await _workspace_of(client, inbox, ada, grace)
    message = await _send(client, ada, workspace, grace, "Original")
    mark = text("UPDATE boards.direct_messages SET read_at = now() WHERE id = :id")

    await _act_as(connection, ada)
    assert (await connection.execute(mark, {"id": message["id"]})).rowcount == 0
    await _act_as(connection, grace)
    for statement in (
        "UPDATE boards.direct_messages SET body = 'Forged' WHERE id = :id",
        "DELETE FROM boards.direct_messages WHERE id = :id",
    ):
        with pytest.raises(ProgrammingError, match="permission denied"):
            async with connection.begin_nested():
                await connection.execute(text(statement), {"id": message["id"]})
    assert (await connection.execute(mark, {"id": message["id"]})).rowcount == 1
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with connection.begin_nested():
            await connection.execute(
                text(
                    "INSERT INTO boards.direct_messages "
                    "(id, space_id, sender_id, recipient_id, body, created_at) "
                    "VALUES (gen_random_uuid(), :space, :ada, :grace, 'Forged', now())"
                ),
                {"space": workspace, "ada": ada.id, "grace": grace.id},
            )


async def test_the_recipient_is_notified_once_it_commits_and_nothing_reaches_the_change_log(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace = await live.user("Ada"), await live.user("Grace")
    workspace = await _workspace_of(live.client, inbox, ada, grace)
    message = await _send(live.client, ada, workspace, grace, "Can you read the draft?")
    await live.run_jobs()

    inbox_page = await live.client.get(f"{API}/notifications", headers=grace.headers)
    assert inbox_page.status_code == 200, inbox_page.text
    [notification] = inbox_page.json()["items"]
    assert notification["type"] == "boards.message_received"
    assert notification["title"] == "Ada sent you a message"
    assert notification["body"] == "Can you read the draft?"
    assert notification["data"]["message_id"] == message["id"]
    assert notification["space_id"] == workspace
    ada_inbox = await live.client.get(f"{API}/notifications", headers=ada.headers)
    assert ada_inbox.json()["items"] == []
    logged = await live.execute(
        "SELECT count(*) FROM platform.changes WHERE entity_id = :id", id=message["id"]
    )
    assert logged == [(0,)]
