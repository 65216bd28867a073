"""Inventory rules: homes, rooms and items, who may change them, and what a plan allows."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.access import access_home, today_for
from commonhold.apps.homes.errors import (
    AttachmentIsALink,
    ItemNotFound,
    NotDeleted,
    RoomNotFound,
    UnknownRoom,
)
from commonhold.apps.homes.inventory import repository as repo
from commonhold.apps.homes.inventory.schemas import (
    AttachmentCreate,
    AttachmentRead,
    AttachmentUpload,
    HomeCreate,
    HomeRead,
    HomeUpdate,
    Inventory,
    InventoryRoom,
    ItemCreate,
    ItemRead,
    ItemSummary,
    ItemUpdate,
    RoomCreate,
    RoomOrder,
    RoomRead,
    RoomUpdate,
    UploadRequest,
)
from commonhold.apps.homes.models import HomeDetails, Item, ItemAttachment, Room
from commonhold.platform import audit
from commonhold.platform.authz import AuthSubject, Permission
from commonhold.platform.billing import limits
from commonhold.platform.db.base import utcnow
from commonhold.platform.errors import InvalidRequest
from commonhold.platform.files import service as files
from commonhold.platform.files.models import StoredFile
from commonhold.platform.files.schemas import ThumbnailRead, UploadTargetRead
from commonhold.platform.files.storage import FileStorage
from commonhold.platform.pagination import Page, paginate
from commonhold.platform.spaces import service as spaces
from commonhold.platform.spaces.models import Space, SpaceMember
from commonhold.platform.spaces.schemas import SpaceCreate, SpaceUpdate
from commonhold.platform.sync.merge import note_overwrites
from commonhold.settings import Settings

WRITE = Permission.CONTENT_WRITE


def _home_read(space: Space, role: str, details: HomeDetails | None) -> HomeRead:
    return HomeRead(
        id=space.id,
        name=space.name,
        role=role,
        address=details.address if details else None,
        home_type=details.home_type if details else None,
        year_built=details.year_built if details else None,
        square_feet=details.square_feet if details else None,
        photo_url=details.photo_url if details else None,
        created_at=space.created_at,
        deleted_at=space.deleted_at,
    )


async def _record(
    session: AsyncSession,
    subject: AuthSubject,
    action: str,
    home_id: uuid.UUID,
    target: Room | Item | ItemAttachment | None = None,
) -> None:
    await audit.record(
        session,
        action,
        actor_id=subject.user_id,
        space_id=home_id,
        target_type=type(target).__name__.lower() if target else "home",
        target_id=target.id if target else home_id,
    )


# Homes


async def create_home(session: AsyncSession, subject: AuthSubject, body: HomeCreate) -> HomeRead:
    """The caller becomes the owner. Counts against the caller's plan (``spaces.home``)."""
    access = await spaces.create_space(session, subject, SpaceCreate(kind="home", name=body.name))
    details = HomeDetails(space_id=access.space.id, **body.model_dump(exclude={"name"}))
    session.add(details)
    await session.flush()
    return _home_read(access.space, access.role, details)


async def list_homes(
    session: AsyncSession, subject: AuthSubject, deleted: bool, cursor: str | None, limit: int
) -> Page[HomeRead]:
    def to_item(row: Row[Any]) -> HomeRead:
        found = row._mapping
        return _home_read(found[Space], found[SpaceMember.role], found[HomeDetails])

    return await paginate(
        session,
        repo.homes_of_user(subject.user_id, deleted),
        (Space.created_at, Space.id),
        cursor,
        limit,
        to_item,
    )


async def get_home(session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID) -> HomeRead:
    access = await access_home(session, subject, home_id)
    return _home_read(access.space, access.role, await repo.home_details(session, home_id))


async def update_home(
    session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID, body: HomeUpdate
) -> HomeRead:
    access = await access_home(session, subject, home_id, Permission.SPACE_UPDATE)
    if body.name is not None:
        await spaces.update_space(session, subject, home_id, SpaceUpdate(name=body.name))
    details = await repo.home_details(session, home_id)
    if details is None:
        details = HomeDetails(space_id=home_id)
        session.add(details)
    for field, value in body.model_dump(exclude={"name"}, exclude_unset=True).items():
        setattr(details, field, value)
    await session.flush()
    return _home_read(access.space, access.role, details)


async def delete_home(session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID) -> None:
    """Soft delete (owner only): the home disappears for every member until restored."""
    await access_home(session, subject, home_id, Permission.SPACE_DELETE)
    await spaces.delete_space(session, subject, home_id)


async def restore_home(session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID) -> HomeRead:
    access = await access_home(session, subject, home_id, Permission.SPACE_DELETE, deleted=True)
    await spaces.restore_space(session, subject, home_id)
    return _home_read(access.space, access.role, await repo.home_details(session, home_id))


async def inventory(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    subject: AuthSubject,
    home_id: uuid.UUID,
) -> Inventory:
    """Home → rooms → items with attachment counts and photos, in two queries whatever the
    size."""
    access = await access_home(session, subject, home_id)
    rooms: dict[uuid.UUID, InventoryRoom] = {}
    for row in await repo.inventory_rows(session, home_id):
        found = row._mapping
        room = rooms.get(found["room_id"])
        if room is None:
            room = rooms[found["room_id"]] = InventoryRoom(
                id=found["room_id"],
                name=found["room_name"],
                room_type=found["room_type"],
                floor=found["floor"],
                sort_order=found["sort_order"],
            )
        if found["item_id"] is not None:
            room.items.append(
                ItemSummary(
                    id=found["item_id"],
                    name=found["item_name"],
                    category=found["category"],
                    manufacturer=found["manufacturer"],
                    condition=found["condition"],
                    warranty_until=found["warranty_until"],
                    attachment_count=found["attachment_count"],
                    photo=await _photo(storage, settings, home_id, found),
                )
            )
    return Inventory(
        home_id=home_id, name=access.space.name, role=access.role, rooms=list(rooms.values())
    )


async def _photo(
    storage: FileStorage, settings: Settings, home_id: uuid.UUID, found: RowMapping
) -> ThumbnailRead | None:
    if found["photo_id"] is None:
        return None
    small = await files.thumbnail(
        storage, settings, home_id, found["photo_id"], found["photo_name"], found["photo_side"]
    )
    return ThumbnailRead(side=small.side, url=small.url)


# Rooms


async def _room(
    session: AsyncSession,
    subject: AuthSubject,
    room_id: uuid.UUID,
    permission: Permission = Permission.CONTENT_READ,
    deleted: bool = False,
) -> Room:
    """A room the caller may see (404 otherwise), checked for ``permission`` in its home."""
    room = await repo.room(session, room_id, deleted)
    if room is None:
        raise RoomNotFound()
    await access_home(session, subject, room.space_id, permission)
    return room


async def create_room(
    session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID, body: RoomCreate
) -> RoomRead:
    await access_home(session, subject, home_id, WRITE)
    limits.ensure_in_good_standing(await limits.tier_of_space(session, home_id))
    fields = body.model_dump(exclude_none=True)
    fields.setdefault("sort_order", await repo.next_sort_order(session, home_id))
    room = Room(space_id=home_id, **fields)
    session.add(room)
    await session.flush()
    await _record(session, subject, "room.created", home_id, room)
    return RoomRead.model_validate(room)


async def list_rooms(
    session: AsyncSession,
    subject: AuthSubject,
    home_id: uuid.UUID,
    deleted: bool,
    cursor: str | None,
    limit: int,
) -> Page[RoomRead]:
    await access_home(session, subject, home_id)
    return await paginate(
        session,
        repo.rooms_of_home(home_id, deleted),
        (Room.sort_order, Room.id),
        cursor,
        limit,
        lambda row: RoomRead.model_validate(row[0]),
    )


async def get_room(session: AsyncSession, subject: AuthSubject, room_id: uuid.UUID) -> RoomRead:
    return RoomRead.model_validate(await _room(session, subject, room_id))


async def _merge(
    session: AsyncSession,
    subject: AuthSubject,
    entity_type: str,
    entity: Room | Item,
    body: RoomUpdate | ItemUpdate,
) -> None:
    """Notice what this update overwrites of others' changes since its base version."""
    written = body.model_dump(mode="json", exclude_unset=True, exclude={"base_version"})
    await note_overwrites(
        session,
        subject.user_id,
        entity_type,
        entity.space_id,
        entity.id,
        entity.version,
        body.base_version,
        written,
    )


async def update_room(
    session: AsyncSession, subject: AuthSubject, room_id: uuid.UUID, body: RoomUpdate
) -> RoomRead:
    room = await _room(session, subject, room_id, WRITE)
    await _merge(session, subject, "homes.room", room, body)
    for field, value in body.model_dump(exclude_unset=True, exclude={"base_version"}).items():
        if value is None and field in ("name", "sort_order"):
            raise InvalidRequest(f"{field} cannot be null")
        setattr(room, field, value)
    await session.flush()
    await _record(session, subject, "room.updated", room.space_id, room)
    return RoomRead.model_validate(room)


async def reorder_rooms(
    session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID, body: RoomOrder
) -> list[RoomRead]:
    """Set the order of all the home's rooms at once: the list must name each exactly once."""
    await access_home(session, subject, home_id, WRITE)
    current = await repo.room_ids_of_home(session, home_id)
    if len(body.room_ids) != len(set(body.room_ids)) or set(body.room_ids) != current:
        raise UnknownRoom("room_ids must list every room of this home exactly once")
    await repo.reorder_rooms(session, body.room_ids)
    await _record(session, subject, "rooms.reordered", home_id)
    page = await list_rooms(session, subject, home_id, False, None, 1000)
    return page.items


async def delete_room(session: AsyncSession, subject: AuthSubject, room_id: uuid.UUID) -> None:
    """Soft delete: the room and its items disappear until the room is restored."""
    room = await _room(session, subject, room_id, WRITE)
    room.deleted_at = utcnow()
    await _record(session, subject, "room.deleted", room.space_id, room)


async def restore_room(session: AsyncSession, subject: AuthSubject, room_id: uuid.UUID) -> RoomRead:
    room = await repo.room(session, room_id, deleted=True)
    if room is None:
        if await repo.room(session, room_id) is not None:
            raise NotDeleted()
        raise RoomNotFound()
    await access_home(session, subject, room.space_id, WRITE)
    room.deleted_at = None
    await session.flush()
    await _record(session, subject, "room.restored", room.space_id, room)
    return RoomRead.model_validate(room)


# Items


async def _item(
    session: AsyncSession,
    subject: AuthSubject,
    item_id: uuid.UUID,
    permission: Permission = Permission.CONTENT_READ,
    deleted: bool = False,
) -> Item:
    item = await repo.item(session, item_id, deleted)
    if item is None:
        if deleted and await repo.item(session, item_id) is not None:
            raise NotDeleted()
        raise ItemNotFound()
    await access_home(session, subject, item.space_id, permission)
    return item


async def ensure_room_for_items(session: AsyncSession, home_id: uuid.UUID, adding: int) -> None:
    await limits.ensure_room_for(
        session,
        await limits.tier_of_space(session, home_id),
        "home.items",
        await repo.count_items(session, home_id),
        adding,
    )


def new_item(room: Room, body: ItemCreate) -> Item:
    return Item(
        space_id=room.space_id,
        room_id=room.id,
        metadata_=body.metadata,
        **body.model_dump(exclude={"metadata"}),
    )


async def create_item(
    session: AsyncSession, subject: AuthSubject, room_id: uuid.UUID, body: ItemCreate
) -> ItemRead:
    room = await _room(session, subject, room_id, WRITE)
    await ensure_room_for_items(session, room.space_id, 1)
    item = new_item(room, body)
    session.add(item)
    await session.flush()
    await _record(session, subject, "item.created", room.space_id, item)
    return ItemRead.model_validate(item)


async def get_item(session: AsyncSession, subject: AuthSubject, item_id: uuid.UUID) -> ItemRead:
    return ItemRead.model_validate(await _item(session, subject, item_id))


async def update_item(
    session: AsyncSession, subject: AuthSubject, item_id: uuid.UUID, body: ItemUpdate
) -> ItemRead:
    item = await _item(session, subject, item_id, WRITE)
    await _merge(session, subject, "homes.item", item, body)
    changes = body.model_dump(exclude_unset=True, exclude={"base_version"})
    if "room_id" in changes:
        room = await repo.room(session, changes["room_id"]) if changes["room_id"] else None
        if room is None or room.space_id != item.space_id:
            raise UnknownRoom()
    for field, value in changes.items():
        if value is None and field in ("name", "room_id", "metadata"):
            raise InvalidRequest(f"{field} cannot be null")
        setattr(item, "metadata_" if field == "metadata" else field, value)
    await session.flush()
    await _record(session, subject, "item.updated", item.space_id, item)
    return ItemRead.model_validate(item)


async def delete_item(session: AsyncSession, subject: AuthSubject, item_id: uuid.UUID) -> None:
    item = await _item(session, subject, item_id, WRITE)
    item.deleted_at = utcnow()
    for stored in await repo.files_of_item(session, item.id):
        files.discard(stored)
    await _record(session, subject, "item.deleted", item.space_id, item)


async def restore_item(session: AsyncSession, subject: AuthSubject, item_id: uuid.UUID) -> ItemRead:
    item = await _item(session, subject, item_id, WRITE, deleted=True)
    await ensure_room_for_items(session, item.space_id, 1)
    item.deleted_at = None
    for stored in await repo.files_of_item(session, item.id):
        files.restore(stored)
    await session.flush()
    await _record(session, subject, "item.restored", item.space_id, item)
    return ItemRead.model_validate(item)


async def list_items(
    session: AsyncSession,
    subject: AuthSubject,
    home_id: uuid.UUID,
    *,
    q: str | None,
    room_id: uuid.UUID | None,
    category: str | None,
    metadata: dict[str, Any],
    warranty_within_days: int | None,
    deleted: bool,
    cursor: str | None,
    limit: int,
) -> Page[ItemRead]:
    """Filtered items by name; with ``q``, the best full-text matches first (one page)."""
    await access_home(session, subject, home_id)
    today = await today_for(session, subject.user_id) if warranty_within_days is not None else None
    statement = repo.items_of_home(
        home_id,
        room_id=room_id,
        category=category,
        metadata=metadata,
        warranty_ends_by=today + timedelta(days=warranty_within_days)
        if today and warranty_within_days is not None
        else None,
        today=today,
        deleted=deleted,
    )
    if q:
        rows = (await session.execute(repo.ranked_search(statement, q, limit))).all()
        return Page(items=[ItemRead.model_validate(row[0]) for row in rows], next_cursor=None)
    return await paginate(
        session,
        statement,
        (Item.name, Item.id),
        cursor,
        limit,
        lambda row: ItemRead.model_validate(row[0]),
    )


async def list_room_items(
    session: AsyncSession, subject: AuthSubject, room_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[ItemRead]:
    room = await _room(session, subject, room_id)
    return await paginate(
        session,
        repo.items_of_home(room.space_id, room_id=room.id),
        (Item.name, Item.id),
        cursor,
        limit,
        lambda row: ItemRead.model_validate(row[0]),
    )


# Attachments


async def _ensure_room_for_attachment(session: AsyncSession, home_id: uuid.UUID) -> limits.Tier:
    """The home's tier, once it is sure the plan allows one more attachment."""
    tier = await limits.tier_of_space(session, home_id)
    await limits.ensure_room_for(
        session, tier, "home.attachments", await repo.count_attachments(session, home_id)
    )
    return tier


async def _attachment_read(
    storage: FileStorage, settings: Settings, attachment: ItemAttachment, stored: StoredFile | None
) -> AttachmentRead:
    if stored is None:
        return AttachmentRead(
            id=attachment.id,
            item_id=attachment.item_id,
            use=None,
            processing_status="ready",
            file_url=attachment.file_url,
            file_type=attachment.file_type,
            file_name=attachment.file_name,
            file_size=attachment.file_size,
            created_at=attachment.created_at,
        )
    served = await files.links(storage, settings, stored)
    return AttachmentRead(
        id=attachment.id,
        item_id=attachment.item_id,
        use=stored.use,
        processing_status=stored.status,
        failure_code=stored.failure_code,
        file_url=served.url,
        file_type=stored.content_type or stored.declared_type,
        file_name=stored.file_name,
        file_size=stored.size if stored.size is not None else stored.declared_size,
        thumbnails=[ThumbnailRead.model_validate(t) for t in served.thumbnails],
        created_at=attachment.created_at,
    )


async def add_attachment(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    subject: AuthSubject,
    item_id: uuid.UUID,
    body: AttachmentCreate,
) -> AttachmentRead:
    """Link a file kept elsewhere (photo, receipt, manual) to an item; the plan must allow it."""
    item = await _item(session, subject, item_id, WRITE)
    await _ensure_room_for_attachment(session, item.space_id)
    attachment = ItemAttachment(space_id=item.space_id, item_id=item.id, **body.model_dump())
    session.add(attachment)
    await session.flush()
    await _record(session, subject, "attachment.created", item.space_id, attachment)
    return await _attachment_read(storage, settings, attachment, None)


async def request_upload(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    subject: AuthSubject,
    item_id: uuid.UUID,
    body: UploadRequest,
) -> AttachmentUpload:
    """An attachment waiting for its file, and where the client sends the bytes."""
    item = await _item(session, subject, item_id, WRITE)
    tier = await _ensure_room_for_attachment(session, item.space_id)
    stored, target = await files.request_upload(
        session,
        storage,
        settings,
        space_id=item.space_id,
        uploaded_by=subject.user_id,
        use=body.use,
        file_name=body.file_name,
        declared_type=body.content_type,
        size=body.size,
        max_bytes=await files.max_upload_bytes(session, settings, tier, "home.file_mb"),
    )
    attachment = ItemAttachment(
        space_id=item.space_id,
        item_id=item.id,
        file_id=stored.id,
        file_type=stored.declared_type,
        file_name=stored.file_name,
        file_size=stored.declared_size,
    )
    session.add(attachment)
    await session.flush()
    await _record(session, subject, "attachment.created", item.space_id, attachment)
    return AttachmentUpload(
        attachment=await _attachment_read(storage, settings, attachment, stored),
        upload=UploadTargetRead.model_validate(target),
    )


async def confirm_upload(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    subject: AuthSubject,
    item_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> AttachmentRead:
    """Check what arrived. Refused: the bytes are deleted, the attachment shows ``failed``
    with the code the caller gets. Accepted: a job makes it ready."""
    item = await _item(session, subject, item_id, WRITE)
    attachment, stored = await _attachment(session, item.id, attachment_id)
    if stored is None:
        raise AttachmentIsALink()
    tier = await limits.tier_of_space(session, item.space_id)
    max_bytes = await files.max_upload_bytes(session, settings, tier, "home.file_mb")
    await files.confirm_upload(session, storage, stored, max_bytes)
    attachment.file_type = stored.content_type or attachment.file_type
    attachment.file_size = stored.size
    await session.flush()
    return await _attachment_read(storage, settings, attachment, stored)


async def list_attachments(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    subject: AuthSubject,
    item_id: uuid.UUID,
) -> list[AttachmentRead]:
    item = await _item(session, subject, item_id)
    return [
        await _attachment_read(storage, settings, attachment, stored)
        for attachment, stored in await repo.attachments_of_item(session, item.id)
    ]


async def _attachment(
    session: AsyncSession, item_id: uuid.UUID, attachment_id: uuid.UUID
) -> tuple[ItemAttachment, StoredFile | None]:
    found = await repo.attachment(session, item_id, attachment_id)
    if found is None:
        raise ItemNotFound("Attachment not found")
    return found


async def remove_attachment(
    session: AsyncSession, subject: AuthSubject, item_id: uuid.UUID, attachment_id: uuid.UUID
) -> None:
    """The attachment goes now; an uploaded file's bytes after the retention period."""
    item = await _item(session, subject, item_id, WRITE)
    attachment, stored = await _attachment(session, item.id, attachment_id)
    await session.delete(attachment)
    if stored is not None:
        files.discard(stored)
    await _record(session, subject, "attachment.deleted", item.space_id, attachment)
