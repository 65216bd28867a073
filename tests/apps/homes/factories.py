"""Homes factories: a home with rooms and items, made through the API as a client would."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import as_owner
from tests.factories import TestUser
from tests.mail import Inbox

API = "/api/v1"
_ACCEPT_LINE = re.compile(r"POST /api/v1/invitations/([A-Za-z0-9_-]+)/accept")


async def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_home(
    client: AsyncClient, owner: TestUser, name: str = "Maple Street house", **fields: Any
) -> dict[str, Any]:
    return await _created(
        await client.post(f"{API}/homes", json={"name": name, **fields}, headers=owner.headers)
    )


async def create_room(
    client: AsyncClient, user: TestUser, home_id: str, name: str = "Kitchen", **fields: Any
) -> dict[str, Any]:
    return await _created(
        await client.post(
            f"{API}/homes/{home_id}/rooms", json={"name": name, **fields}, headers=user.headers
        )
    )


async def create_item(
    client: AsyncClient, user: TestUser, room_id: str, name: str = "Dishwasher", **fields: Any
) -> dict[str, Any]:
    return await _created(
        await client.post(
            f"{API}/rooms/{room_id}/items", json={"name": name, **fields}, headers=user.headers
        )
    )


async def set_tier(connection: AsyncConnection, user: TestUser, tier: str) -> None:
    """Put ``user`` on a paid tier, as billing would."""
    async with as_owner(connection):
        await connection.execute(
            text(
                "INSERT INTO platform.subscriptions (id, user_id, tier, status) "
                "VALUES (gen_random_uuid(), :user_id, :tier, 'active') "
                "ON CONFLICT (user_id) DO UPDATE SET tier = excluded.tier"
            ),
            {"user_id": user.id, "tier": tier},
        )


async def invitation_token(inbox: Inbox, email: str) -> str:
    """The token of the invitation mailed to ``email``."""
    mail = await inbox.wait_for(email, "invited you to")
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    match = _ACCEPT_LINE.search(payload.decode())
    assert match is not None
    return match.group(1)


async def add_member(
    client: AsyncClient,
    inbox: Inbox,
    owner: TestUser,
    home_id: str,
    member: TestUser,
    role: str = "editor",
) -> None:
    """Invite ``member`` by email and accept the mailed link, as two people would.
    The owner's plan must allow sharing (see ``set_tier``)."""
    invited = await client.post(
        f"{API}/spaces/{home_id}/invitations",
        json={"email": member.email, "role": role},
        headers=owner.headers,
    )
    assert invited.status_code == 201, invited.text
    token = await invitation_token(inbox, member.email)
    accepted = await client.post(f"{API}/invitations/{token}/accept", headers=member.headers)
    assert accepted.status_code == 200, accepted.text
