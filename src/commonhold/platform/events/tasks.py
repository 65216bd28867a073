"""The jobs that carry an event from the outbox to its subscribers and the message broker."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from commonhold.platform.db.base import utcnow
from commonhold.platform.events.models import EventReceipt, OutboxEvent
from commonhold.platform.events.relay import publish_to_exchange
from commonhold.platform.events.schema import EVENT_TYPES, event_from_row
from commonhold.platform.events.subscribers import subscriber_named, subscribers_of
from commonhold.platform.jobs import (
    JobContext,
    defer_in_transaction,
    job_app,
    settings_of,
    system_database_of,
)
from commonhold.platform.jobs.reliability import Backoff

log = structlog.get_logger(__name__)


@job_app.task(name="events.dispatch", pass_context=True, retry=Backoff())
async def dispatch(context: JobContext, event_id: str) -> int:
    """Defer one ``events.deliver`` job per subscriber of the event (and its relay to the
    broker when one is configured); returns how many jobs. Runs once per event."""
    settings = settings_of(context)
    async with system_database_of(context).sessionmaker() as session, session.begin():
        event = await session.get(OutboxEvent, uuid.UUID(event_id), with_for_update=True)
        if event is None or event.dispatched_at is not None:
            return 0
        subscribers = subscribers_of(event.name)
        for each in subscribers:
            await defer_in_transaction(session, deliver, event_id=event_id, subscriber=each.name)
        if settings.amqp_url:
            await defer_in_transaction(session, relay, event_id=event_id)
        event.dispatched_at = utcnow()
    return len(subscribers) + (1 if settings.amqp_url else 0)


@job_app.task(name="events.deliver", pass_context=True, retry=Backoff())
async def deliver(context: JobContext, event_id: str, subscriber: str) -> bool:
    """Run one subscriber on one event, unless its receipt says it already did: the receipt
    commits with the subscriber's changes, so a retried or repeated job changes nothing."""
    target = subscriber_named(subscriber)
    if target is None:
        log.error("event_subscriber_unknown", subscriber=subscriber, event_id=event_id)
        return False
    async with system_database_of(context).sessionmaker() as session, session.begin():
        first_time = await session.scalar(
            insert(EventReceipt)
            .values(event_id=uuid.UUID(event_id), subscriber=subscriber)
            .on_conflict_do_nothing()
            .returning(EventReceipt.event_id)
        )
        row = await session.get(OutboxEvent, uuid.UUID(event_id))
        if first_time is None or row is None or row.name not in EVENT_TYPES:
            return False
        await target.handler(session, event_from_row(row.name, row.payload))
    return True


@job_app.task(name="events.relay", pass_context=True, retry=Backoff(max_attempts=10))
async def relay(context: JobContext, event_id: str) -> bool:
    """Publish the event to the broker's topic exchange. At least once: a job that dies after
    the broker confirmed but before ``relayed_at`` commits publishes again, with the same
    message id."""
    settings = settings_of(context)
    if not settings.amqp_url:
        return False
    async with system_database_of(context).sessionmaker() as session, session.begin():
        event = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.id == uuid.UUID(event_id)).with_for_update()
        )
        if event is None or event.relayed_at is not None:
            return False
        await publish_to_exchange(settings.amqp_url, settings.amqp_exchange, event)
        event.relayed_at = utcnow()
    return True
