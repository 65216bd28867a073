"""Concurrent edits: a write based on an older version merges with what changed since.

An update names the version it was based on (``base_version``). Fields changed since by
others and not touched by this write stay as they are (the update only sets its own fields);
a field both changed is last-write-wins, and each person whose value is overwritten hears of
it with a ``sync:merged`` notice once the write commits. Without a base version, a write is
simply last-write-wins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Header
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.errors import AppError, Conflict
from commonhold.platform.identity.models import User
from commonhold.platform.sync import repository as repo

_NOTICES_KEY = "sync_merged_notices"


class InvalidIfMatch(AppError):
    code = "invalid_if_match"
    title = 'If-Match must be an entity tag from this API, such as "3"'


def if_match_version(
    if_match: Annotated[
        str | None,
        Header(
            max_length=40,
            description='The `ETag` of the version this change was made on, e.g. `"3"` (the '
            "same as `base_version` in the body).",
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    tag = if_match.removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidIfMatch()
    return int(tag)


IfMatch = Annotated[int | None, Depends(if_match_version)]


def etag(version: int) -> str:
    return f'"{version}"'


class VersionAhead(Conflict):
    code = "version_ahead"
    title = "base_version is newer than the entity: reload it"


@dataclass
class MergeNotice:
    """Told to ``user_id``: their values of ``fields`` were overwritten by ``by``."""

    user_id: uuid.UUID
    entity_type: str
    entity_id: uuid.UUID
    by: uuid.UUID
    by_name: str
    version: int
    fields: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "entity_type": self.entity_type,
            "entity_id": str(self.entity_id),
            "version": self.version,
            "fields": self.fields,
            "by": {"user_id": str(self.by), "display_name": self.by_name},
        }


async def note_overwrites(
    session: AsyncSession,
    actor_id: uuid.UUID,
    entity_type: str,
    space_id: uuid.UUID,
    entity_id: uuid.UUID,
    current_version: int,
    base_version: int | None,
    written: dict[str, Any],
) -> list[str]:
    """Before a write of ``written`` (column -> new value) based on ``base_version``: find
    the fields it overwrites that others changed since, and queue a notice to each of them.
    Returns the overwritten fields."""
    if base_version is None or base_version == current_version:
        return []
    if base_version > current_version:
        raise VersionAhead()
    overwritten: dict[uuid.UUID, dict[str, Any]] = {}
    for author, fields in await repo.changes_since_version(
        session, space_id, entity_id, base_version
    ):
        if author is None or author == actor_id:
            continue
        for name, value in fields.items():
            if name in written and written[name] != value:
                overwritten.setdefault(author, {})[name] = written[name]
    if not overwritten:
        return []
    actor = await session.get(User, actor_id)
    name = actor.display_name if actor else "Someone"
    notices = session.info.setdefault(_NOTICES_KEY, [])
    for author, fields in overwritten.items():
        notices.append(
            MergeNotice(author, entity_type, entity_id, actor_id, name, current_version + 1, fields)
        )
    return sorted({name for fields in overwritten.values() for name in fields})


def pop_notices(session: AsyncSession) -> list[MergeNotice]:
    """The notices a committed transaction queued (the request sends them)."""
    notices: list[MergeNotice] = session.info.pop(_NOTICES_KEY, [])
    return notices
