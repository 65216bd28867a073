"""Row-level security and grants of the notification tables, checked in the database itself as
the application role, with ``app.user_id`` set as the API sets it.

The queries carry no user filter on purpose: whatever comes back is what PostgreSQL lets the
application role see.
"""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg.errors
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.platform.db.session import Database
from commonhold.platform.notify.service import notify
from tests.conftest import APP_ROLE, as_owner
from tests.factories import TestUser, create_space, signup

API = "/api/v1"
NOTIFY_TABLES = [
    "platform.notifications",
    "platform.notification_deliveries",
    "platform.notification_preferences",
    "platform.notification_schedules",
    "platform.push_subscriptions",
    "platform.notification_templates",
    "platform.outbox_events",
    "platform.outgoing_emails",
]


@dataclass
class Person:
    user: TestUser
    space_id: uuid.UUID
    notification_id: uuid.UUID
    subscription_id: uuid.UUID

    @property
    def id(self) -> uuid.UUID:
        return self.user.id


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def _person(
    client: AsyncClient, connection: AsyncConnection, database: Database, name: str
) -> Person:
    """Someone with a space, a notification (and so deliveries), a preference, a schedule and a
    browser subscribed to push, all made as the product makes them."""
    user = await signup(client, name=name)
    space = await create_space(client, user, name=f"{name}'s place")
    response = await client.patch(
        f"{API}/notifications/preferences/homes.task_due_today",
        json={"channels": {"push": "off"}},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    response = await client.put(
        f"{API}/notifications/schedule",
        json={"quiet_start": "22:00", "quiet_end": "07:00"},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    response = await client.post(
        f"{API}/notifications/push/subscriptions",
        json={
            "endpoint": f"https://push.example.com/{name}/{uuid.uuid4().hex}",
            "keys": {"p256dh": _b64(point), "auth": _b64(os.urandom(16))},
        },
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    subscription_id = uuid.UUID(response.json()["id"])
    async with as_owner(connection), database.sessionmaker() as session:
        [notification_id] = await notify(
            session,
            [user.id],
            "homes.task_due_today",
            {"task": f"{name}'s task", "home": f"{name}'s place", "room": None},
            f"rls-{uuid.uuid4().hex}",
            uuid.UUID(space["id"]),
        )
        await session.commit()
    return Person(user, uuid.UUID(space["id"]), notification_id, subscription_id)


async def _act_as(connection: AsyncConnection, user_id: uuid.UUID | None) -> None:
    """What the API does at the start of each transaction."""
    await connection.execute(
        text("SELECT set_config('app.user_id', :user_id, true)"),
        {"user_id": str(user_id) if user_id else ""},
    )


async def _column(connection: AsyncConnection, sql: str, **params: Any) -> list[Any]:
    return list((await connection.execute(text(sql), params)).scalars().all())


async def _owners(connection: AsyncConnection) -> dict[str, list[Any]]:
    """Whose rows of each table the application role lets the current user see."""
    return {
        "notifications": await _column(connection, "SELECT user_id FROM platform.notifications"),
        "deliveries": await _column(
            connection, "SELECT DISTINCT user_id FROM platform.notification_deliveries"
        ),
        "preferences": await _column(
            connection, "SELECT DISTINCT user_id FROM platform.notification_preferences"
        ),
        "schedules": await _column(
            connection, "SELECT user_id FROM platform.notification_schedules"
        ),
        "push_subscriptions": await _column(
            connection, "SELECT user_id FROM platform.push_subscriptions"
        ),
    }


def _denied(error: pytest.ExceptionInfo[DBAPIError], message: str) -> None:
    assert isinstance(error.value.orig, psycopg.errors.InsufficientPrivilege), error.value
    assert message in str(error.value.orig), error.value


async def _refused(connection: AsyncConnection, sql: str, message: str, **params: Any) -> None:
    with pytest.raises(DBAPIError) as error:
        async with connection.begin_nested():
            await connection.execute(text(sql), params)
    _denied(error, message)


@pytest.fixture
async def pair(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> tuple[Person, Person]:
    return (
        await _person(client, connection, database, "Alice"),
        await _person(client, connection, database, "Bob"),
    )


async def test_each_person_sees_only_their_own_notification_rows(
    connection: AsyncConnection, pair: tuple[Person, Person]
) -> None:
    alice, bob = pair
    for me in (alice, bob):
        await _act_as(connection, me.id)
        assert await _owners(connection) == {
            "notifications": [me.id],
            "deliveries": [me.id],
            "preferences": [me.id],
            "schedules": [me.id],
            "push_subscriptions": [me.id],
        }
        ids = await _column(connection, "SELECT id FROM platform.notifications")
        assert ids == [me.notification_id]
    for nobody in (None, uuid.uuid4()):
        await _act_as(connection, nobody)
        assert await _owners(connection) == {
            "notifications": [],
            "deliveries": [],
            "preferences": [],
            "schedules": [],
            "push_subscriptions": [],
        }


async def test_nobody_changes_another_persons_notification_rows(
    connection: AsyncConnection, pair: tuple[Person, Person]
) -> None:
    alice, bob = pair
    await _act_as(connection, bob.id)
    params = {"a": alice.id, "b": bob.id, "n": alice.notification_id, "s": alice.subscription_id}
    for sql in (
        "UPDATE platform.notifications SET read_at = now() WHERE id = :n",
        "UPDATE platform.notifications SET read_at = now() WHERE user_id = :a",
        "UPDATE platform.notification_preferences SET mode = 'off' WHERE user_id = :a",
        "DELETE FROM platform.notification_preferences WHERE user_id = :a",
        "UPDATE platform.notification_schedules SET quiet_start = NULL, quiet_end = NULL "
        "WHERE user_id = :a",
        "DELETE FROM platform.notification_schedules WHERE user_id = :a",
        "UPDATE platform.push_subscriptions SET endpoint = 'https://evil.example.com/' "
        "WHERE id = :s",
        "UPDATE platform.push_subscriptions SET user_id = :b WHERE id = :s",
        "DELETE FROM platform.push_subscriptions WHERE id = :s",
    ):
        result = await connection.execute(text(sql), params)
        assert result.rowcount == 0, sql

    # Nor may Bob write rows in Alice's name, or hand his own over to her.
    for sql in (
        "INSERT INTO platform.notification_preferences (user_id, type, channel, mode) "
        "VALUES (:a, 'homes.task_assigned', 'email', 'immediate')",
        "INSERT INTO platform.notification_schedules (user_id, digest_time) VALUES (:a, '09:00')",
        "INSERT INTO platform.push_subscriptions (id, user_id, endpoint, p256dh, auth) "
        "VALUES (gen_random_uuid(), :a, 'https://push.example.com/forged', 'k', 'a')",
        "UPDATE platform.notification_preferences SET user_id = :a WHERE user_id = :b",
        "UPDATE platform.push_subscriptions SET user_id = :a WHERE user_id = :b",
    ):
        await _refused(connection, sql, "row-level security", **params)

    await _act_as(connection, alice.id)
    assert await _column(
        connection,
        "SELECT read_at FROM platform.notifications WHERE id = :n",
        n=alice.notification_id,
    ) == [None]
    prefs = await _column(
        connection, "SELECT channel || ':' || mode FROM platform.notification_preferences"
    )
    assert prefs == ["push:off"]
    schedule = (
        await connection.execute(
            text("SELECT quiet_start, quiet_end FROM platform.notification_schedules")
        )
    ).one()
    assert (str(schedule.quiet_start), str(schedule.quiet_end)) == ("22:00:00", "07:00:00")
    endpoints = await _column(connection, "SELECT endpoint FROM platform.push_subscriptions")
    assert len(endpoints) == 1
    assert endpoints[0].startswith("https://push.example.com/Alice/")


async def test_notifications_and_deliveries_are_written_only_by_the_system(
    connection: AsyncConnection, pair: tuple[Person, Person]
) -> None:
    alice, _bob = pair
    await _act_as(connection, alice.id)
    params = {"a": alice.id, "n": alice.notification_id}
    # Even about oneself: the app role may only mark a notification read.
    for sql in (
        "INSERT INTO platform.notifications (id, user_id, type, dedupe_key, title, body, data, "
        "in_app) VALUES (gen_random_uuid(), :a, 'homes.task_due_today', 'x', 'Forged', '', "
        "'{}', true)",
        "UPDATE platform.notifications SET title = 'Rewritten' WHERE id = :n",
        "UPDATE platform.notifications SET user_id = :a WHERE id = :n",
        "DELETE FROM platform.notifications WHERE id = :n",
        "INSERT INTO platform.notification_deliveries (id, notification_id, user_id, channel, "
        "status) VALUES (gen_random_uuid(), :n, :a, 'email', 'pending')",
        "UPDATE platform.notification_deliveries SET status = 'sent' WHERE user_id = :a",
        "DELETE FROM platform.notification_deliveries WHERE user_id = :a",
    ):
        await _refused(connection, sql, "permission denied", **params)
    result = await connection.execute(
        text("UPDATE platform.notifications SET read_at = now() WHERE id = :n"), params
    )
    assert result.rowcount == 1


async def test_operators_read_every_delivery_but_only_their_own_notifications(
    client: AsyncClient, connection: AsyncConnection, pair: tuple[Person, Person]
) -> None:
    alice, bob = pair
    carol = await signup(client, name="Carol")
    async with as_owner(connection):
        await connection.execute(
            text("UPDATE platform.users SET is_operator = true WHERE id = :u"), {"u": carol.id}
        )
    await _act_as(connection, carol.id)
    seen = await _owners(connection)
    assert {alice.id, bob.id} <= set(seen["deliveries"])
    assert seen["notifications"] == []
    assert seen["preferences"] == []
    assert seen["push_subscriptions"] == []
    # And reading is all: the log is not theirs to change.
    await _refused(
        connection,
        "UPDATE platform.notification_deliveries SET status = 'sent' WHERE user_id = :a",
        "permission denied",
        a=alice.id,
    )
    # Operator or not is decided by the database, not by what a session claims.
    await _act_as(connection, alice.id)
    assert set(
        await _column(connection, "SELECT user_id FROM platform.notification_deliveries")
    ) == {alice.id}


async def test_only_operators_change_the_wording_of_a_type(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client, name="Alice")
    await _act_as(connection, alice.id)
    insert = (
        "INSERT INTO platform.notification_templates (type, subject, summary, text_body, "
        "html_body) VALUES (:t, 'Hijacked', '', 'x', 'x')"
    )
    await _refused(connection, insert, "row-level security", t="homes.task_due_today")
    assert await _column(connection, "SELECT type FROM platform.notification_templates") == []

    async with as_owner(connection):
        await connection.execute(
            text("UPDATE platform.users SET is_operator = true WHERE id = :u"), {"u": alice.id}
        )
    await _act_as(connection, alice.id)
    await connection.execute(text(insert), {"t": "homes.task_due_today"})
    # Everyone reads the wording; nobody else changes it.
    bob = await signup(client, name="Bob")
    await _act_as(connection, bob.id)
    assert await _column(connection, "SELECT subject FROM platform.notification_templates") == [
        "Hijacked"
    ]
    for sql in (
        "UPDATE platform.notification_templates SET subject = 'Mine now'",
        "DELETE FROM platform.notification_templates",
    ):
        assert (await connection.execute(text(sql))).rowcount == 0, sql


async def test_the_private_vapid_key_stays_with_the_owner(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client, name="Alice")
    await _act_as(connection, alice.id)
    public = await _column(connection, "SELECT public_key FROM platform.vapid_keys")
    assert len(public) == 1
    for sql in (
        "SELECT private_key_pem FROM platform.vapid_keys",
        "SELECT * FROM platform.vapid_keys",
        "UPDATE platform.vapid_keys SET public_key = 'x'",
        "DELETE FROM platform.vapid_keys",
        "INSERT INTO platform.vapid_keys (id, private_key_pem, public_key) VALUES (2, 'k', 'p')",
    ):
        await _refused(connection, sql, "permission denied for table vapid_keys")
    async with as_owner(connection):
        pem = await _column(connection, "SELECT private_key_pem FROM platform.vapid_keys")
    assert pem[0].startswith("-----BEGIN PRIVATE KEY-----")


async def test_events_are_appended_only_for_ones_own_spaces(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    alices = uuid.UUID((await create_space(client, alice, name="Alice's place"))["id"])
    bobs = uuid.UUID((await create_space(client, bob, name="Bob's place"))["id"])
    name = f"tests.poked.{uuid.uuid4().hex[:8]}"
    append = (
        "INSERT INTO platform.outbox_events (id, name, space_id, actor_id, payload, occurred_at) "
        "VALUES (gen_random_uuid(), :name, :space, :actor, '{}', now())"
    )

    await _act_as(connection, alice.id)
    await connection.execute(text(append), {"name": name, "space": alices, "actor": alice.id})
    await connection.execute(text(append), {"name": name, "space": None, "actor": alice.id})
    await _refused(connection, append, "row-level security", name=name, space=bobs, actor=alice.id)
    await _refused(
        connection, append, "row-level security", name=name, space=uuid.uuid4(), actor=alice.id
    )
    # Appending is all: nobody reads or rewrites the outbox but the system.
    for sql in (
        "SELECT id FROM platform.outbox_events",
        "UPDATE platform.outbox_events SET relayed_at = now()",
        "DELETE FROM platform.outbox_events",
    ):
        await _refused(connection, sql, "permission denied for table outbox_events")

    async with as_owner(connection):
        spaces = await _column(
            connection,
            "SELECT space_id FROM platform.outbox_events WHERE name = :name ORDER BY space_id",
            name=name,
        )
    assert sorted(spaces, key=str) == sorted([alices, None], key=str)


async def test_every_notification_table_forces_row_level_security(
    connection: AsyncConnection,
) -> None:
    rows = (
        await connection.execute(
            text(
                """
                SELECT k.oid::regclass::text AS name, k.relrowsecurity, k.relforcerowsecurity,
                       (SELECT count(*) FROM pg_policies p
                        WHERE p.schemaname = n.nspname AND p.tablename = k.relname
                          AND :role = ANY (p.roles)) AS app_policies
                FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace
                WHERE n.nspname || '.' || k.relname = ANY (:tables)
                """
            ),
            {"tables": NOTIFY_TABLES, "role": APP_ROLE},
        )
    ).all()
    assert sorted(r.name for r in rows) == sorted(NOTIFY_TABLES)
    for row in rows:
        assert (row.relrowsecurity, row.relforcerowsecurity) == (True, True), row.name
        assert row.app_policies > 0, row.name
    # What the role may touch at all, table by table.
    privileges = {
        table: await _column(
            connection,
            "SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p "
            "WHERE has_table_privilege(current_user, :t, p) ORDER BY p",
            t=table,
        )
        for table in [*NOTIFY_TABLES, "platform.vapid_keys", "platform.event_receipts"]
    }
    assert privileges == {
        "platform.notifications": ["SELECT"],
        "platform.notification_deliveries": ["SELECT"],
        "platform.notification_preferences": ["DELETE", "INSERT", "SELECT", "UPDATE"],
        "platform.notification_schedules": ["DELETE", "INSERT", "SELECT", "UPDATE"],
        "platform.push_subscriptions": ["DELETE", "INSERT", "SELECT", "UPDATE"],
        "platform.notification_templates": ["DELETE", "INSERT", "SELECT", "UPDATE"],
        "platform.outbox_events": ["INSERT"],
        # Mail is queued by requests; its links are read only by the worker's system jobs.
        "platform.outgoing_emails": ["INSERT"],
        "platform.vapid_keys": [],
        "platform.event_receipts": [],
    }
    updatable = await _column(
        connection,
        "SELECT attname FROM pg_attribute WHERE attrelid = 'platform.notifications'::regclass "
        "AND attnum > 0 AND NOT attisdropped "
        "AND has_column_privilege(current_user, attrelid, attnum, 'UPDATE') ORDER BY attname",
    )
    assert updatable == ["read_at"]
