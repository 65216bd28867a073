"""Every SQL statement of the inventory. Queries filter by home; RLS is the safety net."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.models import HomeDetails, Item, ItemAttachment, Room
from commonhold.platform.files.models import StoredFile
from commonhold.platform.spaces.models import Space, SpaceMember

AnySelect = Select[*tuple[Any, ...]]


def homes_of_user(user_id: uuid.UUID, deleted: bool) -> AnySelect:
    return (
        select(Space, SpaceMember.role, HomeDetails)
        .join(SpaceMember, SpaceMember.space_id == Space.id)
        .outerjoin(HomeDetails, HomeDetails.space_id == Space.id)
        .where(
            SpaceMember.user_id == user_id,
            Space.kind == "home",
            Space.deleted_at.is_not(None) if deleted else Space.deleted_at.is_(None),
        )
    )


async def home_details(session: AsyncSession, home_id: uuid.UUID) -> HomeDetails | None:
    return await session.get(HomeDetails, home_id)


async def room(session: AsyncSession, room_id: uuid.UUID, deleted: bool = False) -> Room | None:
    """A room of a home that is not deleted (or only a deleted one, to restore it)."""
    return await session.scalar(
        select(Room)
        .join(Space, Space.id == Room.space_id)
        .where(
            Room.id == room_id,
            Space.deleted_at.is_(None),
            Room.deleted_at.is_not(None) if deleted else Room.deleted_at.is_(None),
        )
    )


def rooms_of_home(home_id: uuid.UUID, deleted: bool) -> AnySelect:
    return select(Room).where(
        Room.space_id == home_id,
        Room.deleted_at.is_not(None) if deleted else Room.deleted_at.is_(None),
    )


async def room_ids_of_home(session: AsyncSession, home_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(Room.id).where(Room.space_id == home_id, Room.deleted_at.is_(None))
    )
    return set(rows)


async def reorder_rooms(session: AsyncSession, room_ids: Sequence[uuid.UUID]) -> None:
    for position, room_id in enumerate(room_ids):
        await session.execute(
            update(Room).where(Room.id == room_id).values(sort_order=position * 10)
        )


async def next_sort_order(session: AsyncSession, home_id: uuid.UUID) -> int:
    highest = await session.scalar(
        select(func.max(Room.sort_order)).where(Room.space_id == home_id, Room.deleted_at.is_(None))
    )
    return 0 if highest is None else highest + 10


async def rooms_by_name(session: AsyncSession, home_id: uuid.UUID) -> dict[str, Room]:
    rooms = await session.scalars(
        select(Room).where(Room.space_id == home_id, Room.deleted_at.is_(None))
    )
    return {room.name.casefold(): room for room in rooms}


async def item(session: AsyncSession, item_id: uuid.UUID, deleted: bool = False) -> Item | None:
    statement = (
        select(Item)
        .join(Room, Room.id == Item.room_id)
        .join(Space, Space.id == Item.space_id)
        .where(
            Item.id == item_id,
            Room.deleted_at.is_(None),
            Space.deleted_at.is_(None),
            Item.deleted_at.is_not(None) if deleted else Item.deleted_at.is_(None),
        )
    )
    return await session.scalar(statement)


async def count_items(session: AsyncSession, home_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.count()).where(Item.space_id == home_id, Item.deleted_at.is_(None))
        )
        or 0
    )


def items_of_home(
    home_id: uuid.UUID,
    *,
    room_id: uuid.UUID | None = None,
    category: str | None = None,
    metadata: dict[str, Any] | None = None,
    warranty_ends_by: date | None = None,
    today: date | None = None,
    deleted: bool = False,
) -> Select[Item]:
    statement = (
        select(Item)
        .join(Room, Room.id == Item.room_id)
        .where(Item.space_id == home_id, Room.deleted_at.is_(None))
        .where(Item.deleted_at.is_not(None) if deleted else Item.deleted_at.is_(None))
    )
    if room_id is not None:
        statement = statement.where(Item.room_id == room_id)
    if category is not None:
        statement = statement.where(Item.category == category)
    if metadata:
        statement = statement.where(Item.metadata_.contains(metadata))
    if warranty_ends_by is not None and today is not None:
        statement = statement.where(Item.warranty_until.between(today, warranty_ends_by))
    return statement


def ranked_search(statement: Select[Item], terms: str, limit: int) -> AnySelect:
    """Full-text match over name, maker, model and description; best matches first.

    The words are parsed once, in a subquery: inline, a prepared statement's generic plan
    would parse them again for every row.
    """
    query = select(func.websearch_to_tsquery("english", terms)).scalar_subquery()
    rank = func.ts_rank_cd(Item.search_vector, query)
    return (
        statement.add_columns(rank.label("rank"))
        .where(Item.search_vector.op("@@")(query))
        .order_by(rank.desc(), Item.id)
        .limit(limit)
    )


async def inventory_rows(
    session: AsyncSession, home_id: uuid.UUID
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Every live room with its live items, their attachment counts and first photos, in one
    query.

    Only the columns the inventory shows: loading whole items (their metadata above all)
    would cost more than the query itself.
    """
    attachments = (
        select(func.count())
        .where(ItemAttachment.item_id == Item.id)
        .correlate(Item)
        .scalar_subquery()
    )
    # The item's first photo that has thumbnails, to show beside it.
    photo = (
        select(
            StoredFile.id.label("photo_id"),
            StoredFile.file_name.label("photo_name"),
            StoredFile.thumbnail_sides[1].label("photo_side"),
        )
        .join(ItemAttachment, ItemAttachment.file_id == StoredFile.id)
        .where(
            ItemAttachment.item_id == Item.id,
            StoredFile.use == "photo",
            StoredFile.status == "ready",
            func.cardinality(StoredFile.thumbnail_sides) > 0,
        )
        .order_by(ItemAttachment.created_at, ItemAttachment.id)
        .limit(1)
        .correlate(Item)
        .lateral()
    )
    statement = (
        select(
            Room.id.label("room_id"),
            Room.name.label("room_name"),
            Room.room_type,
            Room.floor,
            Room.sort_order,
            Item.id.label("item_id"),
            Item.name.label("item_name"),
            Item.category,
            Item.manufacturer,
            Item.condition,
            Item.warranty_until,
            attachments.label("attachment_count"),
            photo.c.photo_id,
            photo.c.photo_name,
            photo.c.photo_side,
        )
        .outerjoin(Item, (Item.room_id == Room.id) & Item.deleted_at.is_(None))
        .outerjoin(photo, true())
        .where(Room.space_id == home_id, Room.deleted_at.is_(None))
        .order_by(Room.sort_order, Room.name, Room.id, Item.name, Item.id)
    )
    return (await session.execute(statement)).all()


async def items_with_rooms(session: AsyncSession, home_id: uuid.UUID) -> Sequence[Row[Room, Item]]:
    """Every live item with its room, in inventory order."""
    statement = (
        select(Room, Item)
        .join(Item, Item.room_id == Room.id)
        .where(Room.space_id == home_id, Room.deleted_at.is_(None), Item.deleted_at.is_(None))
        .order_by(Room.sort_order, Room.name, Room.id, Item.name, Item.id)
    )
    return (await session.execute(statement)).all()


async def attachments_of_item(
    session: AsyncSession, item_id: uuid.UUID
) -> list[tuple[ItemAttachment, StoredFile | None]]:
    """The item's attachments, oldest first, each with its uploaded file if it has one."""
    rows = await session.execute(
        select(ItemAttachment, StoredFile)
        .outerjoin(StoredFile, StoredFile.id == ItemAttachment.file_id)
        .where(ItemAttachment.item_id == item_id)
        .order_by(ItemAttachment.created_at, ItemAttachment.id)
    )
    return [(row[0], row[1]) for row in rows]


async def attachment(
    session: AsyncSession, item_id: uuid.UUID, attachment_id: uuid.UUID
) -> tuple[ItemAttachment, StoredFile | None] | None:
    row = await session.execute(
        select(ItemAttachment, StoredFile)
        .outerjoin(StoredFile, StoredFile.id == ItemAttachment.file_id)
        .where(ItemAttachment.id == attachment_id, ItemAttachment.item_id == item_id)
        .with_for_update(of=ItemAttachment)
    )
    found = row.first()
    return (found[0], found[1]) if found else None


async def files_of_item(session: AsyncSession, item_id: uuid.UUID) -> list[StoredFile]:
    rows = await session.scalars(
        select(StoredFile)
        .join(ItemAttachment, ItemAttachment.file_id == StoredFile.id)
        .where(ItemAttachment.item_id == item_id)
    )
    return list(rows)


async def count_attachments(session: AsyncSession, home_id: uuid.UUID) -> int:
    return await session.scalar(select(func.count()).where(ItemAttachment.space_id == home_id)) or 0
