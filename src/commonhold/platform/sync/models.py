"""The change log: one row per change of a synced entity, in commit order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    FetchedValue,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from commonhold.platform.db.base import Base

ACTIONS = ("created", "updated", "deleted", "restored", "removed")
# Mapper arguments of a synced entity: after an UPDATE, read back the version the database
# bumped (RETURNING), rather than leave it stale.
SYNCED: dict[str, Any] = {"eager_defaults": True}


def synced_version() -> Mapped[int]:
    """A synced entity's ``version``: 1 when created, bumped by the database on every update
    (``changelog.track_table``)."""
    return mapped_column(Integer, default=1, server_default="1", server_onupdate=FetchedValue())


class TransactionId(UserDefinedType[int]):
    """PostgreSQL's ``xid8``: the 64-bit id of the transaction that wrote a row."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


changes = Table(
    "changes",
    Base.metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("txid", TransactionId(), nullable=False, server_default=func.pg_current_xact_id()),
    # No foreign key: checking one for every row logged would slow every write down. The
    # log of a space deleted for good goes with the retention.
    Column("space_id", Uuid, nullable=False),
    Column("actor_id", Uuid),
    Column("entity_type", String(50), nullable=False),
    Column("entity_id", Uuid, nullable=False),
    # deleted and restored are soft; removed is gone for good.
    Column("action", String(16), nullable=False),
    # created: the whole entity; updated: the fields that changed, with their new values.
    Column("fields", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # What within the space the entity belongs to (a board), for tables tracked with a scope.
    Column("scope_id", Uuid),
    CheckConstraint(f"action IN ({', '.join(repr(action) for action in ACTIONS)})", name="action"),
    # Catching up reads a member's spaces from a position on.
    Index("ix_changes_space_position", "space_id", "txid", "id"),
    # Rows arrive in time order: a block range index serves the retention at little cost.
    Index("ix_changes_occurred_at", "occurred_at", postgresql_using="brin"),
    schema="platform",
)

# The newest position the retention job has trimmed: a cursor before it cannot catch up.
sync_horizon = Table(
    "sync_horizon",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("txid", TransactionId(), nullable=False),
    Column("change_id", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
    schema="platform",
)

# Scopes seen only by some of their space's members: their members, and the space's owner and
# admins. The log's changes in a private scope reach no one else. Kept when what they scope is
# deleted, so that its history stays as private as it was.
private_scopes = Table(
    "private_scopes",
    Base.metadata,
    Column("scope_id", Uuid, primary_key=True),
    Column(
        "space_id",
        Uuid,
        ForeignKey("platform.spaces.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    schema="platform",
)

scope_members = Table(
    "scope_members",
    Base.metadata,
    Column("scope_id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("platform.users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "space_id",
        Uuid,
        ForeignKey("platform.spaces.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    schema="platform",
)
