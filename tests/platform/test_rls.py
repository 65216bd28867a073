"""Row-level security, checked in the database itself, as the application role.

These queries deliberately carry no space filter: whatever comes back is what PostgreSQL lets
the application role see for the user in ``app.user_id``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg.errors
import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.platform.identity.security import hash_opaque_token
from tests.apps.homes.factories import create_home, create_item, create_room
from tests.conftest import APP_ROLE, as_owner
from tests.factories import TestUser, create_space, signup
from tests.mail import Inbox

API = "/api/v1"


@dataclass
class Tenant:
    user: TestUser
    space_id: uuid.UUID
    invitation_id: uuid.UUID


async def _tenant(client: AsyncClient, name: str) -> Tenant:
    """A user with a space of their own and one pending invitation to it."""
    user = await signup(client, name=name)
    space = await create_space(client, user, name=f"{name}'s place")
    response = await client.post(
        f"{API}/spaces/{space['id']}/invitations",
        json={"email": f"guest-of-{uuid.uuid4().hex[:8]}@example.com", "role": "viewer"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return Tenant(user, uuid.UUID(space["id"]), uuid.UUID(response.json()["id"]))


async def _act_as(
    connection: AsyncConnection, user_id: uuid.UUID | None, token_hash: str = ""
) -> None:
    """What the API does at the start of each transaction (and, for invitations, later)."""
    await connection.execute(
        text(
            "SELECT set_config('app.user_id', :user_id, true), "
            "set_config('app.invitation_token_hash', :token_hash, true)"
        ),
        {"user_id": str(user_id) if user_id else "", "token_hash": token_hash},
    )


async def _column(connection: AsyncConnection, sql: str, **params: Any) -> list[Any]:
    return list((await connection.execute(text(sql), params)).scalars().all())


async def _visible(connection: AsyncConnection) -> dict[str, list[Any]]:
    return {
        "space_members": await _column(connection, "SELECT space_id FROM platform.space_members"),
        "spaces": await _column(connection, "SELECT id FROM platform.spaces"),
        "space_invitations": await _column(
            connection, "SELECT space_id FROM platform.space_invitations"
        ),
        "audit_log": list(
            (
                await connection.execute(
                    text("SELECT space_id, actor_id, action FROM platform.audit_log")
                )
            ).all()
        ),
    }


def _assert_sees_only(seen: dict[str, list[Any]], tenant: Tenant, other: Tenant) -> None:
    assert seen["space_members"] == [tenant.space_id]
    assert seen["spaces"] == [tenant.space_id]
    assert seen["space_invitations"] == [tenant.space_id]
    audit = seen["audit_log"]
    assert "space.created" in {a for s, _, a in audit if s == tenant.space_id}, audit
    for space_id, actor_id, action in audit:
        assert space_id == tenant.space_id or (space_id is None and actor_id == tenant.user.id), (
            space_id,
            actor_id,
            action,
        )
        assert actor_id != other.user.id


def _denied(error: pytest.ExceptionInfo[DBAPIError], message: str) -> None:
    assert isinstance(error.value.orig, psycopg.errors.InsufficientPrivilege), error.value
    assert message in str(error.value.orig), error.value


async def test_each_user_sees_only_their_own_rows(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await _tenant(client, "Alice")
    bob = await _tenant(client, "Bob")

    await _act_as(connection, alice.user.id)
    _assert_sees_only(await _visible(connection), alice, bob)
    await _act_as(connection, bob.user.id)
    _assert_sees_only(await _visible(connection), bob, alice)

    for nobody in (None, uuid.uuid4()):
        await _act_as(connection, nobody)
        assert await _visible(connection) == {
            "space_members": [],
            "spaces": [],
            "space_invitations": [],
            "audit_log": [],
        }


async def test_a_user_cannot_join_or_change_another_users_space(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await _tenant(client, "Alice")
    bob = await _tenant(client, "Bob")
    await _act_as(connection, alice.user.id)

    joins = [
        ("INSERT INTO platform.space_members (space_id, user_id, role) VALUES (:s, :u, 'admin')"),
        ("INSERT INTO platform.space_members (space_id, user_id, role) VALUES (:s, :u, 'owner')"),
        (
            "INSERT INTO platform.space_invitations (id, space_id, email, role, token_hash, "
            "invited_by, expires_at) VALUES (gen_random_uuid(), :s, 'x@example.com', 'admin', "
            "md5(random()::text), :u, now() + interval '1 day')"
        ),
        (
            "INSERT INTO platform.audit_log (id, actor_id, space_id, action) "
            "VALUES (gen_random_uuid(), :u, :s, 'space.forged')"
        ),
    ]
    for sql in joins:
        with pytest.raises(DBAPIError) as error:
            async with connection.begin_nested():
                await connection.execute(text(sql), {"s": bob.space_id, "u": alice.user.id})
        _denied(error, "row-level security")

    changes = [
        "UPDATE platform.spaces SET name = 'Taken over' WHERE id = :s",
        "UPDATE platform.spaces SET deleted_at = now() WHERE id = :s",
        "UPDATE platform.space_members SET role = 'viewer' WHERE space_id = :s",
        "UPDATE platform.space_members SET user_id = :u WHERE space_id = :s",
        "DELETE FROM platform.space_members WHERE space_id = :s",
        "UPDATE platform.space_invitations SET status = 'revoked' WHERE space_id = :s",
        "DELETE FROM platform.space_invitations WHERE space_id = :s",
    ]
    for sql in changes:
        result = await connection.execute(text(sql), {"s": bob.space_id, "u": alice.user.id})
        assert result.rowcount == 0, sql
    # Spaces are only ever soft-deleted: the role may not delete them at all.
    with pytest.raises(DBAPIError) as error:
        async with connection.begin_nested():
            await connection.execute(
                text("DELETE FROM platform.spaces WHERE id = :s"), {"s": bob.space_id}
            )
    _denied(error, "permission denied")

    # Bob's space is as he left it; Alice's rows are still only hers.
    await _act_as(connection, bob.user.id)
    space = (
        await connection.execute(
            text("SELECT name, deleted_at FROM platform.spaces WHERE id = :s"),
            {"s": bob.space_id},
        )
    ).one()
    assert (space.name, space.deleted_at) == ("Bob's place", None)
    members = await _column(
        connection,
        "SELECT user_id::text || ':' || role FROM platform.space_members WHERE space_id = :s",
        s=bob.space_id,
    )
    assert members == [f"{bob.user.id}:owner"]
    invitations = await _column(
        connection,
        "SELECT status FROM platform.space_invitations WHERE space_id = :s",
        s=bob.space_id,
    )
    assert invitations == ["pending"]
    actions = await _column(
        connection, "SELECT action FROM platform.audit_log WHERE space_id = :s", s=bob.space_id
    )
    assert "space.forged" not in actions
    response = await client.get(f"{API}/spaces/{bob.space_id}", headers=alice.user.headers)
    assert response.status_code == 404


async def test_the_audit_log_cannot_be_rewritten_even_by_its_author(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await _tenant(client, "Alice")
    await _act_as(connection, alice.user.id)
    count = "SELECT count(*) FROM platform.audit_log WHERE actor_id = :u"
    before: int = (await connection.execute(text(count), {"u": alice.user.id})).scalar_one()
    assert before >= 3  # signed up, created the space, invited someone

    for sql in (
        "UPDATE platform.audit_log SET action = 'nothing.happened' WHERE actor_id = :u",
        "UPDATE platform.audit_log SET actor_id = NULL WHERE actor_id = :u",
        "DELETE FROM platform.audit_log WHERE actor_id = :u",
        "DELETE FROM platform.audit_log",
        "TRUNCATE platform.audit_log",
    ):
        with pytest.raises(DBAPIError) as error:
            async with connection.begin_nested():
                await connection.execute(text(sql), {"u": alice.user.id})
        _denied(error, "permission denied for table audit_log")

    after: int = (await connection.execute(text(count), {"u": alice.user.id})).scalar_one()
    assert after == before


async def _space_tables(connection: AsyncConnection) -> list[str]:
    """Every table with a ``space_id`` column, and the spaces themselves."""
    # information_schema only lists columns the current role may use, so the catalog is
    # consulted too: a table hidden from the application role today may be granted tomorrow.
    discovered = await _column(
        connection,
        """
        SELECT c.table_schema || '.' || c.table_name
        FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.column_name = 'space_id' AND t.table_type = 'BASE TABLE'
        UNION
        SELECT n.nspname || '.' || k.relname
        FROM pg_attribute a
        JOIN pg_class k ON k.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = k.relnamespace
        WHERE a.attname = 'space_id' AND NOT a.attisdropped AND k.relkind IN ('r', 'p')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        """,
    )
    return sorted({*discovered, "platform.spaces"})


async def test_every_table_with_a_space_id_forces_row_level_security(
    connection: AsyncConnection,
) -> None:
    tables = await _space_tables(connection)
    print("tables checked for row-level security:", ", ".join(tables))
    assert len(tables) > 1, "no table with a space_id column was found"
    assert {"platform.space_members", "platform.space_invitations", "platform.audit_log"} <= set(
        tables
    ), tables

    rows = (
        await connection.execute(
            text(
                """
                SELECT k.oid::regclass::text AS name, k.relrowsecurity, k.relforcerowsecurity,
                       (SELECT count(*) FROM pg_policies p
                        WHERE p.schemaname = n.nspname AND p.tablename = k.relname) AS policies,
                       (SELECT count(*) FROM pg_policies p
                        WHERE p.schemaname = n.nspname AND p.tablename = k.relname
                          AND p.permissive = 'PERMISSIVE'
                          AND (:role = ANY (p.roles) OR 'public' = ANY (p.roles))
                          AND (p.qual = 'true' OR p.with_check = 'true')) AS open_policies
                FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace
                WHERE n.nspname || '.' || k.relname = ANY (:tables)
                """
            ),
            {"tables": tables, "role": APP_ROLE},
        )
    ).all()
    assert sorted(r.name for r in rows) == tables
    unprotected = [
        (r.name, r.relrowsecurity, r.relforcerowsecurity, r.policies, r.open_policies)
        for r in rows
        if not (r.relrowsecurity and r.relforcerowsecurity and r.policies > 0)
        or r.open_policies > 0
    ]
    assert unprotected == [], f"checked {tables}; unprotected (rls, forced, policies, open): "


async def test_the_application_role_cannot_bypass_row_level_security(
    connection: AsyncConnection,
) -> None:
    role = (
        await connection.execute(
            text(
                "SELECT current_user AS name, r.rolsuper, r.rolbypassrls, r.rolcreaterole "
                "FROM pg_roles r WHERE r.rolname = current_user"
            )
        )
    ).one()
    assert role.name == APP_ROLE
    assert (role.rolsuper, role.rolbypassrls, role.rolcreaterole) == (False, False, False)

    tables = (
        await connection.execute(
            text(
                "SELECT schemaname || '.' || tablename AS name, tableowner, "
                "pg_has_role(current_user, tableowner, 'MEMBER') AS member_of_owner "
                "FROM pg_tables WHERE schemaname = 'platform'"
            )
        )
    ).all()
    assert {t.name for t in tables} >= {
        "platform.spaces",
        "platform.space_members",
        "platform.space_invitations",
        "platform.audit_log",
    }
    for table in tables:
        assert table.tableowner != APP_ROLE, table
        assert not table.member_of_owner, table
    # Nor can it switch off row security for its session.
    await connection.execute(text("SET LOCAL row_security = off"))
    with pytest.raises(DBAPIError) as error:
        async with connection.begin_nested():
            await connection.execute(text("SELECT id FROM platform.spaces"))
    _denied(error, "row-level security")


async def test_an_invitation_token_opens_only_its_own_space(
    client: AsyncClient, inbox: Inbox, connection: AsyncConnection
) -> None:
    alice = await _tenant(client, "Alice")
    bob = await _tenant(client, "Bob")
    carol = await signup(client, name="Carol")
    invited = await client.post(
        f"{API}/spaces/{alice.space_id}/invitations",
        json={"email": carol.email, "role": "viewer"},
        headers=alice.user.headers,
    )
    assert invited.status_code == 201, invited.text
    body = (await inbox.wait_for(carol.email, "invited you to")).get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"POST /api/v1/invitations/([A-Za-z0-9_-]+)/accept", body.decode())
    assert found is not None
    token = found.group(1)

    # Carol, holding the token to Alice's space, as the API would set her up to accept it.
    await _act_as(connection, carol.id, hash_opaque_token(token))
    assert await _column(connection, "SELECT id FROM platform.spaces") == [alice.space_id]
    for sql in (
        "UPDATE platform.space_invitations SET space_id = :b, role = 'admin' "
        "WHERE id = :invitation",
        "UPDATE platform.space_invitations SET role = 'admin' WHERE id = :invitation",
        "INSERT INTO platform.space_members (space_id, user_id, role) VALUES (:b, :c, 'admin')",
        # The invitation offers "viewer"; the token does not let Carol pick another role.
        "INSERT INTO platform.space_members (space_id, user_id, role) VALUES (:a, :c, 'admin')",
        "INSERT INTO platform.space_members (space_id, user_id, role) VALUES (:a, :c, 'owner')",
        # Nor may she enrol someone else with it.
        "INSERT INTO platform.space_members (space_id, user_id, role) VALUES (:a, :b_user, "
        "'viewer')",
    ):
        with pytest.raises(DBAPIError) as error:
            async with connection.begin_nested():
                await connection.execute(
                    text(sql),
                    {
                        "a": alice.space_id,
                        "b": bob.space_id,
                        "b_user": bob.user.id,
                        "c": carol.id,
                        "invitation": invited.json()["id"],
                    },
                )
        assert isinstance(error.value.orig, psycopg.errors.InsufficientPrivilege), sql
    await _act_as(connection, carol.id)
    assert await _column(connection, "SELECT id FROM platform.spaces") == []
    await _act_as(connection, alice.user.id)
    roles = await _column(
        connection,
        "SELECT role FROM platform.space_invitations WHERE id = :i",
        i=invited.json()["id"],
    )
    assert roles == ["viewer"]


async def test_without_a_person_no_space_owned_table_shows_a_row(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await _tenant(client, "Alice")
    home = await create_home(client, alice.user)
    await create_item(client, alice.user, (await create_room(client, alice.user, home["id"]))["id"])
    tables = await _space_tables(connection)
    async with as_owner(connection):
        filled = {
            table
            for table in tables
            if await connection.scalar(text(f"SELECT count(*) > 0 FROM {table}"))  # noqa: S608 - catalog names
        }
    assert {"platform.spaces", "homes.rooms", "homes.items"} <= filled

    await _act_as(connection, None)
    shown = {}
    for table in tables:
        granted = await connection.scalar(
            text("SELECT has_table_privilege(current_user, :table, 'SELECT')"), {"table": table}
        )
        # A table the application role may not read at all shows nothing either.
        if granted and (count := await connection.scalar(text(f"SELECT count(*) FROM {table}"))):  # noqa: S608 - catalog names
            shown[table] = count
    assert shown == {}
