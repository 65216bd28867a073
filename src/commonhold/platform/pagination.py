"""Keyset (cursor) pagination shared by every list endpoint.

A cursor is the opaque, URL-safe encoding of the sort key of the last row returned; the next
page starts strictly after it, so rows inserted meanwhile never shift or repeat a page.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Row, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from commonhold.platform.errors import AppError

T = TypeVar("T")
MAX_PAGE_SIZE = 100


class InvalidCursor(AppError):
    status = 400
    code = "invalid_cursor"
    title = "The cursor is not valid for this list"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


Cursor = Annotated[
    str | None, Query(max_length=500, description="From a previous page's next_cursor.")
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100).")]


def encode_cursor(values: Sequence[Any]) -> str:
    """The cursor of a sort key's ``values`` (dates, uuids, numbers, text)."""
    plain = [v.isoformat() if isinstance(v, date) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type]) -> list[Any]:
    """The sort key ``encode_cursor`` made, its values of ``types``; ``InvalidCursor`` for
    anything else."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(types):
            raise InvalidCursor()
        if not all(isinstance(value, str) for value in raw):
            raise InvalidCursor()
        return [_parse(value, python_type) for value, python_type in zip(raw, types, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc


def _decode(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    return decode_cursor(cursor, [column.type.python_type for column in columns])


def _parse(value: Any, python_type: type) -> Any:
    if python_type in (datetime, date):
        return python_type.fromisoformat(value)
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    return python_type(value)


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    key: Sequence[InstrumentedAttribute[Any]],
    cursor: str | None,
    limit: int,
    to_item: Callable[[Row[Any]], T],
    newest_first: bool = False,
) -> Page[T]:
    """Run ``statement`` ordered by the unique ``key`` from ``cursor``, one page long.

    Ascending by default; ``newest_first`` walks the key downwards.
    """
    if cursor is not None:
        after = _decode(cursor, key)
        statement = statement.where(
            tuple_(*key) < tuple_(*after) if newest_first else tuple_(*key) > tuple_(*after)
        )
    labels = [f"_cursor_{i}" for i in range(len(key))]
    statement = statement.add_columns(*(c.label(n) for c, n in zip(key, labels, strict=True)))
    order = [column.desc() for column in key] if newest_first else list(key)
    rows = (await session.execute(statement.order_by(*order).limit(limit + 1))).all()
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor([page[-1]._mapping[n] for n in labels]) if more else None
    return Page(items=[to_item(row) for row in page], next_cursor=next_cursor)


def paginate_loaded(
    items: Sequence[T],
    key: Callable[[T], tuple[Any, ...]],
    columns: Sequence[InstrumentedAttribute[Any]],
    cursor: str | None,
    limit: int,
) -> Page[T]:
    """One page of a list loaded whole (a cached one), ascending by the unique ``key`` of
    each item, whose values are those of ``columns``: the same pages and cursors as
    ``paginate`` over those columns."""
    if cursor is not None:
        after = tuple(_decode(cursor, columns))
        items = [item for item in items if key(item) > after]
    page = list(items[:limit])
    next_cursor = encode_cursor(key(page[-1])) if len(items) > limit else None
    return Page(items=page, next_cursor=next_cursor)
