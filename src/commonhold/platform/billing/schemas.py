"""Bodies of the billing endpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from commonhold.platform import examples
from commonhold.platform.schemas import RequestBody, ResponseBody

TierName = Literal["free", "basic", "premium"]
PaidTier = Literal["basic", "premium"]
Status = Literal["active", "past_due", "canceled", "trialing"]


class CheckoutCreate(RequestBody):
    tier: PaidTier = Field(examples=["basic"])
    space_id: uuid.UUID | None = Field(
        default=None,
        description="Subscribe this space (you must own it) instead of yourself. A space's "
        "own plan applies to it in place of its owner's.",
        examples=[examples.SPACE_ID],
    )


class BillingLink(ResponseBody):
    """A page Stripe hosts: send the person there."""

    id: str = Field(description="Stripe's id of the session.", examples=[examples.CHECKOUT_ID])
    url: str = Field(examples=[examples.CHECKOUT_URL])


class UsageRead(ResponseBody):
    period_start: date = Field(description="Periods are calendar months (UTC).")
    period_end: date = Field(description="The first day of the next period.")
    counters: dict[str, int] = Field(
        description="What was counted this period against per-period limits, by limit key.",
        examples=[{"social.posts_per_month": 12}],
    )


class PlanRead(ResponseBody):
    tier: TierName = Field(examples=["basic"])
    status: Status | None = Field(
        description="Of the subscription paying for the tier; null on the free tier.",
        examples=["active"],
    )
    paid_by: Literal["space", "owner", "user"] | None = Field(
        description="`space`: the space's own subscription; `owner`: its owner's; `user`: "
        "yours; null: nothing is paid.",
        examples=["owner"],
    )
    space_id: uuid.UUID | None = Field(examples=[examples.SPACE_ID])
    can_create: bool = Field(
        description="False while the payment is past due: everything stays readable, and "
        "creating answers `403 subscription_past_due` until it is paid.",
        examples=[True],
    )
    current_period_end: datetime | None = Field(examples=[examples.PERIOD_END])
    cancel_at_period_end: bool = Field(
        description="The subscription ends, back to the free tier, when the period does.",
        examples=[False],
    )
    limits: dict[str, int] = Field(
        description="The tier's limits by key; -1 is unlimited, keys not listed are not limited.",
        examples=[{"home.items": 500, "home.tasks": 200, "spaces.home": 3}],
    )
    usage: UsageRead


class WebhookReceipt(ResponseBody):
    event_id: str = Field(examples=[examples.STRIPE_EVENT_ID])
    outcome: Literal["applied", "ignored", "duplicate"] = Field(
        description="`applied`: a subscription follows it; `ignored`: nothing here depends "
        "on it; `duplicate`: it was handled before, nothing changed.",
        examples=["applied"],
    )
