"""Typed domain events, written to an outbox in the transaction of their change; subscribers
run as jobs, and a relay publishes them to RabbitMQ when one is configured."""

from commonhold.platform.events.outbox import publish
from commonhold.platform.events.schema import DomainEvent
from commonhold.platform.events.subscribers import subscriber

__all__ = ["DomainEvent", "publish", "subscriber"]
