"""Request and response bodies of the inventory endpoints."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, JsonValue, StringConstraints

from commonhold.platform.files.inspection import FileUse
from commonhold.platform.files.models import FileStatus
from commonhold.platform.files.schemas import (
    DeclaredSize,
    DeclaredType,
    FailureCode,
    FileName,
    ThumbnailRead,
    UploadTargetRead,
)
from commonhold.platform.schemas import (
    MaxTextLength,
    Name,
    RequestBody,
    ResponseBody,
    Version,
    VersionedUpdate,
)

HomeType = Literal[
    "single_family", "townhouse", "condo", "apartment", "duplex", "mobile_home", "cabin", "other"
]
Condition = Literal["excellent", "good", "fair", "poor"]
Role = Literal["owner", "admin", "editor", "viewer"]
# What an item's uploads are; the files platform knows other uses too.
ItemFileUse = Literal["photo", "receipt", "manual"]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=50)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
# Ten digits and a point, with room for spaces and leading zeros.
Price = Annotated[
    Decimal,
    Field(ge=0, max_digits=10, decimal_places=2, examples=["649.99"]),
    MaxTextLength(20),
]
MAX_METADATA_BYTES = 16_384


def _small_metadata(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise ValueError(f"must be at most {MAX_METADATA_BYTES} bytes as JSON")
    return value


Metadata = Annotated[
    dict[str, JsonValue],
    AfterValidator(_small_metadata),
    Field(
        description="Free-form attributes of this kind of item: a JSON object of at most "
        f"{MAX_METADATA_BYTES} bytes as JSON (`x-max-bytes`).",
        examples=[{"fuel_type": "gas", "btu_rating": 80000}],
        json_schema_extra={"x-max-bytes": MAX_METADATA_BYTES},
    ),
]


class HomeFields(RequestBody):
    address: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, examples=["12 Maple Street, Springfield"]
    )
    home_type: HomeType | None = Field(default=None, examples=["single_family"])
    year_built: int | None = Field(default=None, ge=1000, le=2200, examples=[1987])
    square_feet: int | None = Field(default=None, gt=0, le=10_000_000, examples=[1850])


class HomeCreate(HomeFields):
    name: Name = Field(examples=["Maple Street house"])


class HomeUpdate(HomeFields):
    name: Name | None = Field(default=None, examples=["Lake house"])


class HomeRead(ResponseBody):
    id: uuid.UUID
    name: str = Field(examples=["Maple Street house"])
    role: Role = Field(description="The caller's role in this home.")
    address: str | None
    home_type: str | None
    year_built: int | None
    square_feet: int | None
    photo_url: str | None
    created_at: datetime
    deleted_at: datetime | None = None


class RoomFields(RequestBody):
    room_type: Label | None = Field(default=None, examples=["kitchen"])
    floor: int | None = Field(default=None, ge=-10, le=200, examples=[0])
    notes: LongText | None = None
    sort_order: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Position in the home's room list."
    )


class RoomCreate(RoomFields):
    name: Name = Field(examples=["Kitchen"])


class RoomUpdate(RoomFields, VersionedUpdate):
    name: Name | None = None


class RoomOrder(RequestBody):
    room_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=1000,
        description="Every room of the home, in the order to show them.",
    )


class RoomRead(ResponseBody):
    id: uuid.UUID
    version: Version
    home_id: uuid.UUID = Field(validation_alias="space_id")
    name: str = Field(examples=["Kitchen"])
    room_type: str | None
    floor: int | None
    notes: str | None
    sort_order: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class ItemFields(RequestBody):
    description: LongText | None = None
    category: Label | None = Field(default=None, examples=["appliance"])
    manufacturer: ShortText | None = Field(default=None, examples=["Bosch"])
    model_number: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, examples=["SHXM78Z55N"]
    )
    serial_number: Annotated[str, StringConstraints(max_length=100)] | None = None
    purchase_date: date | None = Field(default=None, examples=["2023-04-18"])
    purchase_price: Price | None = None
    warranty_until: date | None = Field(default=None, examples=["2026-04-18"])
    condition: Condition | None = Field(default=None, examples=["good"])


class ItemCreate(ItemFields):
    name: Name = Field(examples=["Dishwasher"])
    metadata: Metadata = Field(default_factory=dict)


class ItemUpdate(ItemFields, VersionedUpdate):
    name: Name | None = None
    room_id: uuid.UUID | None = Field(default=None, description="Move the item to another room.")
    metadata: Metadata | None = None


class ItemRead(ResponseBody):
    id: uuid.UUID
    version: Version
    home_id: uuid.UUID = Field(validation_alias="space_id")
    room_id: uuid.UUID
    name: str = Field(examples=["Dishwasher"])
    description: str | None
    category: str | None
    manufacturer: str | None
    model_number: str | None
    serial_number: str | None
    purchase_date: date | None
    purchase_price: Decimal | None = Field(description="A decimal string, two places.")
    warranty_until: date | None
    condition: str | None
    metadata: dict[str, JsonValue] = Field(validation_alias="metadata_")
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class ItemSummary(ResponseBody):
    """An item as the inventory screen lists it."""

    id: uuid.UUID
    name: str = Field(examples=["Dishwasher"])
    category: str | None
    manufacturer: str | None
    condition: str | None
    warranty_until: date | None
    attachment_count: int
    photo: ThumbnailRead | None = Field(
        default=None,
        description="The smallest thumbnail of the item's first photo, once it is ready.",
    )


class InventoryRoom(ResponseBody):
    id: uuid.UUID
    name: str = Field(examples=["Kitchen"])
    room_type: str | None
    floor: int | None
    sort_order: int
    items: list[ItemSummary] = Field(default_factory=list)


class Inventory(ResponseBody):
    home_id: uuid.UUID
    name: str = Field(examples=["Maple Street house"])
    role: Role
    rooms: list[InventoryRoom]


class AttachmentCreate(RequestBody):
    """A link to a file kept elsewhere. Files people upload go through
    `POST /items/{item_id}/attachments/uploads` instead."""

    file_url: Annotated[
        str, StringConstraints(min_length=1, max_length=2000, pattern=r"^https?://")
    ] = Field(examples=["https://example.com/manuals/SHXM78Z55N.pdf"])
    file_type: Annotated[str, StringConstraints(min_length=3, max_length=100)] = Field(
        examples=["application/pdf"]
    )
    file_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        examples=["manual.pdf"]
    )
    file_size: int | None = Field(default=None, ge=0, le=2**31 - 1)


class UploadRequest(RequestBody):
    use: ItemFileUse = Field(
        description="photo: JPEG, PNG, WebP or GIF; receipt and manual: those or PDF.",
        examples=["photo"],
    )
    file_name: FileName = Field(examples=["furnace.jpg"])
    content_type: DeclaredType = Field(examples=["image/jpeg"])
    size: DeclaredSize = Field(examples=[2_481_152])


class AttachmentRead(ResponseBody):
    id: uuid.UUID
    item_id: uuid.UUID
    use: FileUse | None = Field(
        description="For uploaded files; links have none.", examples=["photo"]
    )
    processing_status: FileStatus = Field(
        description="Uploaded files move requested → uploaded → processing → ready, or to "
        "failed (see `failure_code`); links are always ready.",
        examples=["ready"],
    )
    failure_code: FailureCode = None
    file_url: str | None = Field(
        description="The link; for an uploaded file, a signed URL that expires, once ready.",
        examples=["https://example.com/manuals/SHXM78Z55N.pdf"],
    )
    file_type: str = Field(
        description="For an uploaded file, the type read from its bytes once confirmed.",
        examples=["application/pdf"],
    )
    file_name: str = Field(examples=["manual.pdf"])
    file_size: int | None
    thumbnails: list[ThumbnailRead] = Field(
        default_factory=list, description="WebP thumbnails of a ready photo, smallest first."
    )
    created_at: datetime


class AttachmentUpload(ResponseBody):
    attachment: AttachmentRead
    upload: UploadTargetRead


class ImportReport(ResponseBody):
    created: int = Field(description="Items created.")
    rooms_created: list[str] = Field(description="Rooms the import created by name.")
