"""In-process subscribers: each handles an event in a job of its own, exactly once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.events.schema import DomainEvent

E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[AsyncSession, E], Awaitable[None]]


@dataclass(frozen=True)
class Subscriber:
    name: str
    event_name: str
    handler: Handler[Any]


_BY_NAME: dict[str, Subscriber] = {}


def subscriber(event_type: type[E], name: str) -> Callable[[Handler[E]], Handler[E]]:
    """Register ``handler`` for ``event_type`` under ``name`` (``app.verb``, stable: receipts
    remember it). The handler gets a session of the system role, in the transaction that
    also records the receipt; it may defer jobs on it."""

    def register(handler: Handler[E]) -> Handler[E]:
        if name in _BY_NAME:
            raise ValueError(f"two subscribers are named {name!r}")
        _BY_NAME[name] = Subscriber(name, event_type.name, handler)
        return handler

    return register


def subscribers_of(event_name: str) -> list[Subscriber]:
    return [each for each in _BY_NAME.values() if each.event_name == event_name]


def subscriber_named(name: str) -> Subscriber | None:
    return _BY_NAME.get(name)
