"""The activity of a board: written by the services for every change they make, kept for
``boards_activity_retention_days``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.models import Activity, Board
from commonhold.platform.authz import AuthSubject


def record(
    session: AsyncSession,
    subject: AuthSubject,
    board: Board,
    action: str,
    card_id: uuid.UUID | None = None,
    **data: Any,
) -> None:
    """Note that ``subject`` did ``action`` (``card.moved``) on ``board``; ``data`` says what
    changed, as JSON values. Written with the change, in its transaction."""
    session.add(
        Activity(
            space_id=board.space_id,
            board_id=board.id,
            card_id=card_id,
            actor_id=subject.user_id,
            action=action,
            data={key: _json(value) for key, value in data.items()},
        )
    )


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


TRIM_BATCH = 10_000


async def trim(session: AsyncSession, older_than: datetime) -> int:
    """Delete a batch (at most ``TRIM_BATCH`` rows) of the activity that happened before
    ``older_than``; how many went. Batches keep each transaction short, however much expired."""
    expired = (
        select(Activity.id, Activity.created_at)
        .where(Activity.created_at < older_than)
        .limit(TRIM_BATCH)
    )
    result = await session.execute(
        delete(Activity).where(tuple_(Activity.id, Activity.created_at).in_(expired))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
