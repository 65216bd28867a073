"""The one limits service: may this user or space create one more X on its tier?

Callers count their own usage (they know their tables) and ask here whether one more fits.
A space's tier is its owner's: a household member adding an item spends the owner's plan.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.billing.models import UNLIMITED, Subscription, TierLimit
from commonhold.platform.errors import AppError


class PlanLimitReached(AppError):
    status = 403
    code = "plan_limit_reached"
    title = "Your plan's limit is reached"


async def tier_of_caller(session: AsyncSession) -> str:
    """The tier of the user the transaction acts for."""
    return str(await session.scalar(text("SELECT platform.current_user_tier()")))


async def tier_of_space(session: AsyncSession, space_id: uuid.UUID) -> str:
    tier = await session.scalar(
        text("SELECT platform.space_tier(:space_id)"), {"space_id": space_id}
    )
    return str(tier)


async def limit_of(session: AsyncSession, tier: str, key: str) -> int:
    value = await session.scalar(
        select(TierLimit.value).where(TierLimit.tier == tier, TierLimit.limit_key == key)
    )
    return UNLIMITED if value is None else value


async def ensure_room_for(
    session: AsyncSession, tier: str, key: str, used: int, adding: int = 1
) -> None:
    """Raise ``plan_limit_reached`` unless ``used + adding`` stays within the tier's limit."""
    limit = await limit_of(session, tier, key)
    if limit != UNLIMITED and used + adding > limit:
        raise PlanLimitReached(
            f"The {tier} plan allows {limit} for {key}; {used} in use",
            extra={"limit_key": key, "limit": limit, "used": used, "tier": tier},
        )


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
