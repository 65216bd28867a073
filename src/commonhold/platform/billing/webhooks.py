"""Stripe's webhook: verify each delivery, handle each event once, keep subscriptions in step.

Handled events: ``customer.subscription.created``, ``.updated`` and ``.deleted`` (the
subscription as Stripe has it now), ``invoice.paid`` (a past-due subscription is active again)
and ``invoice.payment_failed`` (an active one is past due). Other events are acknowledged and
ignored.

- Idempotent by event id: the id is recorded in the transaction that applies the event, so a
  later delivery of the same event (Stripe retries until it gets a 2xx) answers 200
  ``duplicate`` and changes nothing. A delivery that fails stores nothing, and Stripe's retry
  applies it.
- Replays: Stripe signs every delivery anew, with its own timestamp. The very same delivery
  sent again is a replay (``409 webhook_event_replayed``), and one signed longer ago than
  the tolerance is refused with the bad signatures (``400 webhook_signature_invalid``).
- Order: Stripe does not promise it. Each subscription remembers when Stripe created the last
  event applied to it, and an older event arriving late is ignored.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import stripe
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.billing import repository as repo
from commonhold.platform.billing.errors import (
    BillingNotConfigured,
    StripePriceUnknown,
    WebhookEventReplayed,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
)
from commonhold.platform.billing.limits import Holder
from commonhold.platform.billing.models import GRANTING_STATUSES, Subscription
from commonhold.platform.billing.schemas import WebhookReceipt
from commonhold.platform.db.session import set_user_context
from commonhold.settings import Settings

log = structlog.get_logger(__name__)

Outcome = Literal["applied", "ignored"]
SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
INVOICE_EVENTS = ("invoice.paid", "invoice.payment_failed")
# Stripe's subscription statuses as ours. `incomplete` (the first payment is still open) is
# not here: such a subscription grants nothing yet and is left alone until it is paid.
STATUS_FROM_STRIPE = {
    "active": "active",
    "trialing": "trialing",
    "past_due": "past_due",
    "unpaid": "past_due",  # retries exhausted, still not canceled: read, but no creating
    "canceled": "canceled",
    "incomplete_expired": "canceled",
    "paused": "canceled",  # a trial ended without a payment method: nothing is paid
}
USER_KEY = "commonhold_user_id"
SPACE_KEY = "commonhold_space_id"


# What is read of Stripe's objects; everything else in them is ignored.

# Unix seconds, within what a datetime holds.
Timestamp = Annotated[int, Field(ge=0, le=253_402_300_799)]


class _StripeObject(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Price(_StripeObject):
    id: str


class _SubscriptionItem(_StripeObject):
    price: _Price
    # Since API version 2025-03-31 the billing period is the items', not the subscription's.
    current_period_end: Timestamp | None = None


class _SubscriptionItems(_StripeObject):
    data: list[_SubscriptionItem] = Field(default_factory=list)


class StripeSubscription(_StripeObject):
    id: str
    customer: str
    status: str
    cancel_at_period_end: bool = False
    current_period_end: Timestamp | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    items: _SubscriptionItems = Field(default_factory=_SubscriptionItems)

    @property
    def period_end(self) -> datetime | None:
        ends = [item.current_period_end for item in self.items.data if item.current_period_end]
        end = self.current_period_end or max(ends, default=None)
        return datetime.fromtimestamp(end, UTC) if end else None


class _SubscriptionDetails(_StripeObject):
    subscription: str | None = None


class _InvoiceParent(_StripeObject):
    subscription_details: _SubscriptionDetails | None = None


class StripeInvoice(_StripeObject):
    id: str
    # Before API version 2025-03-31 the subscription is named here, since then under parent.
    subscription: str | None = None
    parent: _InvoiceParent | None = None

    @property
    def subscription_id(self) -> str | None:
        details = self.parent.subscription_details if self.parent else None
        return self.subscription or (details.subscription if details else None)


class _EventData(_StripeObject):
    object: dict[str, Any]


class StripeEventBody(_StripeObject):
    id: str = Field(min_length=1, max_length=255)
    type: str = Field(max_length=255)
    created: Timestamp
    data: _EventData

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.created, UTC)


# Receiving


def verify(
    settings: Settings, payload: bytes, signature: str | None
) -> tuple[StripeEventBody, datetime]:
    """The event a delivery carries, and when Stripe signed the delivery, if the
    ``Stripe-Signature`` header proves it came from Stripe recently."""
    secret = settings.stripe_webhook_secret
    if settings.stripe_secret_key is None or secret is None:
        raise BillingNotConfigured(
            "Billing is off: set COMMONHOLD_STRIPE_SECRET_KEY and COMMONHOLD_STRIPE_WEBHOOK_SECRET"
        )
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookPayloadInvalid("The body is not UTF-8 text") from exc
    try:
        stripe.WebhookSignature.verify_header(
            text,
            signature,
            secret.get_secret_value(),
            tolerance=settings.stripe_webhook_tolerance_seconds,
        )
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureInvalid(str(exc.args[0]) if exc.args else None) from exc
    assert signature is not None  # verified above
    try:
        # Read here rather than by the library, whose objects are untyped: what is used is
        # validated, and a signed body that is not an event is refused, never a 500.
        body = StripeEventBody.model_validate_json(text)
    except ValidationError as exc:
        raise WebhookPayloadInvalid(
            "The body is not an event with an id, type, created time and data"
        ) from exc
    return body, _signed_at(signature)


def _signed_at(signature: str) -> datetime:
    """The time in a verified ``Stripe-Signature`` header (its first ``t=``, as verified)."""
    timestamp = next(p[2:] for p in signature.split(",") if p.startswith("t="))
    try:
        return datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise WebhookSignatureInvalid("The signature's time is not a time") from exc


async def receive(
    session: AsyncSession, settings: Settings, payload: bytes, signature: str | None
) -> WebhookReceipt:
    """Handle one delivery of Stripe's webhook, once per event."""
    event, signed_at = verify(settings, payload, signature)
    # Deliveries act for nobody, whatever credentials came along.
    await set_user_context(session, None)
    if not await repo.record_event(session, event.id, event.type, signed_at):
        if await repo.event_signed_at(session, event.id) == signed_at:
            raise WebhookEventReplayed(f"Event {event.id} was received in this very delivery")
        log.info("stripe_event_duplicate", event_id=event.id, event_type=event.type)
        return WebhookReceipt(event_id=event.id, outcome="duplicate")
    await repo.applying_event(session, event.id)
    outcome = await _apply(session, settings, event)
    log.info("stripe_event_handled", event_id=event.id, event_type=event.type, outcome=outcome)
    return WebhookReceipt(event_id=event.id, outcome=outcome)


async def _apply(session: AsyncSession, settings: Settings, event: StripeEventBody) -> Outcome:
    try:
        if event.type in SUBSCRIPTION_EVENTS:
            subscription = StripeSubscription.model_validate(event.data.object)
            deleted = event.type == "customer.subscription.deleted"
            return await _apply_subscription(
                session, settings, subscription, event.created_at, deleted
            )
        if event.type in INVOICE_EVENTS:
            invoice = StripeInvoice.model_validate(event.data.object)
            return await _apply_invoice(
                session, invoice, event.created_at, paid=event.type == "invoice.paid"
            )
    except ValidationError as exc:
        raise WebhookPayloadInvalid(f"The {event.type} event's object is not as expected") from exc
    return "ignored"


# Subscriptions


def tier_of_price(settings: Settings, price_id: str) -> str | None:
    prices = {settings.stripe_price_basic: "basic", settings.stripe_price_premium: "premium"}
    return prices.get(price_id)


async def _apply_subscription(
    session: AsyncSession,
    settings: Settings,
    stripe_subscription: StripeSubscription,
    event_at: datetime,
    deleted: bool,
) -> Outcome:
    status = "canceled" if deleted else STATUS_FROM_STRIPE.get(stripe_subscription.status)
    holder = await _holder_of(session, stripe_subscription)
    if status is None or holder is None:
        return "ignored"
    price_ids = [item.price.id for item in stripe_subscription.items.data]
    tier = next((t for p in price_ids if (t := tier_of_price(settings, p))), None)
    if tier is None and status in GRANTING_STATUSES:
        # Refused, so Stripe delivers it again once the price is configured.
        raise StripePriceUnknown(
            f"None of the prices {price_ids} is COMMONHOLD_STRIPE_PRICE_BASIC or _PREMIUM",
            extra={"prices": price_ids},
        )

    await repo.lock_holder(session, holder)
    row = await repo.subscription_of(session, holder, lock=True)
    same = row is not None and row.stripe_subscription_id == stripe_subscription.id
    if status not in GRANTING_STATUSES and not same:
        return "ignored"  # news of a subscription that no longer pays for this holder
    if same and row is not None and row.stripe_event_at and event_at < row.stripe_event_at:
        return "ignored"  # older than what was applied last
    if row is None:
        row = Subscription(id=uuid.uuid4(), user_id=holder.user_id, space_id=holder.space_id)
    elif not same and row.stripe_subscription_id and row.status in GRANTING_STATUSES:
        log.warning(
            "stripe_subscription_replaced",
            old=row.stripe_subscription_id,
            new=stripe_subscription.id,
        )
    row.tier = tier or row.tier
    row.status = status
    row.current_period_end = stripe_subscription.period_end
    row.cancel_at_period_end = stripe_subscription.cancel_at_period_end
    row.stripe_customer_id = stripe_subscription.customer
    row.stripe_subscription_id = stripe_subscription.id
    row.stripe_price_id = price_ids[0] if price_ids else row.stripe_price_id
    row.stripe_event_at = event_at
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        # The user or space it was bought for is gone (or another holds this subscription).
        log.warning("stripe_subscription_not_stored", subscription=stripe_subscription.id)
        return "ignored"
    return "applied"


async def _holder_of(session: AsyncSession, subscription: StripeSubscription) -> Holder | None:
    """Whom a subscription pays for: the space or person its checkout named, else the person
    whose Stripe customer it is (a subscription made in Stripe's dashboard)."""
    space_id = _uuid(subscription.metadata.get(SPACE_KEY))
    if space_id is not None:
        return Holder(space_id=space_id)
    user_id = _uuid(subscription.metadata.get(USER_KEY))
    if user_id is None:
        user_id = await repo.user_of_customer(session, subscription.customer)
    return Holder(user_id=user_id) if user_id is not None else None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


# Invoices


async def _apply_invoice(
    session: AsyncSession, invoice: StripeInvoice, event_at: datetime, paid: bool
) -> Outcome:
    subscription_id = invoice.subscription_id
    row = (
        await repo.subscription_by_stripe_id(session, subscription_id) if subscription_id else None
    )
    if row is None or (row.stripe_event_at and event_at < row.stripe_event_at):
        return "ignored"
    if paid and row.status == "past_due":
        row.status = "active"
    elif not paid and row.status in ("active", "trialing"):
        row.status = "past_due"
    row.stripe_event_at = event_at
    await session.flush()
    return "applied"
