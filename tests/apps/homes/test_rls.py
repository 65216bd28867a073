"""Row-level security on every homes table, checked in the database as the application role.

The queries carry no home filter: what comes back is what PostgreSQL lets the user see.
"""

from __future__ import annotations

import uuid

import psycopg.errors
import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.apps.homes.factories import API, create_home, create_item, create_room, set_tier
from tests.factories import TestUser, signup


async def _homes_tables(connection: AsyncConnection) -> list[str]:
    rows = await connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'homes' AND c.relkind = 'r' ORDER BY 1"
        )
    )
    return list(rows.scalars())


async def _act_as(connection: AsyncConnection, user: TestUser | None) -> None:
    await connection.execute(
        text("SELECT set_config('app.user_id', :user_id, true)"),
        {"user_id": str(user.id) if user else ""},
    )


async def _furnished_home(client: AsyncClient, user: TestUser) -> uuid.UUID:
    """A home with a row in every homes table."""
    home = await create_home(client, user, address="1 Main St")
    room = await create_room(client, user, home["id"])
    item = await create_item(client, user, room["id"])
    calls = [
        (
            f"/items/{item['id']}/attachments",
            {
                "file_url": "https://example.com/r.pdf",
                "file_type": "application/pdf",
                "file_name": "r.pdf",
            },
        ),
        (f"/homes/{home['id']}/tasks", {"title": "Clean filter", "due_date": "2030-01-01"}),
        (f"/homes/{home['id']}/calendar-feed", None),
    ]
    for path, body in calls:
        response = await client.post(f"{API}{path}", json=body, headers=user.headers)
        assert response.status_code in (200, 201), response.text
    return uuid.UUID(home["id"])


async def test_every_homes_table_has_forced_row_level_security(
    connection: AsyncConnection,
) -> None:
    tables = await _homes_tables(connection)
    assert len(tables) == 7, tables
    rows = await connection.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "(SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'homes' "
            " AND p.tablename = c.relname AND 'commonhold_app' = ANY (p.roles)) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'homes' AND c.relkind = 'r'"
        )
    )
    for name, enabled, forced, app_policies in rows:
        assert enabled, name
        assert forced, name
        assert app_policies, f"{name} has no policy for the application role"


async def test_each_member_sees_only_their_homes_rows_in_every_table(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice, bob = await signup(client), await signup(client)
    await set_tier(connection, alice, "basic")
    await set_tier(connection, bob, "basic")
    alices = await _furnished_home(client, alice)
    bobs = await _furnished_home(client, bob)

    for user, own in ((alice, alices), (bob, bobs), (None, None)):
        await _act_as(connection, user)
        for table in await _homes_tables(connection):
            seen: set[uuid.UUID] = set(
                (await connection.execute(text(f"SELECT space_id FROM homes.{table}")))  # noqa: S608 - a catalog name
                .scalars()
            )
            assert seen == ({own} if own else set()), (table, user)


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO homes.rooms (id, space_id, name, sort_order) "
        "VALUES (gen_random_uuid(), :home, 'Planted', 0)",
        "UPDATE homes.rooms SET space_id = :home",
    ],
)
async def test_nobody_writes_into_another_home(
    client: AsyncClient, connection: AsyncConnection, sql: str
) -> None:
    alice, bob = await signup(client), await signup(client)
    await create_room(client, alice, (await create_home(client, alice))["id"])
    bobs = await create_home(client, bob)
    await _act_as(connection, alice)
    with pytest.raises(DBAPIError) as raised:
        async with connection.begin_nested():
            await connection.execute(text(sql), {"home": bobs["id"]})
    assert isinstance(raised.value.orig, psycopg.errors.InsufficientPrivilege)
