"""The boards schema: boards and their members, lists, cards, labels, checklists, comments and
the activity of each board.

A workspace is a platform space of kind ``workspace``. Every table carries ``space_id`` (the
workspace) so row-level security needs no joins; board-scoped rows carry ``board_id`` too, so
the board view reads each kind of row with one indexed query.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.db.base import Base, created_at_column, updated_at_column, uuid_pk
from commonhold.platform.recurrence import Frequency, Mode
from commonhold.platform.sync.models import SYNCED, synced_version

SCHEMA = "boards"
WORKSPACE = "workspace"
VISIBILITIES = ("workspace", "private")
BOARD_ROLES = ("admin", "member", "observer")
FREQUENCIES = tuple(frequency.value for frequency in Frequency)
MODES = tuple(mode.value for mode in Mode)
# Order keys (``ordering``) compare byte by byte, whatever the database's locale.
POSITION_COLLATION = "C"
# Search: a card's title first, then its description; a comment's body weighs as a description.
CARD_SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')"
)
COMMENT_SEARCH_VECTOR = "setweight(to_tsvector('english'::regconfig, body), 'B')"


def _space_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("platform.spaces.id", ondelete="CASCADE"))


def _board_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("boards.boards.id", ondelete="CASCADE"))


def _position() -> Mapped[str]:
    return mapped_column(String(64, collation=POSITION_COLLATION))


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Board(Base):
    __tablename__ = "boards"
    __mapper_args__ = SYNCED
    __table_args__ = (
        CheckConstraint(_one_of("visibility", VISIBILITIES), name="visibility"),
        Index("ix_boards_space_id", "space_id", "created_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    background_color: Mapped[str | None] = mapped_column(String(7))
    visibility: Mapped[str] = mapped_column(String(16), default="workspace")
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("platform.users.id"))
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class BoardMember(Base):
    """Someone named on a board with a board role. Private boards show only to them (and to
    the workspace's owner and admins); workspace boards to every workspace member."""

    __tablename__ = "board_members"
    __mapper_args__ = SYNCED
    __table_args__ = (
        CheckConstraint(_one_of("role", BOARD_ROLES), name="role"),
        UniqueConstraint("board_id", "user_id", name="uq_board_members_board_user"),
        Index("ix_board_members_user_id", "user_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("platform.users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()


class BoardList(Base):
    __tablename__ = "lists"
    __mapper_args__ = SYNCED
    __table_args__ = (
        # Deferred: a rebalance rewrites every key of a board in one statement.
        UniqueConstraint(
            "board_id",
            "position",
            name="uq_lists_board_position",
            deferrable=True,
            initially="DEFERRED",
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = _position()
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Card(Base):
    """A card. Its labels and assignees are id arrays on the card itself, so adding one is a
    change of the card that every open board hears as such.

    A recurring card comes back when completed: its due date moves to the rule's next
    occurrence (``platform.recurrence``), reckoned in ``recurrence_timezone`` from the anchor
    ``recurrence_starts_on``, so a card due at 09:00 stays due at 09:00 local time."""

    __tablename__ = "cards"
    __mapper_args__ = SYNCED
    __table_args__ = (
        CheckConstraint(_one_of("recurrence", FREQUENCIES), name="recurrence"),
        CheckConstraint(_one_of("recurrence_mode", MODES), name="recurrence_mode"),
        CheckConstraint("recurrence_interval >= 1", name="recurrence_interval"),
        CheckConstraint(
            "recurrence = 'none' OR (due_at IS NOT NULL AND recurrence_starts_on IS NOT NULL "
            "AND recurrence_timezone IS NOT NULL)",
            name="recurrence_anchored",
        ),
        UniqueConstraint(
            "list_id",
            "position",
            name="uq_cards_list_position",
            deferrable=True,
            initially="DEFERRED",
        ),
        Index("ix_cards_board_id", "board_id"),
        Index("ix_cards_assignee_ids", "assignee_ids", postgresql_using="gin"),
        # btree_gin: one workspace's matches straight from the index.
        Index("ix_cards_search", "space_id", "search_vector", postgresql_using="gin"),
        # The hourly due-soon job reads only the cards still open.
        Index(
            "ix_cards_open_due_at",
            "due_at",
            postgresql_where=text("NOT archived AND completed_at IS NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("boards.lists.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    position: Mapped[str] = _position()
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    label_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(Uuid), default=list, server_default="{}"
    )
    assignee_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(Uuid), default=list, server_default="{}"
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recurrence: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    recurrence_mode: Mapped[str] = mapped_column(
        String(16), default="fixed", server_default="fixed"
    )
    recurrence_interval: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    recurrence_day: Mapped[int | None] = mapped_column(SmallInteger)
    recurrence_end_date: Mapped[date | None] = mapped_column(Date)
    recurrence_starts_on: Mapped[date | None] = mapped_column(Date)
    recurrence_timezone: Mapped[str | None] = mapped_column(String(64))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(CARD_SEARCH_VECTOR, persisted=True), deferred=True
    )
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("platform.users.id"))
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Label(Base):
    __tablename__ = "labels"
    __mapper_args__ = SYNCED
    __table_args__ = (Index("ix_labels_board_id", "board_id"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    name: Mapped[str] = mapped_column(String(50))
    color: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()


class Checklist(Base):
    __tablename__ = "checklists"
    __mapper_args__ = SYNCED
    __table_args__ = (Index("ix_checklists_card_id", "card_id"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("boards.cards.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __mapper_args__ = SYNCED
    __table_args__ = (Index("ix_checklist_items_checklist_id", "checklist_id"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    checklist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("boards.checklists.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(String(500))
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()


class Comment(Base):
    __tablename__ = "comments"
    __mapper_args__ = SYNCED
    __table_args__ = (
        Index("ix_comments_card_id", "card_id", "created_at"),
        Index("ix_comments_search", "space_id", "search_vector", postgresql_using="gin"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("boards.cards.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(COMMENT_SEARCH_VECTOR, persisted=True), deferred=True
    )
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()


class Activity(Base):
    """What happened on a board, newest first. ``created_at`` is part of the key so the table
    can become partitioned by month without changing it."""

    __tablename__ = "activity"
    __table_args__ = (
        PrimaryKeyConstraint("id", "created_at", name="pk_activity"),
        Index("ix_activity_board_created", "board_id", "created_at"),
        Index("ix_activity_space_created", "space_id", "created_at"),
        # Rows arrive in time order: a block range index finds the expired ones cheaply.
        Index("ix_activity_created_at", "created_at", postgresql_using="brin"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    # No foreign key: the record of a card outlives the card.
    card_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()


class DirectMessage(Base):
    """A message from one member of a workspace to another, read by those two alone (row-level
    security). ``created_at`` is part of the key so the table can become partitioned by month
    without changing it; a conversation (the two people, either way round) is indexed by
    time."""

    __tablename__ = "direct_messages"
    __table_args__ = (
        PrimaryKeyConstraint("id", "created_at", name="pk_direct_messages"),
        CheckConstraint("sender_id <> recipient_id", name="not_to_self"),
        # A conversation's two people in a fixed order, whoever wrote (messages.repository).
        Index(
            "ix_direct_messages_conversation",
            "space_id",
            text("least(sender_id, recipient_id)"),
            text("greatest(sender_id, recipient_id)"),
            "created_at",
        ),
        # The same pairs led by the second person: the conversation list walks each person's
        # partners from either side without a skip scan (PostgreSQL before 18 has none).
        Index(
            "ix_direct_messages_conversation_by_second",
            "space_id",
            text("greatest(sender_id, recipient_id)"),
            text("least(sender_id, recipient_id)"),
        ),
        Index("ix_direct_messages_sender", "sender_id", "space_id"),
        Index("ix_direct_messages_recipient", "recipient_id", "space_id"),
        Index(
            "ix_direct_messages_unread",
            "recipient_id",
            "space_id",
            "sender_id",
            postgresql_where=text("read_at IS NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    space_id: Mapped[uuid.UUID] = _space_fk()
    sender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE")
    )
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.users.id", ondelete="CASCADE")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CardAttachment(Base):
    """A file attached to a card, uploaded through the files platform (``file_id``). Its
    name, type and size are copied here so that the change log carries them; the file's
    processing status, links and thumbnails are the platform's."""

    __tablename__ = "card_attachments"
    __mapper_args__ = SYNCED
    __table_args__ = (
        CheckConstraint("file_size >= 0", name="file_size"),
        Index("ix_card_attachments_card_id", "card_id", "created_at"),
        # The board view counts a board's attachments at once.
        Index("ix_card_attachments_board_id", "board_id"),
        UniqueConstraint("file_id", name="uq_card_attachments_file_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = _space_fk()
    board_id: Mapped[uuid.UUID] = _board_fk()
    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("boards.cards.id", ondelete="CASCADE"))
    # The purge erasing a file takes its attachment with it.
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("platform.files.id", ondelete="CASCADE"))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="SET NULL")
    )
    file_name: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(100))
    file_size: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = synced_version()
    created_at: Mapped[datetime] = created_at_column()
