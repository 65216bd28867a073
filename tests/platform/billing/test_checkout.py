"""Checkout and portal links, made through the official library against a local server that
speaks Stripe's API; and billing switched off when Stripe is not configured."""

from __future__ import annotations

import socket

from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.app import create_app
from commonhold.platform.db.session import Database
from commonhold.settings import Settings
from tests.apps.homes.factories import add_member
from tests.conftest import row_counts
from tests.factories import create_space, signup
from tests.mail import Inbox
from tests.platform.billing.factories import (
    PRICE_BASIC,
    PRICE_PREMIUM,
    SECRET_KEY,
    deliver,
    event,
    subscription,
)
from tests.platform.billing.stripe_server import StripeServer

CHECKOUT = "/api/v1/billing/checkout"
PORTAL = "/api/v1/billing/portal"


async def test_a_checkout_for_yourself_sells_the_tiers_price_to_your_stripe_customer(
    client: AsyncClient, billing: AsyncClient, stripe: StripeServer
) -> None:
    ada = await signup(client, name="Ada Lovelace")

    response = await billing.post(CHECKOUT, json={"tier": "basic"}, headers=ada.headers)

    assert response.status_code == 201, response.text
    link = response.json()
    assert link["url"] == f"https://checkout.stripe.com/c/pay/{link['id']}"
    [customer] = stripe.customers.values()
    assert (customer["email"], customer["name"]) == (ada.email, "Ada Lovelace")
    assert customer["metadata"] == {"commonhold_user_id": str(ada.id)}
    sent = stripe.checkout_sessions[link["id"]]["sent"]
    assert sent["mode"] == "subscription"
    assert sent["customer"] == customer["id"]
    assert sent["line_items"] == [{"price": PRICE_BASIC, "quantity": "1"}]
    assert sent["success_url"] == "https://app.example.com/billing/done"
    assert sent["cancel_url"] == "https://app.example.com/billing"
    # The subscription it creates names whom it pays for: the webhook reads it back.
    expected = {"commonhold_user_id": str(ada.id), "commonhold_tier": "basic"}
    assert sent["subscription_data"]["metadata"] == expected
    # As the library sends every call: the secret key as Bearer, a pinned API version, a
    # form-encoded body and an idempotency key.
    request = stripe.received("/v1/checkout/sessions")[0]
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["stripe-version"]
    assert request.headers["idempotency-key"]

    # Trying again (the first page was closed) reuses the customer.
    again = await billing.post(CHECKOUT, json={"tier": "premium"}, headers=ada.headers)
    assert again.status_code == 201, again.text
    assert len(stripe.customers) == 1
    sent = stripe.checkout_sessions[again.json()["id"]]["sent"]
    assert (sent["customer"], sent["line_items"][0]["price"]) == (customer["id"], PRICE_PREMIUM)


async def test_only_the_owner_buys_a_spaces_plan(
    client: AsyncClient, billing: AsyncClient, stripe: StripeServer, inbox: Inbox
) -> None:
    ada, grace, bob = [await signup(client, name=name) for name in ("Ada", "Grace", "Bob")]
    space = await create_space(client, ada, kind="team")
    await add_member(client, inbox, ada, space["id"], grace)

    bought = await billing.post(
        CHECKOUT, json={"tier": "premium", "space_id": space["id"]}, headers=ada.headers
    )
    assert bought.status_code == 201, bought.text
    metadata = stripe.checkout_sessions[bought.json()["id"]]["sent"]["subscription_data"]
    assert metadata["metadata"]["commonhold_space_id"] == space["id"]
    assert metadata["metadata"]["commonhold_user_id"] == str(ada.id)

    by_member = await billing.post(
        CHECKOUT, json={"tier": "premium", "space_id": space["id"]}, headers=grace.headers
    )
    assert (by_member.status_code, by_member.json()["code"]) == (403, "role_not_allowed")
    by_stranger = await billing.post(
        CHECKOUT, json={"tier": "premium", "space_id": space["id"]}, headers=bob.headers
    )
    assert (by_stranger.status_code, by_stranger.json()["code"]) == (404, "space_not_found")
    assert len(stripe.checkout_sessions) == 1


async def test_a_paid_subscription_in_place_is_changed_in_the_portal_not_bought_again(
    client: AsyncClient, billing: AsyncClient, stripe: StripeServer
) -> None:
    ada = await signup(client)
    started = await billing.post(CHECKOUT, json={"tier": "basic"}, headers=ada.headers)
    assert started.status_code == 201
    [customer] = stripe.customers
    paid = subscription(customer=customer, user_id=ada.id)
    assert (await deliver(billing, event("customer.subscription.created", paid))).status_code == 200

    again = await billing.post(CHECKOUT, json={"tier": "premium"}, headers=ada.headers)
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["tier"]) == ("subscription_exists", "basic")

    portal = await billing.post(PORTAL, headers=ada.headers)
    assert portal.status_code == 201, portal.text
    session = stripe.portal_sessions[portal.json()["id"]]
    assert portal.json()["url"] == session["url"]
    assert (session["customer"], session["return_url"]) == (
        customer,
        "https://app.example.com/settings",
    )

    # Once it is canceled, a new plan may be bought.
    ended = event("customer.subscription.deleted", {**paid, "status": "canceled"})
    assert (await deliver(billing, ended)).status_code == 200
    assert (
        await billing.post(CHECKOUT, json={"tier": "premium"}, headers=ada.headers)
    ).status_code == 201


async def test_the_portal_needs_a_first_checkout(
    client: AsyncClient, billing: AsyncClient, stripe: StripeServer
) -> None:
    ada = await signup(client)
    response = await billing.post(PORTAL, headers=ada.headers)
    assert (response.status_code, response.json()["code"]) == (404, "billing_customer_not_found")
    assert stripe.requests == []


async def test_without_stripe_configured_billing_says_so_and_stores_nothing(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    ada = await signup(client)
    before = await row_counts(connection)

    for response in (
        await client.post(CHECKOUT, json={"tier": "basic"}, headers=ada.headers),
        await client.post(PORTAL, headers=ada.headers),
        await deliver(client, event("customer.subscription.created", subscription(user_id=ada.id))),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "billing_not_configured"
    assert await row_counts(connection) == before
    # The plan in force is still there to read: the free tier.
    plan = await client.get("/api/v1/billing/subscription", headers=ada.headers)
    assert plan.status_code == 200
    assert (plan.json()["tier"], plan.json()["status"]) == ("free", None)


async def test_a_tier_without_a_price_cannot_be_bought(
    client: AsyncClient, billing_settings: Settings, database: Database, stripe: StripeServer
) -> None:
    ada = await signup(client)
    settings = billing_settings.model_copy(update={"stripe_price_premium": None})
    async with _client(settings, database) as billing:
        response = await billing.post(CHECKOUT, json={"tier": "premium"}, headers=ada.headers)
        assert (response.status_code, response.json()["code"]) == (404, "billing_not_configured")
        assert "premium" in response.json()["detail"]
        assert (
            await billing.post(CHECKOUT, json={"tier": "basic"}, headers=ada.headers)
        ).status_code == 201


async def test_stripe_refusing_or_unreachable_is_billing_unavailable(
    client: AsyncClient, billing_settings: Settings, database: Database, stripe: StripeServer
) -> None:
    ada = await signup(client)
    wrong_key = billing_settings.model_copy(
        update={"stripe_secret_key": SecretStr("sk_test_not_the_right_one")}
    )
    async with _client(wrong_key, database) as billing:
        response = await billing.post(CHECKOUT, json={"tier": "basic"}, headers=ada.headers)
        assert (response.status_code, response.json()["code"]) == (503, "billing_unavailable")
    assert stripe.customers == {}

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    unreachable = billing_settings.model_copy(update={"stripe_api_base": closed})
    async with _client(unreachable, database) as billing:
        response = await billing.post(CHECKOUT, json={"tier": "basic"}, headers=ada.headers)
        assert (response.status_code, response.json()["code"]) == (503, "billing_unavailable")


def _client(settings: Settings, database: Database) -> AsyncClient:
    app = create_app(settings=settings, database=database)
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://test")


async def test_a_customer_made_before_stripe_refused_the_checkout_is_kept_for_the_retry(
    client: AsyncClient,
    billing_settings: Settings,
    database: Database,
    stripe: StripeServer,
) -> None:
    ada = await signup(client)
    unsold = billing_settings.model_copy(update={"stripe_price_premium": "price_not_in_stripe"})
    async with _client(unsold, database) as billing:
        refused = await billing.post(CHECKOUT, json={"tier": "premium"}, headers=ada.headers)
        assert (refused.status_code, refused.json()["code"]) == (503, "billing_unavailable")
        assert len(stripe.customers) == 1
        retried = await billing.post(CHECKOUT, json={"tier": "basic"}, headers=ada.headers)
        assert retried.status_code == 201, retried.text
    assert len(stripe.customers) == 1
    assert len(stripe.received("/v1/customers")) == 1
