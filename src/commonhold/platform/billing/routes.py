"""Thin HTTP endpoints of billing: checkout and portal links, the plan in force, and
Stripe's webhook."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status

from commonhold.platform import examples
from commonhold.platform.billing import service, webhooks
from commonhold.platform.billing.schemas import (
    BillingLink,
    CheckoutCreate,
    PlanRead,
    WebhookReceipt,
)
from commonhold.platform.deps import CurrentUser, Session, SettingsDep
from commonhold.platform.problems import problem_responses

router = APIRouter(prefix="/api/v1/billing", tags=["billing"])
SIGNED_IN = problem_responses(400, 401, 404, 413, 422, 429, 503)

WEBHOOK_EXAMPLE = {
    "id": examples.STRIPE_EVENT_ID,
    "object": "event",
    "api_version": "2025-09-30.clover",
    "created": 1758008700,
    "type": "customer.subscription.created",
    "livemode": False,
    "data": {
        "object": {
            "id": examples.STRIPE_SUBSCRIPTION_ID,
            "object": "subscription",
            "customer": examples.STRIPE_CUSTOMER_ID,
            "status": "active",
            "cancel_at_period_end": False,
            "metadata": {"commonhold_user_id": examples.ADA_ID, "commonhold_tier": "basic"},
            "items": {
                "object": "list",
                "data": [
                    {
                        "object": "subscription_item",
                        "price": {"id": examples.STRIPE_PRICE_ID, "object": "price"},
                        "current_period_end": 1760600700,
                    }
                ],
            },
        }
    },
}
# The body is verified byte for byte against its signature, then read as an event; its
# whole size is bounded by the server's body limit.
WEBHOOK_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "A Stripe event, exactly as Stripe sent it.",
                "x-max-bytes": 1024 * 1024,
                "required": ["id", "type", "created", "data"],
                "properties": {
                    "id": {"type": "string", "maxLength": 255},
                    "type": {"type": "string", "maxLength": 255},
                    "created": {"type": "integer"},
                    "data": {"type": "object"},
                },
            },
            "example": WEBHOOK_EXAMPLE,
        }
    },
}


@router.post(
    "/checkout",
    status_code=status.HTTP_201_CREATED,
    operation_id="billing_checkout",
    summary="Start a checkout for a paid plan",
    responses=problem_responses(403, 409) | SIGNED_IN,
)
async def create_checkout(
    body: CheckoutCreate, subject: CurrentUser, session: Session, settings: SettingsDep
) -> BillingLink:
    """A Stripe checkout page for the `basic` or `premium` plan, for yourself or for a
    space you own. Once paid, Stripe tells this server (the webhook) and the plan applies.
    `409 subscription_exists`: a paid plan is already in place; change it in the portal.
    `404 billing_not_configured`: this server sells no plans (or not this one); `503
    billing_unavailable`: Stripe could not be reached."""
    return await service.checkout(session, settings, subject, body)


@router.post(
    "/portal",
    status_code=status.HTTP_201_CREATED,
    operation_id="billing_portal",
    summary="Open the billing portal",
    responses={
        status.HTTP_201_CREATED: {
            "content": {
                "application/json": {
                    "example": {"id": examples.PORTAL_ID, "url": examples.PORTAL_URL}
                }
            }
        },
        **SIGNED_IN,
    },
)
async def create_portal(
    subject: CurrentUser, session: Session, settings: SettingsDep
) -> BillingLink:
    """Stripe's customer portal, where you change or cancel the plans you pay for, update
    the card and download invoices. `404 billing_customer_not_found` before your first
    checkout."""
    return await service.portal(session, settings, subject)


@router.get(
    "/subscription",
    operation_id="billing_subscription",
    summary="The plan in force, its limits and usage",
    responses=problem_responses(400, 401, 404, 422, 429),
)
async def get_subscription(
    subject: CurrentUser,
    session: Session,
    space_id: Annotated[
        uuid.UUID | None,
        Query(
            description="A space you belong to: its plan (its own, or else its owner's). "
            "Omitted: your own plan.",
            examples=[examples.SPACE_ID],
        ),
    ] = None,
) -> PlanRead:
    return await service.plan(session, subject, space_id)


@router.post(
    "/stripe/webhook",
    operation_id="billing_stripe_webhook",
    summary="Receive Stripe's events",
    openapi_extra={"requestBody": WEBHOOK_BODY},
    responses=problem_responses(400, 404, 409, 413, 422),
)
async def stripe_webhook(
    request: Request,
    session: Session,
    settings: SettingsDep,
    stripe_signature: Annotated[
        str | None,
        Header(
            alias="Stripe-Signature",
            max_length=2000,
            description="`t=<unix time>,v1=<HMAC-SHA256 of '<t>.<body>' with the webhook's "
            "signing secret>`, as Stripe sends it.",
        ),
    ] = None,
) -> WebhookReceipt:
    """For Stripe only: point a webhook endpoint of your Stripe account here (events
    `customer.subscription.created`, `.updated`, `.deleted`, `invoice.paid`,
    `invoice.payment_failed`) and set its signing secret as `COMMONHOLD_STRIPE_WEBHOOK_SECRET`.
    Each event is handled once: a later delivery of the same event answers `duplicate`.
    `400 webhook_signature_invalid`: the signature is missing, wrong or older than the
    tolerance; `409 webhook_event_replayed`: this very delivery came before."""
    return await webhooks.receive(session, settings, await request.body(), stripe_signature)
