"""Catching up: the changes of the caller's spaces since a position in the log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.errors import AppError
from commonhold.platform.pagination import InvalidCursor
from commonhold.platform.sync import repository as repo
from commonhold.platform.sync.kinds import kind_of
from commonhold.platform.sync.schemas import ChangeRead, SyncPage


class ResyncRequired(AppError):
    status = 410
    code = "resync_required"
    title = "The cursor is older than the change log keeps: load everything again"


def parse_cursor(cursor: str) -> repo.Position:
    txid, _, change_id = cursor.partition(".")
    if not (txid.isdigit() and change_id.isdigit()) or len(cursor) > 41:
        raise InvalidCursor()
    return int(txid), int(change_id)


def format_cursor(position: repo.Position) -> str:
    return f"{position[0]}.{position[1]}"


def change_read(row: Row[tuple[object, ...]]) -> ChangeRead:
    values: dict[str, Any] = dict(row._mapping)
    values["cursor"] = format_cursor((int(values.pop("txid")), int(values.pop("id"))))
    values["kind"] = kind_of(values["entity_type"], values["action"], values["fields"])
    return ChangeRead.model_validate(values)


async def catch_up(session: AsyncSession, cursor: str | None, limit: int) -> SyncPage:
    """Without a cursor: no changes, and the position to start from (take it before loading
    everything, and no change between will be missed). With one: the changes after it."""
    final_before = await repo.final_before(session)
    if cursor is None:
        return SyncPage(changes=[], next_cursor=format_cursor((final_before, 0)), has_more=False)
    after = parse_cursor(cursor)
    horizon = await repo.horizon(session)
    if horizon is not None and after < horizon:
        raise ResyncRequired()
    rows = await repo.changes_after(session, after, final_before, limit + 1)
    page, has_more = rows[:limit], len(rows) > limit
    found = [change_read(row) for row in page]
    # Nothing newer: everything before the oldest running transaction has been seen.
    resume = found[-1].cursor if found else format_cursor(max(after, (final_before, 0)))
    return SyncPage(changes=found, next_cursor=resume, has_more=has_more)
