"""Boards factories: a workspace with boards, lists and cards, made through the API."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response

from tests.factories import TestUser

API = "/api/v1"


def created(response: Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_workspace(
    client: AsyncClient, owner: TestUser, name: str = "Launch team"
) -> dict[str, Any]:
    return created(
        await client.post(f"{API}/workspaces", json={"name": name}, headers=owner.headers)
    )


async def create_board(
    client: AsyncClient,
    user: TestUser,
    workspace_id: str,
    name: str = "Website relaunch",
    **fields: Any,
) -> dict[str, Any]:
    return created(
        await client.post(
            f"{API}/workspaces/{workspace_id}/boards",
            json={"name": name, **fields},
            headers=user.headers,
        )
    )


async def create_list(
    client: AsyncClient, user: TestUser, board_id: str, name: str = "To do"
) -> dict[str, Any]:
    return created(
        await client.post(
            f"{API}/boards/{board_id}/lists", json={"name": name}, headers=user.headers
        )
    )


async def create_card(
    client: AsyncClient, user: TestUser, list_id: str, title: str = "Write the copy", **fields: Any
) -> dict[str, Any]:
    return created(
        await client.post(
            f"{API}/lists/{list_id}/cards", json={"title": title, **fields}, headers=user.headers
        )
    )


async def board_titles(client: AsyncClient, user: TestUser, board_id: str) -> dict[str, list[str]]:
    """Each list's name with its cards' titles, as the board shows them."""
    response = await client.get(f"{API}/boards/{board_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    return {
        board_list["name"]: [card["title"] for card in board_list["cards"]]
        for board_list in response.json()["lists"]
    }
