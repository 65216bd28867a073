"""Publishing: an outbox row and its dispatch job, both in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.events.models import OutboxEvent
from commonhold.platform.events.schema import DomainEvent
from commonhold.platform.events.tasks import dispatch
from commonhold.platform.jobs import defer_in_transaction


async def publish(session: AsyncSession, event: DomainEvent) -> None:
    """Record ``event``; once the transaction commits, its subscribers run and the broker
    receives it. A rolled-back transaction publishes nothing."""
    await session.execute(
        insert(OutboxEvent).values(
            id=event.event_id,
            name=event.name,
            space_id=event.space_id,
            actor_id=event.actor_id,
            payload=event.model_dump(mode="json"),
            occurred_at=event.occurred_at,
        )
    )
    await defer_in_transaction(session, dispatch, event_id=str(event.event_id))
