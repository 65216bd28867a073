"""Listening to the RabbitMQ topic exchange the event relay publishes to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika

from commonhold.settings import Settings


@asynccontextmanager
async def listening(
    rabbitmq_url: str, settings: Settings, routing_key: str
) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A fresh queue bound to the exchange for ``routing_key`` (``tests.thing.*``)."""
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            settings.amqp_exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key=routing_key)
        yield queue


async def next_message(queue: aio_pika.abc.AbstractQueue) -> aio_pika.abc.AbstractIncomingMessage:
    """The queue's next message, waiting a little: the broker confirms a publication to the
    publisher a moment before the message shows in another connection's queue."""
    for _ in range(100):
        message = await queue.get(fail=False, no_ack=True)
        if message is not None:
            return message
        await asyncio.sleep(0.05)
    raise AssertionError("no message arrived")
