"""A client that knows the API only from its served OpenAPI document runs a household's first
day: it names operations by their operationId and never writes a URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from httpx import AsyncClient

from tests.mail import Inbox


class SpecClient:
    """Calls operations by operationId: the method, path, parameters and whether the caller's
    token goes along all come from the document, as in a client generated from it."""

    def __init__(self, http: AsyncClient, spec: dict[str, Any]) -> None:
        self._http = http
        self._operations = {
            operation["operationId"]: (method.upper(), path, operation)
            for path, methods in spec["paths"].items()
            for method, operation in methods.items()
        }
        self.access_token: str | None = None

    @classmethod
    async def connect(cls, http: AsyncClient) -> SpecClient:
        response = await http.get("/openapi.json")
        assert response.status_code == 200, response.text
        return cls(http, response.json())

    async def call(
        self, operation_id: str, parameters: dict[str, Any] | None = None, body: Any = None
    ) -> Any:
        """The operation's JSON answer, after checking its status is a documented success."""
        method, path, operation = self._operations[operation_id]
        given = dict(parameters or {})
        query: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for parameter in operation.get("parameters", []):
            name, place = parameter["name"], parameter["in"]
            if name not in given:
                assert not parameter.get("required"), f"{operation_id} needs {name}"
                continue
            value = given.pop(name)
            if place == "path":
                path = path.replace(f"{{{name}}}", quote(str(value), safe=""))
            elif place == "query":
                query[name] = value
            else:
                headers[name] = str(value)
        assert not given, f"{operation_id} takes no parameter {sorted(given)}"
        assert (body is None) or "requestBody" in operation, f"{operation_id} takes no body"
        if operation.get("security"):
            assert self.access_token, f"{operation_id} needs a signed-in caller"
            headers["Authorization"] = f"Bearer {self.access_token}"
        response = await self._http.request(method, path, params=query, json=body, headers=headers)
        successes = [status for status in operation["responses"] if status.startswith("2")]
        assert str(response.status_code) in successes, (operation_id, response.text)
        return response.json() if response.content else None


async def test_a_household_runs_its_first_day_through_operation_ids_only(
    client: AsyncClient, inbox: Inbox
) -> None:
    api = await SpecClient.connect(client)
    today = datetime.now(UTC).date()

    accepted = await api.call(
        "auth_signup",
        body={
            "email": "ada@example.com",
            "password": "correct horse battery staple",
            "display_name": "Ada Lovelace",
            "timezone": "UTC",
        },
    )
    assert accepted == {"email": "ada@example.com"}
    link_token = await inbox.verification_token("ada@example.com")
    tokens = await api.call("auth_verify_email", body={"token": link_token})
    api.access_token = tokens["access_token"]
    me = await api.call("me_get")
    assert (me["email"], me["display_name"]) == ("ada@example.com", "Ada Lovelace")

    home = await api.call("homes_create", body={"name": "Maple Street house"})
    assert home["role"] == "owner"
    basement = await api.call("rooms_create", {"home_id": home["id"]}, {"name": "Basement"})
    furnace = await api.call(
        "items_create",
        {"room_id": basement["id"]},
        {"name": "Furnace", "manufacturer": "Carrier", "purchase_price": "3499.90"},
    )
    task = await api.call(
        "tasks_create",
        {"home_id": home["id"]},
        {
            "title": "Change the furnace filter",
            "due_date": today.isoformat(),
            "recurrence": "monthly",
            "recurrence_interval": 3,
            "item_id": furnace["id"],
        },
    )

    window = {
        "home_id": home["id"],
        "from": today.isoformat(),
        "to": (today + timedelta(days=200)).isoformat(),
    }
    coming = await api.call("occurrences_list", window)
    assert [o["title"] for o in coming] == ["Change the furnace filter"] * 3
    assert (coming[0]["due_date"], coming[0]["status"]) == (today.isoformat(), "pending")
    done = await api.call(
        "task_instances_complete",
        {"instance_id": coming[0]["instance_id"]},
        {"notes": "Used a MERV 11 filter"},
    )
    assert (done["status"], done["notes"]) == ("completed", "Used a MERV 11 filter")
    assert [o["status"] for o in await api.call("occurrences_list", window)] == [
        "completed",
        "pending",
        "pending",
    ]
    task_now = await api.call("tasks_get", {"task_id": task["id"]})
    assert task_now["next_due_date"] == coming[1]["due_date"]

    inventory = await api.call("homes_inventory", {"home_id": home["id"]})
    assert inventory["name"] == "Maple Street house"
    assert [
        (room["name"], [item["name"] for item in room["items"]]) for room in inventory["rooms"]
    ] == [("Basement", ["Furnace"])]
