"""Billing's tables under row-level security, as the application role: people read their own
subscription and their spaces', and nobody's request can change one; only a Stripe event
being applied can."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg.errors
import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import as_owner
from tests.factories import TestUser, create_space, signup
from tests.platform.billing.factories import deliver, event, subscription


async def _act_as(
    connection: AsyncConnection, user_id: uuid.UUID | None, event_id: str = ""
) -> None:
    await connection.execute(
        text(
            "SELECT set_config('app.user_id', :user_id, true), "
            "set_config('app.stripe_event_id', :event_id, true)"
        ),
        {"user_id": str(user_id) if user_id else "", "event_id": event_id},
    )


async def _rows(connection: AsyncConnection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await connection.execute(text(sql), params)]


async def _subscribed(
    billing: AsyncClient, client: AsyncClient, name: str
) -> tuple[TestUser, uuid.UUID]:
    """A person paying for their own plan and for a space of theirs."""
    person = await signup(client, name=name)
    space = await create_space(client, person, name=f"{name}'s team")
    for paid in (
        subscription(user_id=person.id, customer=f"cus_{name}"),
        subscription(user_id=person.id, space_id=space["id"], customer=f"cus_{name}"),
    ):
        response = await deliver(billing, event("customer.subscription.created", paid))
        assert response.json()["outcome"] == "applied", response.text
    return person, uuid.UUID(space["id"])


async def test_people_read_only_their_own_and_their_spaces_subscriptions(
    client: AsyncClient, billing: AsyncClient, connection: AsyncConnection
) -> None:
    alice, alices_space = await _subscribed(billing, client, "alice")
    bob, bobs_space = await _subscribed(billing, client, "bob")
    async with as_owner(connection):
        await connection.execute(
            text(
                "INSERT INTO platform.billing_customers (user_id, stripe_customer_id) "
                "VALUES (:a, 'cus_alice'), (:b, 'cus_bob')"
            ),
            {"a": alice.id, "b": bob.id},
        )
    visible = "SELECT user_id, space_id FROM platform.subscriptions ORDER BY space_id NULLS FIRST"

    await _act_as(connection, alice.id)
    assert await _rows(connection, visible) == [(alice.id, None), (None, alices_space)]
    assert await _rows(connection, "SELECT user_id FROM platform.billing_customers") == [
        (alice.id,)
    ]
    assert await _rows(connection, "SELECT id FROM platform.stripe_events") == []
    await _act_as(connection, bob.id)
    assert await _rows(connection, visible) == [(bob.id, None), (None, bobs_space)]
    await _act_as(connection, None)
    assert await _rows(connection, visible) == []
    assert await _rows(connection, "SELECT user_id FROM platform.billing_customers") == []

    # Through the API too: Alice's space's plan is not Bob's to read.
    response = await billing.get(
        "/api/v1/billing/subscription", params={"space_id": str(alices_space)}, headers=bob.headers
    )
    assert response.status_code == 404


async def test_nobodys_request_changes_a_subscription(
    client: AsyncClient, billing: AsyncClient, connection: AsyncConnection
) -> None:
    alice, alices_space = await _subscribed(billing, client, "alice")
    async with as_owner(connection):
        # An event handled by an earlier transaction does not open the table to this one.
        await connection.execute(
            text(
                "INSERT INTO platform.stripe_events (id, type, signed_at, received_at) "
                "VALUES ('evt_earlier', 'customer.subscription.updated', now(), "
                "now() - interval '1 minute')"
            )
        )
    insert = (
        "INSERT INTO platform.subscriptions (id, user_id, tier, status) "
        "VALUES (gen_random_uuid(), :u, 'premium', 'active')"
    )
    for user_id, event_id in ((alice.id, ""), (alice.id, "evt_earlier"), (None, "evt_earlier")):
        await _act_as(connection, user_id, event_id)
        for sql in (
            "UPDATE platform.subscriptions SET tier = 'premium'",
            "UPDATE platform.subscriptions SET status = 'active' WHERE space_id = :s",
        ):
            result = await connection.execute(text(sql), {"s": alices_space})
            assert result.rowcount == 0, (user_id, event_id, sql)
        with pytest.raises(DBAPIError) as error:
            async with connection.begin_nested():
                await connection.execute(text(insert), {"u": uuid.uuid4()})
        assert isinstance(error.value.orig, psycopg.errors.InsufficientPrivilege), error.value
    with pytest.raises(DBAPIError) as error:
        async with connection.begin_nested():
            await connection.execute(text("DELETE FROM platform.subscriptions"))
    assert isinstance(error.value.orig, psycopg.errors.InsufficientPrivilege)

    # A person's request cannot record Stripe events nor claim another's customer.
    await _act_as(connection, alice.id)
    for sql in (
        "INSERT INTO platform.stripe_events (id, type, signed_at) VALUES ('evt_x', 'x', now())",
        "INSERT INTO platform.billing_customers (user_id, stripe_customer_id) "
        "VALUES (gen_random_uuid(), 'cus_forged')",
    ):
        with pytest.raises(DBAPIError) as error:
            async with connection.begin_nested():
                await connection.execute(text(sql))
        assert isinstance(error.value.orig, psycopg.errors.InsufficientPrivilege), sql

    async with as_owner(connection):
        tiers = await _rows(connection, "SELECT tier FROM platform.subscriptions")
    assert tiers == [("basic",), ("basic",)]


async def test_usage_counters_are_their_space_members_and_persons_alone(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice, bob = await signup(client, name="Alice"), await signup(client, name="Bob")
    alices_space = (await create_space(client, alice))["id"]
    async with as_owner(connection):
        await connection.execute(
            text(
                "INSERT INTO platform.usage_counters (id, space_id, user_id, limit_key, "
                "period_start, used) VALUES (gen_random_uuid(), :s, NULL, 'k', '2026-11-01', 3), "
                "(gen_random_uuid(), NULL, :a, 'k', '2026-11-01', 1)"
            ),
            {"s": alices_space, "a": alice.id},
        )
    await _act_as(connection, bob.id)
    assert await _rows(connection, "SELECT used FROM platform.usage_counters") == []
    assert (
        await connection.execute(text("UPDATE platform.usage_counters SET used = 0"))
    ).rowcount == 0
    with pytest.raises(DBAPIError) as error:
        async with connection.begin_nested():
            await connection.execute(
                text(
                    "INSERT INTO platform.usage_counters (id, space_id, limit_key, period_start, "
                    "used) VALUES (gen_random_uuid(), :s, 'k', '2026-12-01', 1)"
                ),
                {"s": alices_space},
            )
    assert isinstance(error.value.orig, psycopg.errors.InsufficientPrivilege)
    await _act_as(connection, alice.id)
    assert sorted(await _rows(connection, "SELECT used FROM platform.usage_counters")) == [
        (1,),
        (3,),
    ]
