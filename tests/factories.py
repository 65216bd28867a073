"""Small async factories that go through the API, as a client would."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient

from tests.mail import session_inbox

PASSWORD = "correct horse battery staple"
_counter = itertools.count()


@dataclass
class TestUser:
    __test__ = False

    id: uuid.UUID
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def signup(
    client: AsyncClient, email: str | None = None, name: str = "Test User"
) -> TestUser:
    """Sign up and confirm the address with the mailed link, as a person would."""
    email = email or f"user{next(_counter)}-{uuid.uuid4().hex[:6]}@example.com"
    response = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "display_name": name}
    )
    assert response.status_code == 202, response.text
    email = response.json()["email"]  # as stored: in lower case
    link_token = await session_inbox().verification_token(email)
    verified = await client.post("/api/v1/auth/verify-email", json={"token": link_token})
    assert verified.status_code == 200, verified.text
    tokens = verified.json()
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    return TestUser(
        uuid.UUID(me.json()["id"]), email, tokens["access_token"], tokens["refresh_token"]
    )


async def create_space(
    client: AsyncClient, owner: TestUser, kind: str = "team", name: str = "Maple St"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/spaces", json={"kind": kind, "name": name}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
