"""Publishing events to a RabbitMQ topic exchange (seed 001's event bus)."""

from __future__ import annotations

import json

import aio_pika

from commonhold.platform.events.models import OutboxEvent


async def publish_to_exchange(amqp_url: str, exchange_name: str, event: OutboxEvent) -> None:
    """Publish one event, persistent, and wait for the broker's confirmation. The routing
    key is the event's name; ``message_id`` is its id, by which consumers drop repeats."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        message = aio_pika.Message(
            body=_json_body(event),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=str(event.id),
            type=event.name,
            timestamp=event.occurred_at,
        )
        await exchange.publish(message, routing_key=event.name, mandatory=False)


def _json_body(event: OutboxEvent) -> bytes:
    return json.dumps(event.payload, separators=(",", ":")).encode()
