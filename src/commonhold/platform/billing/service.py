"""Billing's rules: who may buy which plan for whom, the portal, and the plan in force.

A person pays through one Stripe customer, created at their first checkout, for their own
plan and for the plans of the spaces they own. What Stripe then reports (webhooks.py) decides
the subscription; nothing here changes one.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.authz import AuthSubject
from commonhold.platform.billing import limits, stripe_api
from commonhold.platform.billing import repository as repo
from commonhold.platform.billing.errors import (
    BillingCustomerNotFound,
    BillingNotConfigured,
    SubscriptionExists,
)
from commonhold.platform.billing.limits import Holder
from commonhold.platform.billing.models import GRANTING_STATUSES
from commonhold.platform.billing.schemas import BillingLink, CheckoutCreate, PlanRead, UsageRead
from commonhold.platform.billing.webhooks import SPACE_KEY, USER_KEY
from commonhold.platform.errors import Unauthorized
from commonhold.platform.spaces.errors import RoleNotAllowed
from commonhold.platform.spaces.service import access_space
from commonhold.settings import Settings


def price_of_tier(settings: Settings, tier: str) -> str:
    price = {"basic": settings.stripe_price_basic, "premium": settings.stripe_price_premium}.get(
        tier
    )
    if price is None:
        raise BillingNotConfigured(f"No Stripe price is set for the {tier} plan")
    return price


async def checkout(
    session: AsyncSession, settings: Settings, subject: AuthSubject, body: CheckoutCreate
) -> BillingLink:
    """A Stripe checkout page subscribing the caller, or a space the caller owns, to a tier.
    Refused while a paid Stripe subscription is in place: plans change in the portal."""
    price = price_of_tier(settings, body.tier)
    metadata = {USER_KEY: str(subject.user_id)}
    if body.space_id is not None:
        access = await access_space(session, subject, body.space_id)
        if access.role != "owner":
            raise RoleNotAllowed("Only the space's owner may buy its plan")
        holder = Holder(space_id=body.space_id)
        metadata[SPACE_KEY] = str(body.space_id)
    else:
        holder = Holder(user_id=subject.user_id)
    current = await repo.subscription_of(session, holder)
    if current and current.stripe_subscription_id and current.status in GRANTING_STATUSES:
        raise SubscriptionExists(
            extra={"tier": current.tier, "status": current.status},
        )
    async with stripe_api.connect(settings) as stripe:
        customer = await _customer(session, stripe, subject.user_id)
        link = await stripe.create_checkout_session(
            customer,
            price,
            {**metadata, "commonhold_tier": body.tier},
            client_reference_id=str(body.space_id or subject.user_id),
            success_url=settings.stripe_success_url or settings.public_url,
            cancel_url=settings.stripe_cancel_url or settings.public_url,
        )
    return BillingLink(id=link.id, url=link.url)


async def _customer(session: AsyncSession, stripe: stripe_api.StripeApi, user_id: uuid.UUID) -> str:
    """The person's Stripe customer, created with their address and name the first time."""
    existing = await repo.customer_of(session, user_id)
    if existing is not None:
        return existing
    person = await repo.user(session, user_id)
    if person is None:  # the account was deleted while its token still runs
        raise Unauthorized()
    created = await stripe.create_customer(user_id, person.email, person.display_name)
    return await repo.add_customer(session, user_id, created)


async def portal(session: AsyncSession, settings: Settings, subject: AuthSubject) -> BillingLink:
    """Stripe's customer portal for the caller: payment methods, invoices, changing or
    canceling the plans they pay for."""
    async with stripe_api.connect(settings) as stripe:
        customer = await repo.customer_of(session, subject.user_id)
        if customer is None:
            raise BillingCustomerNotFound()
        link = await stripe.create_portal_session(
            customer, settings.stripe_portal_return_url or settings.public_url
        )
    return BillingLink(id=link.id, url=link.url)


async def plan(session: AsyncSession, subject: AuthSubject, space_id: uuid.UUID | None) -> PlanRead:
    """The plan in force for the caller, or for a space they belong to, with its limits and
    this period's usage."""
    if space_id is not None:
        await access_space(session, subject, space_id)
        tier = await limits.tier_of_space(session, space_id)
        holder = Holder(space_id=space_id)
    else:
        tier = await limits.tier_of_caller(session)
        holder = Holder(user_id=subject.user_id)
    start = limits.period_start()
    return PlanRead.model_validate(
        {
            "tier": tier.name,
            "status": tier.status,
            "paid_by": tier.paid_by,
            "space_id": space_id,
            "can_create": not tier.past_due,
            "current_period_end": tier.current_period_end,
            "cancel_at_period_end": tier.cancel_at_period_end,
            "limits": await limits.limits_of(session, tier.name),
            "usage": UsageRead(
                period_start=start,
                period_end=limits.period_end(start),
                counters=await limits.usage_in_period(session, holder, start),
            ),
        }
    )
