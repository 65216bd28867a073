"""Bodies of the catch-up endpoint."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from commonhold.platform.schemas import ResponseBody


class ChangeRead(ResponseBody):
    cursor: str = Field(description="This change's position in the log.", examples=["8412.1093"])
    space_id: uuid.UUID
    actor_id: uuid.UUID | None = Field(description="Who made it; null for the system's jobs.")
    entity_type: str = Field(examples=["homes.item"])
    entity_id: uuid.UUID
    action: Literal["created", "updated", "deleted", "restored", "removed"] = Field(
        description="`deleted` and `restored` are soft (the entity can come back); `removed` "
        "is gone for good."
    )
    kind: str = Field(
        description="What happened, for clients to react to: boards changes are named as "
        "`task:created`, `task:moved`, `task:completed`, `comment:added`, `member:added`, ... "
        "(see the README's Boards section); other changes `<entity_type>:<action>`.",
        examples=["task:moved"],
    )
    fields: dict[str, Any] = Field(
        description="created: the whole entity; updated, deleted, restored: the fields that "
        "changed, with their new values; removed: empty.",
        examples=[{"name": "Pantry", "updated_at": "2026-11-23T15:04:05Z"}],
    )
    version: int = Field(description="The entity's version after this change.", examples=[4])
    occurred_at: datetime
    scope_id: uuid.UUID | None = Field(
        description="What within the space the entity belongs to, for entities that have it "
        "(a card, a list, a comment: its board); null otherwise."
    )


class SyncPage(ResponseBody):
    changes: list[ChangeRead]
    next_cursor: str = Field(
        description="Pass as `cursor` next time; keep it when offline.", examples=["8412.1093"]
    )
    has_more: bool = Field(description="True when more changes are ready now: ask again at once.")
