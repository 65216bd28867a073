"""Domain events: written in the change's transaction, handled once by each subscriber, and
relayed to a real RabbitMQ broker when one is configured."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.session import Database, set_user_context
from commonhold.platform.events import DomainEvent, publish, subscriber
from commonhold.platform.events.tasks import deliver, dispatch, relay
from commonhold.platform.jobs import defer_in_transaction
from commonhold.platform.mail.tasks import send_queued
from commonhold.platform.notify.tasks import deliver as deliver_notification
from tests.broker import listening, next_message
from tests.factories import create_space
from tests.live import LiveWorld

HANDLED: list[uuid.UUID] = []


class ThingHappened(DomainEvent):
    name = "tests.thing.happened"
    detail: str


@subscriber(ThingHappened, "tests.record_thing")
async def record_thing(session: AsyncSession, event: ThingHappened) -> None:
    HANDLED.append(event.event_id)


async def _publish_as(
    live: LiveWorld, user_id: uuid.UUID, event: DomainEvent, commit: bool
) -> None:
    """Publish as the application role on behalf of ``user_id``, as a request would."""
    database = Database.connect(live.urls.app, pool_size=1)
    try:
        async with database.sessionmaker() as session:
            await set_user_context(session, user_id)
            await publish(session, event)
            await (session.commit() if commit else session.rollback())
    finally:
        await database.dispose()


async def _jobs_about(live: LiveWorld, event_id: uuid.UUID) -> list[tuple[object, ...]]:
    return await live.execute(
        "SELECT task_name, status::text FROM procrastinate_jobs "
        "WHERE args->>'event_id' = :event_id ORDER BY id",
        event_id=str(event_id),
    )


async def test_a_committed_event_reaches_its_subscriber_and_a_rolled_back_one_does_not(
    live: LiveWorld,
) -> None:
    user = await live.user()
    space = uuid.UUID((await create_space(live.client, user))["id"])
    kept = ThingHappened(space_id=space, actor_id=user.id, detail="kept")
    dropped = ThingHappened(space_id=space, actor_id=user.id, detail="dropped")

    await _publish_as(live, user.id, dropped, commit=False)
    await _publish_as(live, user.id, kept, commit=True)
    assert await _jobs_about(live, dropped.event_id) == []
    assert await _jobs_about(live, kept.event_id) == [("events.dispatch", "todo")]

    await live.run_jobs()

    assert kept.event_id in HANDLED
    assert dropped.event_id not in HANDLED
    assert await _jobs_about(live, kept.event_id) == [
        ("events.dispatch", "succeeded"),
        ("events.deliver", "succeeded"),
    ]
    stored = await live.execute(
        "SELECT name, payload->>'detail', dispatched_at IS NOT NULL FROM platform.outbox_events "
        "WHERE id = :id",
        id=kept.event_id,
    )
    assert stored == [("tests.thing.happened", "kept", True)]


async def test_an_event_of_a_space_the_publisher_is_not_in_is_refused(live: LiveWorld) -> None:
    owner, stranger = await live.user(), await live.user()
    space = uuid.UUID((await create_space(live.client, owner))["id"])
    event = ThingHappened(space_id=space, actor_id=stranger.id, detail="intrusion")
    with pytest.raises(DBAPIError, match="row-level security"):
        await _publish_as(live, stranger.id, event, commit=True)
    assert await _jobs_about(live, event.event_id) == []


async def test_a_repeated_delivery_runs_the_subscriber_once(live: LiveWorld) -> None:
    user = await live.user()
    space = uuid.UUID((await create_space(live.client, user))["id"])
    event = ThingHappened(space_id=space, actor_id=user.id, detail="once")
    await _publish_as(live, user.id, event, commit=True)
    await live.run_jobs()
    async with live.system.sessionmaker() as session, session.begin():
        # As if the worker died after the subscriber committed but before the job was marked.
        await defer_in_transaction(
            session, deliver, event_id=str(event.event_id), subscriber="tests.record_thing"
        )
        await defer_in_transaction(session, dispatch, event_id=str(event.event_id))
    await live.run_jobs()
    assert HANDLED.count(event.event_id) == 1


async def test_jobs_about_vanished_rows_finish_quietly(live: LiveWorld) -> None:
    missing = str(uuid.uuid4())
    async with live.system.sessionmaker() as session, session.begin():
        await defer_in_transaction(session, dispatch, event_id=missing)
        await defer_in_transaction(
            session, deliver, event_id=missing, subscriber="tests.record_thing"
        )
        await defer_in_transaction(session, deliver, event_id=missing, subscriber="nobody.listens")
        await defer_in_transaction(session, send_queued, email_id=missing)
        await defer_in_transaction(session, deliver_notification, delivery_id=missing)
    await live.run_jobs()
    statuses = await live.execute(
        "SELECT task_name, status::text FROM procrastinate_jobs WHERE :id IN "
        "(args->>'event_id', args->>'email_id', args->>'delivery_id') ORDER BY id",
        id=missing,
    )
    assert statuses == [
        ("events.dispatch", "succeeded"),
        ("events.deliver", "succeeded"),
        ("events.deliver", "succeeded"),
        ("mail.send", "succeeded"),
        ("notify.deliver", "succeeded"),
    ]


async def test_events_are_relayed_to_the_topic_exchange_with_their_id(
    live: LiveWorld, rabbitmq_url: str
) -> None:
    with_broker = dataclasses.replace(
        live, settings=live.settings.model_copy(update={"amqp_url": rabbitmq_url})
    )
    user = await live.user()
    space = uuid.UUID((await create_space(live.client, user))["id"])
    event = ThingHappened(space_id=space, actor_id=user.id, detail="to the broker")
    async with listening(rabbitmq_url, live.settings, "tests.thing.*") as queue:
        await _publish_as(live, user.id, event, commit=True)
        await with_broker.run_jobs()

        message = await next_message(queue)
        assert message.routing_key == "tests.thing.happened"
        assert message.message_id == str(event.event_id)
        assert message.content_type == "application/json"
        body = json.loads(message.body)
        assert body["detail"] == "to the broker"
        assert body["space_id"] == str(space)

        # Relaying again (a retried job) publishes nothing more: relayed_at is set.
        async with live.system.sessionmaker() as session, session.begin():
            await defer_in_transaction(session, relay, event_id=str(event.event_id))
        await with_broker.run_jobs()
        await asyncio.sleep(1)
        assert await queue.get(fail=False) is None
