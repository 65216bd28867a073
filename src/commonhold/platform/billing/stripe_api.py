"""The calls Commonhold makes to Stripe's API, through the official library.

Requests go to ``COMMONHOLD_STRIPE_API_BASE`` (Stripe's own by default). Anything Stripe
refuses, or a network that does not carry the call, becomes ``503 billing_unavailable``; the
details go to the log, not to the person asking.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import stripe
import structlog
from stripe.params import CustomerCreateParams
from stripe.params.billing_portal import SessionCreateParams as PortalSessionCreateParams
from stripe.params.checkout import SessionCreateParams as CheckoutSessionCreateParams

from commonhold.platform.billing.errors import BillingNotConfigured, BillingUnavailable
from commonhold.settings import Settings

log = structlog.get_logger(__name__)

# Failed calls are retried by the library (with the same idempotency key) before giving up.
MAX_NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class StripeLink:
    """A session Stripe hosts, and the address to send the person to."""

    id: str
    url: str


class StripeApi:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    async def create_customer(self, user_id: uuid.UUID, email: str, name: str) -> str:
        """A new Stripe customer for this person; its id."""
        params: CustomerCreateParams = {
            "email": email,
            "name": name,
            "metadata": {"commonhold_user_id": str(user_id)},
        }
        # Two checkouts started at once by the same person make one customer, not two.
        fingerprint = hashlib.sha256(f"{email}\n{name}".encode()).hexdigest()[:16]
        try:
            customer = await self._client.v1.customers.create_async(
                params, {"idempotency_key": f"commonhold-customer-{user_id}-{fingerprint}"}
            )
        except stripe.StripeError as error:
            raise _unavailable("customers.create", error) from error
        return customer.id

    async def create_checkout_session(
        self,
        customer_id: str,
        price_id: str,
        metadata: dict[str, str],
        client_reference_id: str,
        success_url: str,
        cancel_url: str,
    ) -> StripeLink:
        """A hosted checkout page that subscribes ``customer_id`` to ``price_id``. The
        subscription it creates carries ``metadata``, which its events bring back."""
        params: CheckoutSessionCreateParams = {
            "mode": "subscription",
            "customer": customer_id,
            "line_items": [{"price": price_id, "quantity": 1}],
            "client_reference_id": client_reference_id,
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        try:
            session = await self._client.v1.checkout.sessions.create_async(params)
        except stripe.StripeError as error:
            raise _unavailable("checkout.sessions.create", error) from error
        if not session.url:
            raise BillingUnavailable("Stripe answered a checkout session without an address")
        return StripeLink(session.id, session.url)

    async def create_portal_session(self, customer_id: str, return_url: str) -> StripeLink:
        """Stripe's customer portal for ``customer_id``: payment methods, invoices, plan
        changes and cancellation."""
        params: PortalSessionCreateParams = {"customer": customer_id, "return_url": return_url}
        try:
            session = await self._client.v1.billing_portal.sessions.create_async(params)
        except stripe.StripeError as error:
            raise _unavailable("billing_portal.sessions.create", error) from error
        return StripeLink(session.id, session.url)


def _unavailable(call: str, error: stripe.StripeError) -> BillingUnavailable:
    log.warning(
        "stripe_call_failed",
        call=call,
        error=type(error).__name__,
        http_status=error.http_status,
        stripe_code=error.code,
        message=error.user_message or str(error),
    )
    return BillingUnavailable()


@asynccontextmanager
async def connect(settings: Settings) -> AsyncIterator[StripeApi]:
    """Stripe's API with this server's secret key, for the block's duration."""
    if settings.stripe_secret_key is None:
        raise BillingNotConfigured(
            "Billing is off: set COMMONHOLD_STRIPE_SECRET_KEY to sell plans through Stripe"
        )
    http_client = stripe.HTTPXClient(timeout=TIMEOUT_SECONDS)
    client = stripe.StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base.rstrip("/")},
        http_client=http_client,
        max_network_retries=MAX_NETWORK_RETRIES,
    )
    try:
        yield StripeApi(client)
    finally:
        await http_client.close_async()  # type: ignore[no-untyped-call]
