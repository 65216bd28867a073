"""The one limits service: may this user or space create one more X on its tier?

Callers count their own usage (they know their tables) and ask here whether one more fits.
A space's tier is its own subscription's, or else its owner's: a household member adding an
item spends the plan paying for the home. Limits per period (posts, AI credits a month) are
counted here, in ``platform.usage_counters``.

While the subscription paying for a space (or a person) is past due, what exists stays
readable but nothing new may be created: the payment has to be sorted out first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.billing.models import UNLIMITED, Subscription, TierLimit, UsageCounter
from commonhold.platform.errors import AppError


class PlanLimitReached(AppError):
    status = 403
    code = "plan_limit_reached"
    title = "Your plan's limit is reached"


class SubscriptionPastDue(AppError):
    status = 403
    code = "subscription_past_due"
    title = "The subscription's payment is past due"


class Tier(str):
    """A tier's name ("free", "basic", "premium"), as every limit lookup takes it, that also
    knows the standing of the subscription paying for it."""

    status: str | None  # of the paying subscription; None on the free tier, which nothing pays
    paid_by: str | None  # "space" (its own), "owner" (the space's owner's), "user", or None
    current_period_end: datetime | None
    cancel_at_period_end: bool

    def __new__(
        cls,
        name: str,
        status: str | None = None,
        paid_by: str | None = None,
        current_period_end: datetime | None = None,
        cancel_at_period_end: bool = False,
    ) -> Tier:
        tier = super().__new__(cls, name)
        tier.status = status
        tier.paid_by = paid_by
        tier.current_period_end = current_period_end
        tier.cancel_at_period_end = cancel_at_period_end
        return tier

    @property
    def name(self) -> str:
        return str(self)

    @property
    def past_due(self) -> bool:
        return self.status == "past_due"


FREE = Tier("free")
_PLAN = "tier, status, source, current_period_end, cancel_at_period_end"


def _tier(row: Row[Any] | None) -> Tier:
    if row is None:
        return FREE
    return Tier(
        name=row.tier,
        status=row.status,
        paid_by=row.source,
        current_period_end=row.current_period_end,
        cancel_at_period_end=row.cancel_at_period_end,
    )


async def tier_of_caller(session: AsyncSession) -> Tier:
    """The tier of the user the transaction acts for."""
    row = (
        await session.execute(text(f"SELECT {_PLAN} FROM platform.current_user_plan()"))  # noqa: S608 - constant columns
    ).first()
    return _tier(row)


async def tier_of_space(session: AsyncSession, space_id: uuid.UUID) -> Tier:
    """The tier a space spends (free for anyone who is not a member)."""
    row = (
        await session.execute(
            text(f"SELECT {_PLAN} FROM platform.space_plan(:space_id)"),  # noqa: S608 - constant columns
            {"space_id": space_id},
        )
    ).first()
    return _tier(row)


async def limit_of(session: AsyncSession, tier: str, key: str) -> int:
    value = await session.scalar(
        select(TierLimit.value).where(TierLimit.tier == str(tier), TierLimit.limit_key == key)
    )
    return UNLIMITED if value is None else value


async def limits_of(session: AsyncSession, tier: str) -> dict[str, int]:
    """Every limit of ``tier`` by key; keys not listed are not limited."""
    rows = await session.execute(
        select(TierLimit.limit_key, TierLimit.value)
        .where(TierLimit.tier == str(tier))
        .order_by(TierLimit.limit_key)
    )
    return {key: value for key, value in rows}


def ensure_in_good_standing(tier: str) -> None:
    """Raise ``subscription_past_due`` while the payment of ``tier`` (as ``tier_of_space``
    and ``tier_of_caller`` answer it) is past due: reads go on, creation waits until the
    subscription is paid."""
    if isinstance(tier, Tier) and tier.past_due:
        raise SubscriptionPastDue(
            f"The {tier.name} plan's payment is past due; update the payment method to create "
            "anything new",
            extra={"tier": tier.name, "paid_by": tier.paid_by},
        )


async def ensure_room_for(
    session: AsyncSession, tier: str, key: str, used: int, adding: int = 1
) -> None:
    """Raise ``plan_limit_reached`` unless ``used + adding`` stays within the tier's limit,
    and ``subscription_past_due`` while the tier's payment is past due."""
    ensure_in_good_standing(tier)
    limit = await limit_of(session, tier, key)
    if limit != UNLIMITED and used + adding > limit:
        raise PlanLimitReached(
            f"The {tier} plan allows {limit} for {key}; {used} in use",
            extra={"limit_key": key, "limit": limit, "used": used, "tier": str(tier)},
        )


# Usage per period


@dataclass(frozen=True)
class Holder:
    """Whose usage is counted: a space's or a person's (exactly one)."""

    space_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if (self.space_id is None) == (self.user_id is None):
            raise ValueError("usage belongs to a space or to a user, one of them")


def period_start(moment: datetime | None = None) -> date:
    """The first day of the calendar month (UTC) that ``moment`` falls in: periods are months."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.date().replace(day=1)


def period_end(start: date) -> date:
    """The first day of the next period."""
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


async def ensure_within_period_limit(
    session: AsyncSession,
    tier: str,
    key: str,
    holder: Holder,
    amount: int = 1,
    moment: datetime | None = None,
) -> int:
    """Count ``amount`` more of ``key`` in this period, if it fits the tier's limit, and
    return the period's new total. One statement adds it only when it fits, so concurrent
    requests cannot overshoot together; when it does not fit, nothing is counted and
    ``plan_limit_reached`` is raised."""
    ensure_in_good_standing(tier)
    if amount < 1:
        raise ValueError("amount must be positive")
    limit = await limit_of(session, tier, key)
    start = period_start(moment)
    if limit == UNLIMITED or amount <= limit:
        counters = UsageCounter.__table__
        statement = insert(UsageCounter).values(
            id=uuid.uuid4(),
            space_id=holder.space_id,
            user_id=holder.user_id,
            limit_key=key,
            period_start=start,
            used=amount,
        )
        target = "space_id" if holder.space_id is not None else "user_id"
        upsert = statement.on_conflict_do_update(
            index_elements=[target, "limit_key", "period_start"],
            set_={"used": counters.c.used + amount, "updated_at": func.now()},
            where=(counters.c.used + amount <= limit) if limit != UNLIMITED else None,
        ).returning(counters.c.used)
        total = await session.scalar(upsert)
        if total is not None:
            return int(total)
    used = await usage_of(session, key, holder, start)
    raise PlanLimitReached(
        f"The {tier} plan allows {limit} for {key} a month; {used} used this month",
        extra={
            "limit_key": key,
            "limit": limit,
            "used": used,
            "tier": str(tier),
            "period_start": start.isoformat(),
        },
    )


async def usage_of(session: AsyncSession, key: str, holder: Holder, start: date) -> int:
    used = await session.scalar(
        select(UsageCounter.used).where(
            *_holder_filter(holder),
            UsageCounter.limit_key == key,
            UsageCounter.period_start == start,
        )
    )
    return used or 0


async def usage_in_period(session: AsyncSession, holder: Holder, start: date) -> dict[str, int]:
    """Everything counted for ``holder`` in the period starting ``start``, by key."""
    rows = await session.execute(
        select(UsageCounter.limit_key, UsageCounter.used)
        .where(*_holder_filter(holder), UsageCounter.period_start == start)
        .order_by(UsageCounter.limit_key)
    )
    return {key: used for key, used in rows}


def _holder_filter(holder: Holder) -> tuple[ColumnElement[bool]]:
    if holder.space_id is not None:
        return (UsageCounter.space_id == holder.space_id,)
    return (UsageCounter.user_id == holder.user_id,)


async def set_tier(session: AsyncSession, user_id: uuid.UUID, tier: str) -> None:
    """Put a user on ``tier`` (operators and billing; the application role cannot)."""
    await session.execute(
        insert(Subscription)
        .values(id=uuid.uuid4(), user_id=user_id, tier=tier, status="active")
        .on_conflict_do_update(
            index_elements=[Subscription.user_id],
            set_={"tier": tier, "status": "active", "updated_at": func.now()},
        )
    )
