"""Every SQL statement of the change log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Text,
    Uuid,
    cast,
    func,
    literal,
    select,
    text,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.sync.models import TransactionId, changes, sync_horizon

Position = tuple[int, int]


def _position(position: Position) -> tuple[object, ...]:
    txid, change_id = position
    return (cast(literal(str(txid)), TransactionId()), literal(change_id))


async def final_before(session: AsyncSession) -> int:
    """The oldest transaction that may still be running: every change of an older one is
    committed or gone for good."""
    xmin = await session.scalar(
        select(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text))
    )
    assert xmin is not None
    return int(xmin)


_CHANGE_COLUMNS = (
    cast(changes.c.txid, Text).label("txid"),
    changes.c.id,
    changes.c.space_id,
    changes.c.actor_id,
    changes.c.entity_type,
    changes.c.entity_id,
    changes.c.action,
    changes.c.fields,
    changes.c.version,
    changes.c.occurred_at,
    changes.c.scope_id,
)


async def changes_after(
    session: AsyncSession, after: Position, before_txid: int, limit: int
) -> Sequence[Row[tuple[object, ...]]]:
    """The caller's changes (row-level security) after ``after``, of transactions older than
    ``before_txid``, in log order."""
    statement = (
        select(*_CHANGE_COLUMNS)
        .where(
            tuple_(changes.c.txid, changes.c.id) > tuple_(*_position(after)),
            changes.c.txid < cast(literal(str(before_txid)), TransactionId()),
        )
        .order_by(changes.c.txid, changes.c.id)
        .limit(limit)
    )
    return (await session.execute(statement)).all()


def _transactions(txids: Sequence[int]) -> ColumnElement[Any]:
    return cast(literal([str(txid) for txid in txids], ARRAY(Text)), ARRAY(TransactionId()))


async def changes_of_transactions(
    session: AsyncSession,
    space_id: uuid.UUID,
    txids: Sequence[int],
    scope_id: uuid.UUID | None = None,
) -> Sequence[Row[tuple[object, ...]]]:
    """What transactions ``txids`` logged in a space (in one scope of it, if given), each
    transaction's changes in the order it made them."""
    statement = (
        select(*_CHANGE_COLUMNS)
        .where(changes.c.space_id == space_id, changes.c.txid == func.any(_transactions(txids)))
        .order_by(changes.c.txid, changes.c.id)
    )
    if scope_id is not None:
        statement = statement.where(changes.c.scope_id == scope_id)
    return (await session.execute(statement)).all()


async def private_audiences(
    session: AsyncSession, space_id: uuid.UUID, txids: Sequence[int]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Each private scope transactions ``txids`` changed in a space, with who may hear of it
    now."""
    committed = func.unnest(_transactions(txids)).table_valued("txid").render_derived("committed")
    audience = (
        func.platform.private_audiences(space_id, committed.c.txid)
        .table_valued("scope_id", "user_id")
        .render_derived("audience")
    )
    rows = await session.execute(
        select(type_coerce(audience.c.scope_id, Uuid), type_coerce(audience.c.user_id, Uuid))
        .distinct()
        .select_from(committed)
        .join(audience, true())
    )
    audiences: dict[uuid.UUID, set[uuid.UUID]] = {}
    for scope_id, user_id in rows:
        audiences.setdefault(scope_id, set()).add(user_id)
    return audiences


async def changes_since_version(
    session: AsyncSession, space_id: uuid.UUID, entity_id: uuid.UUID, version: int
) -> Sequence[Row[uuid.UUID | None, dict[str, Any]]]:
    """Who changed which fields of an entity after ``version``, oldest first."""
    statement = (
        select(changes.c.actor_id, changes.c.fields)
        .where(
            changes.c.space_id == space_id,
            changes.c.entity_id == entity_id,
            changes.c.version > version,
        )
        .order_by(changes.c.version)
    )
    return (await session.execute(statement)).all()


async def horizon(session: AsyncSession) -> Position | None:
    row = (
        await session.execute(select(cast(sync_horizon.c.txid, Text), sync_horizon.c.change_id))
    ).first()
    return (int(row[0]), int(row[1])) if row else None


_TRIM = text(
    """
    WITH gone AS (
      DELETE FROM platform.changes WHERE occurred_at < :older_than RETURNING txid, id
    )
    SELECT (SELECT count(*) FROM gone) AS count, newest.txid::text AS txid, newest.id
    FROM gone newest ORDER BY newest.txid DESC, newest.id DESC LIMIT 1
    """
)


async def trim(session: AsyncSession, older_than: datetime) -> int:
    """Delete the changes that happened before ``older_than`` and move the horizon past the
    newest of them; returns how many went."""
    row = (await session.execute(_TRIM, {"older_than": older_than})).mappings().first()
    if row is None:
        return 0
    newest = max((int(row["txid"]), int(row["id"])), await horizon(session) or (0, 0))
    upsert = insert(sync_horizon).values(
        id=1, txid=cast(literal(str(newest[0])), TransactionId()), change_id=newest[1]
    )
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=["id"],
            set_={"txid": upsert.excluded.txid, "change_id": upsert.excluded.change_id},
        )
    )
    return int(row["count"])
