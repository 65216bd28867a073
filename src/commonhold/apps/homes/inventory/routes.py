"""Thin HTTP endpoints of the inventory: homes, rooms, items, attachments, search, CSV."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response

from commonhold.apps.homes.inventory import csv_io, service
from commonhold.apps.homes.inventory.schemas import (
    AttachmentCreate,
    AttachmentRead,
    AttachmentUpload,
    HomeCreate,
    HomeRead,
    HomeUpdate,
    ImportReport,
    Inventory,
    ItemCreate,
    ItemRead,
    ItemUpdate,
    RoomCreate,
    RoomOrder,
    RoomRead,
    RoomUpdate,
    UploadRequest,
)
from commonhold.apps.homes.params import AttachmentId, HomeId, ItemId, RoomId
from commonhold.platform.deps import CurrentUser, FileStorageDep, Session, SettingsDep
from commonhold.platform.errors import InvalidRequest
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses
from commonhold.platform.sync.merge import IfMatch, etag

router = APIRouter(
    prefix="/api/v1",
    tags=["homes"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429),
)
Deleted = Annotated[bool, Query(description="List deleted ones instead, to restore one.")]
MetadataFilters = Annotated[
    list[Annotated[str, Query(max_length=300)]],
    Query(
        max_length=10,
        description="`key:value` pairs the item's metadata must contain; values are read as "
        "JSON when they parse (`btu_rating:80000`, `energy_star:true`), else as text.",
        examples=["fuel_type:gas"],
    ),
]


# Homes


@router.post(
    "/homes",
    status_code=status.HTTP_201_CREATED,
    operation_id="homes_create",
    summary="Create a home",
)
async def create_home(body: HomeCreate, subject: CurrentUser, session: Session) -> HomeRead:
    """The caller becomes its owner. The free plan allows one home."""
    return await service.create_home(session, subject, body)


@router.get("/homes", operation_id="homes_list", summary="Homes I belong to")
async def list_homes(
    subject: CurrentUser,
    session: Session,
    deleted: Deleted = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[HomeRead]:
    return await service.list_homes(session, subject, deleted, cursor, limit)


@router.get("/homes/{home_id}", operation_id="homes_get", summary="One home")
async def get_home(home_id: HomeId, subject: CurrentUser, session: Session) -> HomeRead:
    return await service.get_home(session, subject, home_id)


@router.patch("/homes/{home_id}", operation_id="homes_update", summary="Change a home (admin)")
async def update_home(
    home_id: HomeId, body: HomeUpdate, subject: CurrentUser, session: Session
) -> HomeRead:
    return await service.update_home(session, subject, home_id, body)


@router.delete(
    "/homes/{home_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="homes_delete",
    summary="Delete a home (owner; restorable)",
)
async def delete_home(home_id: HomeId, subject: CurrentUser, session: Session) -> None:
    await service.delete_home(session, subject, home_id)


@router.post(
    "/homes/{home_id}/restore", operation_id="homes_restore", summary="Restore a deleted home"
)
async def restore_home(home_id: HomeId, subject: CurrentUser, session: Session) -> HomeRead:
    return await service.restore_home(session, subject, home_id)


@router.get(
    "/homes/{home_id}/inventory",
    operation_id="homes_inventory",
    summary="Everything in a home: rooms and their items",
)
async def get_inventory(
    home_id: HomeId,
    subject: CurrentUser,
    session: Session,
    storage: FileStorageDep,
    settings: SettingsDep,
) -> Inventory:
    """Rooms in their order, each with its items, how many attachments each item has and the
    small thumbnail of its first photo (a signed URL that expires after 15 minutes)."""
    return await service.inventory(session, storage, settings, subject, home_id)


# Rooms


@router.post(
    "/homes/{home_id}/rooms",
    status_code=status.HTTP_201_CREATED,
    operation_id="rooms_create",
    summary="Add a room",
)
async def create_room(
    home_id: HomeId, body: RoomCreate, subject: CurrentUser, session: Session
) -> RoomRead:
    """Without `sort_order` the room goes last."""
    return await service.create_room(session, subject, home_id, body)


@router.get("/homes/{home_id}/rooms", operation_id="rooms_list", summary="Rooms of a home")
async def list_rooms(
    home_id: HomeId,
    subject: CurrentUser,
    session: Session,
    deleted: Deleted = False,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[RoomRead]:
    return await service.list_rooms(session, subject, home_id, deleted, cursor, limit)


@router.put(
    "/homes/{home_id}/rooms/order", operation_id="rooms_reorder", summary="Reorder the rooms"
)
async def reorder_rooms(
    home_id: HomeId, body: RoomOrder, subject: CurrentUser, session: Session
) -> list[RoomRead]:
    return await service.reorder_rooms(session, subject, home_id, body)


@router.get("/rooms/{room_id}", operation_id="rooms_get", summary="One room")
async def get_room(
    room_id: RoomId, subject: CurrentUser, session: Session, response: Response
) -> RoomRead:
    room = await service.get_room(session, subject, room_id)
    response.headers["ETag"] = etag(room.version)
    return room


@router.patch(
    "/rooms/{room_id}",
    operation_id="rooms_update",
    summary="Change a room",
    responses=problem_responses(409),
)
async def update_room(
    room_id: RoomId,
    body: RoomUpdate,
    subject: CurrentUser,
    session: Session,
    if_match: IfMatch,
    response: Response,
) -> RoomRead:
    room = await service.update_room(session, subject, room_id, body.based_on(if_match))
    response.headers["ETag"] = etag(room.version)
    return room


@router.delete(
    "/rooms/{room_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="rooms_delete",
    summary="Delete a room and hide its items (restorable)",
)
async def delete_room(room_id: RoomId, subject: CurrentUser, session: Session) -> None:
    await service.delete_room(session, subject, room_id)


@router.post(
    "/rooms/{room_id}/restore",
    operation_id="rooms_restore",
    summary="Restore a deleted room with its items",
    responses=problem_responses(409),
)
async def restore_room(room_id: RoomId, subject: CurrentUser, session: Session) -> RoomRead:
    return await service.restore_room(session, subject, room_id)


# Items


@router.post(
    "/rooms/{room_id}/items",
    status_code=status.HTTP_201_CREATED,
    operation_id="items_create",
    summary="Add an item to a room",
)
async def create_item(
    room_id: RoomId, body: ItemCreate, subject: CurrentUser, session: Session
) -> ItemRead:
    """The free plan allows 50 items per home."""
    return await service.create_item(session, subject, room_id, body)


@router.get("/rooms/{room_id}/items", operation_id="rooms_items", summary="Items in a room")
async def list_room_items(
    room_id: RoomId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ItemRead]:
    return await service.list_room_items(session, subject, room_id, cursor, limit)


@router.get(
    "/homes/{home_id}/items",
    operation_id="items_search",
    summary="Find items in a home",
)
async def list_items(
    home_id: HomeId,
    subject: CurrentUser,
    session: Session,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words to find in name, manufacturer, model number and description "
            '(web search syntax: `"exact phrase"`, `-without`, `or`). Best matches come '
            "first, one page of at most `limit`.",
            examples=["bosch dishwasher"],
        ),
    ] = None,
    room_id: uuid.UUID | None = None,
    category: Annotated[str | None, Query(max_length=50)] = None,
    metadata: MetadataFilters = [],  # noqa: B006 - FastAPI copies defaults
    warranty_within_days: Annotated[
        int | None,
        Query(ge=0, le=3650, description="Only items whose warranty ends within N days."),
    ] = None,
    deleted: Deleted = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ItemRead]:
    """Without `q`, items come by name and pages continue with `cursor`."""
    return await service.list_items(
        session,
        subject,
        home_id,
        q=q,
        room_id=room_id,
        category=category,
        metadata=_metadata_filter(metadata),
        warranty_within_days=warranty_within_days,
        deleted=deleted,
        cursor=cursor,
        limit=limit,
    )


def _metadata_filter(pairs: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for pair in pairs:
        key, colon, raw = pair.partition(":")
        if not colon or not key:
            raise InvalidRequest(f"metadata filter {pair!r} is not key:value")
        try:
            found[key] = json.loads(raw)
        except json.JSONDecodeError:
            found[key] = raw
    return found


@router.get("/items/{item_id}", operation_id="items_get", summary="One item")
async def get_item(
    item_id: ItemId, subject: CurrentUser, session: Session, response: Response
) -> ItemRead:
    item = await service.get_item(session, subject, item_id)
    response.headers["ETag"] = etag(item.version)
    return item


@router.patch(
    "/items/{item_id}",
    operation_id="items_update",
    summary="Change or move an item",
    responses=problem_responses(409),
)
async def update_item(
    item_id: ItemId,
    body: ItemUpdate,
    subject: CurrentUser,
    session: Session,
    if_match: IfMatch,
    response: Response,
) -> ItemRead:
    item = await service.update_item(session, subject, item_id, body.based_on(if_match))
    response.headers["ETag"] = etag(item.version)
    return item


@router.delete(
    "/items/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="items_delete",
    summary="Delete an item (restorable)",
)
async def delete_item(item_id: ItemId, subject: CurrentUser, session: Session) -> None:
    await service.delete_item(session, subject, item_id)


@router.post(
    "/items/{item_id}/restore",
    operation_id="items_restore",
    summary="Restore a deleted item",
    responses=problem_responses(409),
)
async def restore_item(item_id: ItemId, subject: CurrentUser, session: Session) -> ItemRead:
    return await service.restore_item(session, subject, item_id)


@router.post(
    "/items/{item_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    operation_id="attachments_create",
    summary="Attach a link to a file kept elsewhere",
    responses=problem_responses(403),
)
async def add_attachment(
    item_id: ItemId,
    body: AttachmentCreate,
    subject: CurrentUser,
    session: Session,
    storage: FileStorageDep,
    settings: SettingsDep,
) -> AttachmentRead:
    """Links a file kept elsewhere to the item. Paid plans only (`home.attachments`)."""
    return await service.add_attachment(session, storage, settings, subject, item_id, body)


@router.post(
    "/items/{item_id}/attachments/uploads",
    status_code=status.HTTP_201_CREATED,
    operation_id="attachments_request_upload",
    summary="Start uploading a photo, receipt or manual",
    responses=problem_responses(403, 413, 415),
)
async def request_upload(
    item_id: ItemId,
    body: UploadRequest,
    subject: CurrentUser,
    session: Session,
    storage: FileStorageDep,
    settings: SettingsDep,
) -> AttachmentUpload:
    """Creates the attachment (status `requested`) and returns where to send the bytes: one
    `PUT` of exactly `size` bytes with the given headers, straight to storage. Then call
    `POST .../attachments/{attachment_id}/confirm`.

    Refused at once: a size over the plan's `home.file_mb` (`413 file_too_large`), a declared
    type the use does not take (`415 file_type_not_allowed`), a plan without attachments
    (`403 plan_limit_reached`).
    """
    return await service.request_upload(session, storage, settings, subject, item_id, body)


@router.post(
    "/items/{item_id}/attachments/{attachment_id}/confirm",
    operation_id="attachments_confirm_upload",
    summary="Confirm an upload: check it and process it",
    responses=problem_responses(409, 413, 415),
)
async def confirm_upload(
    item_id: ItemId,
    attachment_id: AttachmentId,
    subject: CurrentUser,
    session: Session,
    storage: FileStorageDep,
    settings: SettingsDep,
) -> AttachmentRead:
    """Reads the type from the file's first bytes, whatever its name or declared type.

    Refused, with the bytes deleted and the attachment left `failed` under the same code:
    an executable, script, HTML or SVG file, or any type the use does not take
    (`415 file_type_not_allowed`); a file declared as an image that is none
    (`415 file_type_mismatch`); a file over the plan's limit (`413 file_too_large`).
    Accepted: `uploaded`; a job strips location data from photos, refuses images over
    50 megapixels (`image_too_large`) and makes WebP thumbnails, then the attachment is
    `ready`. `409 upload_not_received` if the bytes have not arrived yet.
    """
    return await service.confirm_upload(session, storage, settings, subject, item_id, attachment_id)


@router.get(
    "/items/{item_id}/attachments", operation_id="attachments_list", summary="Files of an item"
)
async def list_attachments(
    item_id: ItemId,
    subject: CurrentUser,
    session: Session,
    storage: FileStorageDep,
    settings: SettingsDep,
) -> list[AttachmentRead]:
    """Oldest first. Ready uploads carry signed URLs (the file and its thumbnails) that
    expire after 15 minutes: list again for fresh ones."""
    return await service.list_attachments(session, storage, settings, subject, item_id)


@router.delete(
    "/items/{item_id}/attachments/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="attachments_delete",
    summary="Remove an attachment",
)
async def remove_attachment(
    item_id: ItemId, attachment_id: AttachmentId, subject: CurrentUser, session: Session
) -> None:
    """An uploaded file's bytes are deleted after the retention period
    (`COMMONHOLD_FILES_RETENTION_DAYS`)."""
    await service.remove_attachment(session, subject, item_id, attachment_id)


# CSV


@router.get(
    "/homes/{home_id}/items.csv",
    operation_id="items_export_csv",
    summary="Export the inventory as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per item."}},
)
async def export_items(home_id: HomeId, subject: CurrentUser, session: Session) -> Response:
    content = await csv_io.export_items(session, subject, home_id)
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="inventory.csv"'},
    )


@router.post(
    "/homes/{home_id}/items/import",
    status_code=status.HTTP_201_CREATED,
    operation_id="items_import_csv",
    summary="Import items from CSV (all or nothing)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string", "maxLength": csv_io.MAX_CHARACTERS},
                    "example": "room,name,manufacturer,purchase_price,metadata\n"
                    'Kitchen,Dishwasher,Bosch,649.99,"{""energy_star"": true}"\n',
                }
            },
        }
    },
)
async def import_items(
    home_id: HomeId, request: Request, subject: CurrentUser, session: Session
) -> ImportReport:
    """Columns: `room` and `name` are required; the others are those of the export.
    Rooms are matched by name and created when missing. If any row is wrong nothing is
    imported, and the problem's `rows` lists each wrong row (1 is the header) and why."""
    try:
        content = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise csv_io.CsvInvalid("The CSV must be UTF-8 text") from exc
    return await csv_io.import_items(session, subject, home_id, content)
