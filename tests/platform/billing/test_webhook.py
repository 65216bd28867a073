"""Stripe's webhook, delivered as Stripe delivers it: signed with the endpoint's secret over
``<timestamp>.<body>``. What a person notices: the plan in force, and what they may create."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.apps.homes.factories import add_member, create_home, create_item, create_room
from tests.conftest import as_owner, row_counts
from tests.factories import TestUser, signup
from tests.mail import Inbox
from tests.platform.billing.factories import (
    PRICE_PREMIUM,
    WEBHOOK,
    deliver,
    event,
    invoice,
    sign,
    subscription,
)
from tests.platform.billing.stripe_server import StripeServer

API = "/api/v1"
PLAN = f"{API}/billing/subscription"


async def _plan(client: AsyncClient, user: TestUser, space_id: str | None = None) -> dict[str, Any]:
    response = await client.get(
        PLAN, params={"space_id": space_id} if space_id else {}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _delivered(client: AsyncClient, stripe_event: dict[str, Any], outcome: str) -> None:
    response = await deliver(client, stripe_event)
    assert response.status_code == 200, response.text
    assert response.json() == {"event_id": stripe_event["id"], "outcome": outcome}


async def _subscriptions(connection: AsyncConnection) -> list[tuple[Any, ...]]:
    async with as_owner(connection):
        rows = await connection.execute(
            text(
                "SELECT user_id, space_id, tier, status, stripe_subscription_id "
                "FROM platform.subscriptions ORDER BY created_at"
            )
        )
        return [tuple(row) for row in rows]


def _premium(stripe_subscription: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = json.loads(json.dumps(stripe_subscription))
    changed["items"]["data"][0]["price"]["id"] = PRICE_PREMIUM
    return changed


async def test_a_subscription_created_updated_and_deleted_moves_a_persons_plan(
    client: AsyncClient, billing: AsyncClient, connection: AsyncConnection
) -> None:
    ada = await signup(client)
    await create_home(client, ada, "First")
    refused = await client.post(f"{API}/homes", json={"name": "Second"}, headers=ada.headers)
    assert refused.json()["code"] == "plan_limit_reached"

    paid = subscription(user_id=ada.id, customer="cus_ada")
    await _delivered(billing, event("customer.subscription.created", paid), "applied")
    plan = await _plan(billing, ada)
    assert (plan["tier"], plan["status"], plan["paid_by"], plan["can_create"]) == (
        "basic",
        "active",
        "user",
        True,
    )
    assert plan["limits"]["spaces.home"] == 3
    assert plan["current_period_end"] is not None
    await create_home(client, ada, "Second")  # the basic plan allows three

    upgraded = {**_premium(paid), "cancel_at_period_end": True}
    await _delivered(billing, event("customer.subscription.updated", upgraded), "applied")
    plan = await _plan(billing, ada)
    assert (plan["tier"], plan["cancel_at_period_end"]) == ("premium", True)
    assert plan["limits"]["spaces.home"] == -1

    ended = {**upgraded, "status": "canceled"}
    await _delivered(billing, event("customer.subscription.deleted", ended), "applied")
    plan = await _plan(billing, ada)
    assert (plan["tier"], plan["status"], plan["paid_by"]) == ("free", None, None)
    third = await client.post(f"{API}/homes", json={"name": "Third"}, headers=ada.headers)
    assert (third.status_code, third.json()["code"]) == (403, "plan_limit_reached")
    assert await _subscriptions(connection) == [(ada.id, None, "premium", "canceled", paid["id"])]


async def test_a_spaces_own_subscription_wins_over_its_owners_until_it_ends(
    client: AsyncClient, billing: AsyncClient, inbox: Inbox
) -> None:
    ada, grace = await signup(client, name="Ada"), await signup(client, name="Grace")
    owners = _premium(subscription(user_id=ada.id, customer="cus_ada"))
    await _delivered(billing, event("customer.subscription.created", owners), "applied")
    home = await create_home(client, ada)
    await add_member(client, inbox, ada, home["id"], grace, role="viewer")
    assert (await _plan(billing, grace, home["id"]))["tier"] == "premium"

    own = subscription(user_id=ada.id, space_id=home["id"], customer="cus_ada")
    await _delivered(billing, event("customer.subscription.created", own), "applied")
    for person in (ada, grace):  # every member reads the plan the home is on
        plan = await _plan(billing, person, home["id"])
        assert (plan["tier"], plan["paid_by"], plan["space_id"]) == ("basic", "space", home["id"])
        assert plan["limits"]["home.items"] == 500
    assert (await _plan(billing, ada))["tier"] == "premium"  # Ada's own plan is hers

    ended = {**own, "status": "canceled"}
    await _delivered(billing, event("customer.subscription.deleted", ended), "applied")
    plan = await _plan(billing, grace, home["id"])
    assert (plan["tier"], plan["paid_by"]) == ("premium", "owner")


async def test_a_failed_payment_keeps_everything_readable_and_blocks_creating_until_paid(
    client: AsyncClient, billing: AsyncClient, inbox: Inbox
) -> None:
    ada, grace = await signup(client, name="Ada"), await signup(client, name="Grace")
    paid = subscription(user_id=ada.id, customer="cus_ada")
    await _delivered(billing, event("customer.subscription.created", paid), "applied")
    home = await create_home(client, ada)
    await add_member(client, inbox, ada, home["id"], grace)
    room = await create_room(client, ada, home["id"])
    await create_item(client, ada, room["id"])

    failed = invoice(paid["id"], customer="cus_ada", paid=False)
    await _delivered(billing, event("invoice.payment_failed", failed), "applied")

    plan = await _plan(billing, grace, home["id"])
    assert (plan["tier"], plan["status"], plan["can_create"]) == ("basic", "past_due", False)
    creations = [
        (ada, f"{API}/homes/{home['id']}/rooms", {"name": "Attic"}),
        (grace, f"{API}/homes/{home['id']}/rooms", {"name": "Cellar"}),
        (grace, f"{API}/rooms/{room['id']}/items", {"name": "Kettle"}),
        (ada, f"{API}/homes", {"name": "Cabin"}),
        (ada, f"{API}/spaces", {"kind": "team", "name": "Book club"}),
    ]
    for person, url, body in creations:
        response = await client.post(url, json=body, headers=person.headers)
        assert response.status_code == 403, (url, response.text)
        assert response.json()["code"] == "subscription_past_due"
        assert response.json()["tier"] == "basic"
    for url in (
        f"{API}/homes/{home['id']}",
        f"{API}/homes/{home['id']}/inventory",
        f"{API}/rooms/{room['id']}/items",
    ):
        assert (await client.get(url, headers=grace.headers)).status_code == 200, url
    inventory = await client.get(f"{API}/homes/{home['id']}/inventory", headers=ada.headers)
    assert [r["name"] for r in inventory.json()["rooms"]] == ["Kitchen"]

    await _delivered(billing, event("invoice.paid", invoice(paid["id"], "cus_ada")), "applied")
    assert (await _plan(billing, ada))["can_create"] is True
    await create_room(client, grace, home["id"], "Cellar")


async def test_each_event_is_handled_once_and_a_replayed_delivery_is_refused(
    client: AsyncClient, billing: AsyncClient, connection: AsyncConnection
) -> None:
    ada = await signup(client)
    paid = subscription(user_id=ada.id)
    created = event("customer.subscription.created", paid)
    await _delivered(billing, created, "applied")
    lapsed = event("customer.subscription.updated", {**paid, "status": "past_due"})
    payload = json.dumps(lapsed).encode()
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
    assert (await billing.post(WEBHOOK, content=payload, headers=headers)).status_code == 200
    before = await row_counts(connection)

    # Stripe delivers an event again (it never heard our answer), signed anew: it was
    # handled already, so nothing changes; the older event does not undo the newer one.
    again = await deliver(billing, created, at=int(time.time()) + 1)
    assert again.status_code == 200, again.text
    assert again.json() == {"event_id": created["id"], "outcome": "duplicate"}
    assert (await _plan(billing, ada))["status"] == "past_due"

    # The very same delivery sent again (same signature, same time) is a replay.
    replayed = await billing.post(WEBHOOK, content=payload, headers=headers)
    assert replayed.status_code == 409
    assert replayed.headers["content-type"] == "application/problem+json"
    assert replayed.json()["code"] == "webhook_event_replayed"
    assert await row_counts(connection) == before
    assert await _subscriptions(connection) == [(ada.id, None, "basic", "past_due", paid["id"])]


async def test_a_delivery_not_signed_by_stripe_recently_is_refused_and_stores_nothing(
    client: AsyncClient, billing: AsyncClient, connection: AsyncConnection
) -> None:
    ada = await signup(client)
    stripe_event = event("customer.subscription.created", subscription(user_id=ada.id))
    payload = json.dumps(stripe_event).encode()
    other = json.dumps({**stripe_event, "id": "evt_other"}).encode()
    stale = int(time.time()) - 301  # the tolerance is five minutes
    before = await row_counts(connection)

    for signature in (
        sign(payload, secret="whsec_someone_else"),
        sign(other),  # signed, but for another body
        sign(payload, at=stale),
        sign(payload, at=10**13),  # no time at all
        "t=1758008700",
        "nonsense",
        None,
    ):
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        response = await billing.post(WEBHOOK, content=payload, headers=headers)
        assert response.status_code == 400, (signature, response.text)
        assert response.json()["code"] == "webhook_signature_invalid"
    assert (
        "tolerance"
        in (
            await billing.post(
                WEBHOOK, content=payload, headers={"Stripe-Signature": sign(payload, at=stale)}
            )
        ).json()["detail"]
    )
    assert await row_counts(connection) == before
    assert (await _plan(billing, ada))["tier"] == "free"

    # Signed, yet not a Stripe event: refused too.
    for body in (b"\xff\xfe not text", b"not json", b"[]", b'{"id": "evt_1"}'):
        response = await billing.post(
            WEBHOOK, content=body, headers={"Stripe-Signature": sign(body)}
        )
        assert (response.status_code, response.json()["code"]) == (400, "webhook_payload_invalid")
    assert await row_counts(connection) == before


async def test_events_arriving_out_of_order_leave_the_newest_state(
    client: AsyncClient, billing: AsyncClient
) -> None:
    ada = await signup(client)
    paid = subscription(user_id=ada.id)
    now = int(time.time())
    await _delivered(
        billing, event("customer.subscription.created", paid, created=now - 60), "applied"
    )
    newer = event("customer.subscription.updated", {**paid, "status": "past_due"}, created=now)
    older = event("customer.subscription.updated", paid, created=now - 30)
    await _delivered(billing, newer, "applied")
    await _delivered(billing, older, "ignored")
    late_payment = event("invoice.paid", invoice(paid["id"]), created=now - 10)
    await _delivered(billing, late_payment, "ignored")
    assert (await _plan(billing, ada))["status"] == "past_due"


async def test_a_price_this_server_does_not_sell_is_refused_until_configured(
    client: AsyncClient, billing: AsyncClient, connection: AsyncConnection
) -> None:
    ada = await signup(client)
    before = await row_counts(connection)
    unknown = subscription(user_id=ada.id, price="price_somebody_elses")
    response = await deliver(billing, event("customer.subscription.created", unknown))
    # Refused, so Stripe retries; once the price is configured a retry applies it.
    assert (response.status_code, response.json()["code"]) == (400, "stripe_price_unknown")
    assert response.json()["prices"] == ["price_somebody_elses"]
    assert await row_counts(connection) == before
    # The end of such a subscription changes nothing here, and needs no price.
    ended = event("customer.subscription.deleted", {**unknown, "status": "canceled"})
    await _delivered(billing, ended, "ignored")


async def test_events_about_nobody_here_are_acknowledged_and_ignored(
    client: AsyncClient, billing: AsyncClient, connection: AsyncConnection
) -> None:
    ada = await signup(client)
    strangers = subscription(customer="cus_not_ours")
    await _delivered(billing, event("customer.subscription.created", strangers), "ignored")
    gone_space = subscription(user_id=ada.id, space_id=uuid.uuid4())
    await _delivered(billing, event("customer.subscription.created", gone_space), "ignored")
    await _delivered(billing, event("invoice.paid", invoice("sub_not_ours")), "ignored")
    await _delivered(
        billing, event("charge.succeeded", {"id": "ch_1", "object": "charge"}), "ignored"
    )
    not_yet_paid = subscription(user_id=ada.id, status="incomplete")
    await _delivered(billing, event("customer.subscription.created", not_yet_paid), "ignored")
    assert await _subscriptions(connection) == []
    assert (await _plan(billing, ada))["tier"] == "free"


async def test_a_subscription_made_in_stripe_belongs_to_its_customers_person(
    client: AsyncClient, billing: AsyncClient, stripe: StripeServer
) -> None:
    ada = await signup(client)
    checkout = await billing.post(
        f"{API}/billing/checkout", json={"tier": "basic"}, headers=ada.headers
    )
    assert checkout.status_code == 201
    [customer] = stripe.customers
    made_in_dashboard = _premium(subscription(customer=customer))  # no metadata
    await _delivered(billing, event("customer.subscription.created", made_in_dashboard), "applied")
    plan = await _plan(billing, ada)
    assert (plan["tier"], plan["paid_by"]) == ("premium", "user")


async def test_a_new_subscription_replaces_the_old_and_the_olds_end_changes_nothing(
    client: AsyncClient, billing: AsyncClient, connection: AsyncConnection
) -> None:
    ada = await signup(client)
    first = subscription(user_id=ada.id)
    await _delivered(billing, event("customer.subscription.created", first), "applied")
    second = _premium(subscription(user_id=ada.id))
    await _delivered(billing, event("customer.subscription.created", second), "applied")
    first_ended = event("customer.subscription.deleted", {**first, "status": "canceled"})
    await _delivered(billing, first_ended, "ignored")
    await _delivered(billing, event("invoice.payment_failed", invoice(first["id"])), "ignored")
    assert await _subscriptions(connection) == [(ada.id, None, "premium", "active", second["id"])]
