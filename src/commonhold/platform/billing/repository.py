"""Every SQL statement of billing's subscriptions, Stripe customers and Stripe events."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.billing.limits import Holder
from commonhold.platform.billing.models import BillingCustomer, StripeEvent, Subscription
from commonhold.platform.identity.models import User


async def user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def subscription_of(
    session: AsyncSession, holder: Holder, *, lock: bool = False
) -> Subscription | None:
    """The subscription held by ``holder``; with ``lock``, locked for the rest of the
    transaction (only while applying a Stripe event: the lock needs the right to change it)."""
    column = Subscription.space_id if holder.space_id is not None else Subscription.user_id
    owner_id = holder.space_id if holder.space_id is not None else holder.user_id
    statement = select(Subscription).where(column == owner_id)
    found: Subscription | None = await session.scalar(
        statement.with_for_update() if lock else statement
    )
    return found


async def subscription_by_stripe_id(
    session: AsyncSession, stripe_subscription_id: str
) -> Subscription | None:
    found: Subscription | None = await session.scalar(
        select(Subscription)
        .where(Subscription.stripe_subscription_id == stripe_subscription_id)
        .with_for_update()
    )
    return found


async def lock_holder(session: AsyncSession, holder: Holder) -> None:
    """Serialize changes to one holder's subscription until the transaction ends: two
    events creating it at once would otherwise both insert."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"billing.subscription:{holder.space_id or holder.user_id}"},
    )


async def customer_of(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    found: str | None = await session.scalar(
        select(BillingCustomer.stripe_customer_id).where(BillingCustomer.user_id == user_id)
    )
    return found


async def user_of_customer(session: AsyncSession, stripe_customer_id: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(
        select(BillingCustomer.user_id).where(
            BillingCustomer.stripe_customer_id == stripe_customer_id
        )
    )
    return found


async def add_customer(session: AsyncSession, user_id: uuid.UUID, stripe_customer_id: str) -> str:
    """Record the person's Stripe customer; if another request recorded one first, that one
    stays. Returns the customer now on record."""
    await session.execute(
        insert(BillingCustomer)
        .values(user_id=user_id, stripe_customer_id=stripe_customer_id)
        .on_conflict_do_nothing(index_elements=[BillingCustomer.user_id])
    )
    recorded = await customer_of(session, user_id)
    assert recorded is not None
    return recorded


async def record_event(
    session: AsyncSession, event_id: str, event_type: str, signed_at: datetime
) -> bool:
    """Record a Stripe event as handled by this transaction. False when it already was."""
    inserted = await session.scalar(
        insert(StripeEvent)
        .values(id=event_id, type=event_type, signed_at=signed_at)
        .on_conflict_do_nothing(index_elements=[StripeEvent.id])
        .returning(StripeEvent.id)
    )
    return inserted is not None


async def event_signed_at(session: AsyncSession, event_id: str) -> datetime | None:
    found: datetime | None = await session.scalar(
        select(StripeEvent.signed_at).where(StripeEvent.id == event_id)
    )
    return found


async def applying_event(session: AsyncSession, event_id: str) -> None:
    """Open the subscriptions to this transaction while it applies ``event_id``, which it
    has recorded (the tables' policies check both)."""
    await session.execute(
        text("SELECT set_config('app.stripe_event_id', :event_id, true)"), {"event_id": event_id}
    )
