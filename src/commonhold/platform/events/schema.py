"""The shape every domain event shares, and the registry that reads them back."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from commonhold.platform.db.base import utcnow

# ``app.entity.action``: the routing key on the message broker, too.
EVENT_NAME = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_]*$")
EVENT_TYPES: dict[str, type[DomainEvent]] = {}


class DomainEvent(BaseModel):
    """Something that happened, told to whoever listens. Subclasses set ``name`` and add the
    ids and facts a subscriber needs; subscribers re-fetch anything else."""

    model_config = ConfigDict(frozen=True)

    name: ClassVar[str]
    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: datetime = Field(default_factory=utcnow)
    space_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not EVENT_NAME.match(cls.name):
            raise ValueError(f"event name {cls.name!r} is not app.entity.action")
        if EVENT_TYPES.setdefault(cls.name, cls) is not cls:
            raise ValueError(f"two event types are named {cls.name!r}")


def event_from_row(name: str, payload: dict[str, Any]) -> DomainEvent:
    return EVENT_TYPES[name].model_validate(payload)
