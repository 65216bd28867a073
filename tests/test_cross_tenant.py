"""Every route that names something by id, called by someone it does not belong to.

The routes come from the application's own OpenAPI document, so a route added later is swept
too. Alice has one of everything; Bob, a member of a space of his own, calls every method of
every such route on Alice's ids (with a valid body, so validation cannot answer first), then
nobody calls them. Bob must get 404, nobody 401 (or 404), and no table may change.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.app import create_app
from commonhold.settings import Settings
from tests.apps.boards.factories import (
    create_board,
    create_card,
    create_list,
    create_workspace,
    created,
)
from tests.apps.homes.factories import (
    add_member,
    create_home,
    create_item,
    create_room,
    set_tier,
)
from tests.conftest import as_owner, row_counts
from tests.factories import TestUser, signup
from tests.mail import Inbox

API = "/api/v1"
# Path parameters that name a kind of thing, not one of someone's: the same for everyone.
NOT_OWNED = {"type_key"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Bob calls every route twice over: more than a person's rate limit allows a minute."""
    return settings.model_copy(update={"api_rate_limit": "10000/minute"})


@dataclass
class Operation:
    method: str
    path: str
    spec: dict[str, Any]


def _operations(spec: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if re.search(r"\{(?!(?:" + "|".join(NOT_OWNED) + r")\})\w+\}", path)
    ]


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example_of(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A value the schema accepts: its example where it gives one, else the least it needs."""
    schema = _resolve(schema, components)
    for key in ("examples", "example", "default"):
        if key in schema:
            value = schema[key]
            return value[0] if key == "examples" and isinstance(value, list) else value
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o, components).get("type") != "null"]
            return example_of(options[0], components)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {
            name: example_of(properties[name], components) for name in schema.get("required", [])
        }
    if kind == "array":
        return [example_of(schema.get("items", {}), components)] * schema.get("minItems", 0)
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return _string(schema)


def _string(schema: dict[str, Any]) -> str:
    formats = {
        "uuid": str(uuid.uuid4()),
        "email": "someone@example.com",
        "date": "2026-01-15",
        "date-time": "2026-01-15T08:00:00Z",
        "uri": "https://example.com/",
    }
    return str(formats.get(schema.get("format", ""), "x" * max(schema.get("minLength", 1), 1)))


async def _alices_ids(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> dict[str, str]:
    """One of everything, Alice's, by the name of the path parameter that names it."""
    alice, carol = await signup(client, name="Alice"), await signup(client, name="Carol")
    await set_tier(connection, alice, "basic")
    home = await create_home(client, alice)
    await add_member(client, inbox, alice, home["id"], carol)
    room = await create_room(client, alice, home["id"])
    item = await create_item(client, alice, room["id"])
    attachment = await client.post(
        f"{API}/items/{item['id']}/attachments",
        json={
            "file_name": "manual.pdf",
            "file_url": "https://example.com/manual.pdf",
            "file_type": "application/pdf",
        },
        headers=alice.headers,
    )
    task = await client.post(
        f"{API}/homes/{home['id']}/tasks",
        json={"title": "Test the alarms", "due_date": datetime.now(UTC).date().isoformat()},
        headers=alice.headers,
    )
    instances = await client.get(
        f"{API}/tasks/{task.json()['id']}/instances", headers=alice.headers
    )
    invitation = await client.post(
        f"{API}/spaces/{home['id']}/invitations",
        json={"email": "dave@example.com", "role": "viewer"},
        headers=alice.headers,
    )
    feed = await client.post(f"{API}/homes/{home['id']}/calendar-feed", headers=alice.headers)
    subscription = await client.post(
        f"{API}/notifications/push/subscriptions",
        json={
            "endpoint": f"https://push.example.com/{uuid.uuid4().hex}",
            "keys": {
                "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u"
                "-Ts1XbjhazAkj7I99e8QcYP7DkM",
                "auth": "tBHItJI5svbpez7KI4CCXg",
            },
        },
        headers=alice.headers,
    )
    for response in (attachment, task, instances, invitation, feed, subscription):
        assert response.status_code in (200, 201), response.text
    boards = await _alices_board(client, alice)
    message_id = await _alices_message(client, inbox, alice, carol, boards["workspace_id"])
    notification_id = uuid.uuid4()
    async with as_owner(connection):
        await connection.execute(
            text(
                "INSERT INTO platform.notifications (id, user_id, space_id, type, dedupe_key, "
                "title, body, data, in_app, created_at) VALUES (:id, :user, :space, "
                "'homes.task_due_today', 'sweep', 'Due today', '', '{}', true, now())"
            ),
            {"id": notification_id, "user": alice.id, "space": home["id"]},
        )
        job_id = await connection.scalar(text("SELECT max(id) FROM procrastinate_jobs"))
    return {
        "space_id": home["id"],
        "home_id": home["id"],
        "user_id": str(carol.id),
        "room_id": room["id"],
        "item_id": item["id"],
        "attachment_id": attachment.json()["id"],
        "task_id": task.json()["id"],
        "instance_id": instances.json()["items"][0]["id"],
        "invitation_id": invitation.json()["id"],
        "subscription_id": subscription.json()["id"],
        "notification_id": str(notification_id),
        "job_id": str(job_id),
        # An invitation's token lets in whoever holds it, by design: Bob makes one up.
        "token": "made-up-by-bob",
        "message_id": message_id,
        **boards,
    }


async def _alices_board(client: AsyncClient, alice: TestUser) -> dict[str, str]:
    """A workspace of Alice's with a board and one of everything on it."""
    workspace = await create_workspace(client, alice)
    board = await create_board(client, alice, workspace["id"])
    card = await create_card(client, alice, (await create_list(client, alice, board["id"]))["id"])
    label = await client.post(
        f"{API}/boards/{board['id']}/labels",
        json={"name": "Urgent", "color": "#eb5a46"},
        headers=alice.headers,
    )
    comment = await client.post(
        f"{API}/cards/{card['id']}/comments", json={"body": "Mine"}, headers=alice.headers
    )
    checklist = created(
        await client.post(
            f"{API}/cards/{card['id']}/checklists", json={"title": "Steps"}, headers=alice.headers
        )
    )
    item = await client.post(
        f"{API}/checklists/{checklist['id']}/items", json={"text": "One"}, headers=alice.headers
    )
    return {
        "workspace_id": workspace["id"],
        "board_id": board["id"],
        "list_id": card["list_id"],
        "card_id": card["id"],
        "label_id": created(label)["id"],
        "comment_id": created(comment)["id"],
        "checklist_id": checklist["id"],
        "checklist_item_id": created(item)["id"],
    }


async def _alices_message(
    client: AsyncClient, inbox: Inbox, alice: TestUser, carol: TestUser, workspace_id: str
) -> str:
    """A direct message from Alice to Carol, whom she adds to her workspace."""
    await add_member(client, inbox, alice, workspace_id, carol)
    message = await client.post(
        f"{API}/workspaces/{workspace_id}/messages",
        json={"recipient_id": str(carol.id), "body": "Ours alone"},
        headers=alice.headers,
    )
    message_id: str = created(message)["id"]
    return message_id


def _request(
    operation: Operation, ids: dict[str, str], components: dict[str, Any]
) -> dict[str, Any]:
    path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], operation.path)
    query = {
        p["name"]: example_of(p.get("schema", {}), components)
        for p in operation.spec.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    request: dict[str, Any] = {"method": operation.method, "url": path, "params": query}
    content = operation.spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        request["json"] = example_of(content["application/json"].get("schema", {}), components)
    elif content:
        media_type = next(iter(content))
        request["content"] = b"name\nx\n"
        request["headers"] = {"Content-Type": media_type}
    return request


async def test_nobody_outside_a_space_reaches_anything_in_it_by_id(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox, settings: Settings
) -> None:
    spec = create_app(settings).openapi()
    components = spec["components"]["schemas"]
    operations = _operations(spec)
    named = {name for o in operations for name in re.findall(r"\{(\w+)\}", o.path)}
    ids = await _alices_ids(client, connection, inbox)
    uncovered = named - set(ids)
    assert not uncovered, f"say how the sweep finds one of Alice's {sorted(uncovered)}"

    bob = await signup(client, name="Bob")
    await create_home(client, bob, "Bob's flat")
    before = await row_counts(connection)
    wrong = []
    for operation in operations:
        request = _request(operation, ids, components)
        headers = request.pop("headers", {})
        as_bob = await client.request(**request, headers={**headers, **bob.headers})
        anonymous = await client.request(**request, headers=headers)
        if as_bob.status_code != 404 or anonymous.status_code not in (401, 404):
            wrong.append(
                f"{operation.method} {operation.path}: Bob {as_bob.status_code} "
                f"{as_bob.text[:200]}; anonymous {anonymous.status_code}"
            )
    assert wrong == [], "\n".join(wrong)
    assert len(operations) > 50
    after = await row_counts(connection)
    assert {t: (before[t], after[t]) for t in before if before[t] != after.get(t)} == {}
