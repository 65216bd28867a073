"""Stripe events as Stripe sends them, signed as Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import uuid
from typing import Any

from httpx import AsyncClient, Response

SECRET_KEY = "sk_test_commonhold_local_0123456789"
WEBHOOK_SECRET = "whsec_commonhold_local_secret_0123456789"
PRICE_BASIC = "price_basic_monthly"
PRICE_PREMIUM = "price_premium_monthly"
WEBHOOK = "/api/v1/billing/stripe/webhook"
# Stripe's event times are seconds; tests that care about order pass their own.
_clock = itertools.count(int(time.time()) - 3600)


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The ``Stripe-Signature`` header: ``t=<time>,v1=<HMAC-SHA256 of "<t>.<body>">``."""
    timestamp = int(time.time()) if at is None else at
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


async def deliver(
    client: AsyncClient,
    event: dict[str, Any],
    secret: str = WEBHOOK_SECRET,
    at: int | None = None,
) -> Response:
    """One delivery of ``event`` to the webhook, as Stripe makes it."""
    payload = json.dumps(event, indent=2).encode()  # Stripe's bodies are pretty-printed
    return await client.post(
        WEBHOOK,
        content=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, secret, at)},
    )


def event(
    event_type: str, data_object: dict[str, Any], created: int | None = None
) -> dict[str, Any]:
    return {
        "id": f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": next(_clock) if created is None else created,
        "data": {"object": data_object},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def subscription(
    *,
    subscription_id: str | None = None,
    customer: str = "cus_test_unknown",
    status: str = "active",
    price: str = PRICE_BASIC,
    user_id: uuid.UUID | None = None,
    space_id: uuid.UUID | str | None = None,
    cancel_at_period_end: bool = False,
    period_end: int | None = None,
) -> dict[str, Any]:
    """A subscription object as the events ``customer.subscription.*`` carry it (API version
    2025-03-31 and later: the billing period is on the items)."""
    metadata: dict[str, str] = {}
    if user_id is not None:
        metadata["commonhold_user_id"] = str(user_id)
    if space_id is not None:
        metadata["commonhold_space_id"] = str(space_id)
    end = period_end or int(time.time()) + 30 * 86400
    return {
        "id": subscription_id or f"sub_{secrets.token_hex(12)}",
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "metadata": metadata,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{secrets.token_hex(8)}",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price", "recurring": {"interval": "month"}},
                    "quantity": 1,
                    "current_period_start": end - 30 * 86400,
                    "current_period_end": end,
                }
            ],
            "has_more": False,
        },
    }


def invoice(
    subscription_id: str, customer: str = "cus_test_unknown", paid: bool = True
) -> dict[str, Any]:
    """An invoice of a subscription, as ``invoice.*`` events carry it (API 2025-03-31 on)."""
    return {
        "id": f"in_{secrets.token_hex(12)}",
        "object": "invoice",
        "customer": customer,
        "status": "paid" if paid else "open",
        "billing_reason": "subscription_cycle",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription_id, "metadata": {}},
        },
    }
