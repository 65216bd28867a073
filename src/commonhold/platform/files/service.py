"""The upload flow, for any app: request a target, let the client upload, confirm, process.

1. ``request_upload`` checks the declared name, type and size against the use and the plan's
   limit, records the file as ``requested`` and returns a signed target for exactly that size.
2. The client sends the bytes straight to storage (S3, or this server's ``/files`` prefix).
3. ``confirm_upload`` reads the stored size and first bytes: the real type comes from them.
   A refused upload is deleted from storage and recorded as ``failed`` with the problem code
   the caller gets; an accepted one is ``uploaded`` and queued for ``files.process``.
4. The job (``tasks.py``) checks image dimensions, strips location data from photos and makes
   WebP thumbnails: ``processing`` → ``ready``, or ``failed``. Only ``ready`` files are served.

Apps own the rows that point at files, and call ``discard`` when those go (or set the files'
``deleted_at`` from a trigger, where rows also go by cascading deletes): the bytes are deleted
once ``files_retention_days`` have passed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.billing import limits
from commonhold.platform.billing.models import UNLIMITED
from commonhold.platform.db.base import utcnow
from commonhold.platform.errors import AppError, Conflict
from commonhold.platform.files.inspection import (
    HEAD_BYTES,
    FileUse,
    check_declared,
    inspect_upload,
    media_type,
)
from commonhold.platform.files.models import StoredFile
from commonhold.platform.files.storage import (
    OCTET_STREAM,
    FileNotFound,
    FileStorage,
    UploadTarget,
    file_key,
    thumbnail_variant,
)
from commonhold.platform.files.tasks import process_file
from commonhold.platform.jobs import defer_in_transaction
from commonhold.settings import Settings

MEBIBYTE = 1024 * 1024


class UploadNotReceived(Conflict):
    code = "upload_not_received"
    title = "Nothing was uploaded to the target yet"


class UploadAlreadyConfirmed(Conflict):
    code = "upload_already_confirmed"
    title = "This upload was confirmed already"


@dataclass(frozen=True)
class Thumbnail:
    side: int
    url: str


@dataclass(frozen=True)
class FileLinks:
    """Signed, expiring URLs of a ready file; none for any other status."""

    url: str | None
    thumbnails: list[Thumbnail]


async def max_upload_bytes(
    session: AsyncSession, settings: Settings, tier: str, limit_key: str
) -> int:
    """The largest upload ``tier`` allows: its ``limit_key`` (``home.file_mb``, in MiB),
    within the server's own limit."""
    file_mb = await limits.limit_of(session, tier, limit_key)
    if file_mb == UNLIMITED:
        return settings.files_max_upload_bytes
    return min(file_mb * MEBIBYTE, settings.files_max_upload_bytes)


async def request_upload(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    *,
    space_id: uuid.UUID,
    uploaded_by: uuid.UUID,
    use: FileUse,
    file_name: str,
    declared_type: str | None,
    size: int,
    max_bytes: int,
) -> tuple[StoredFile, UploadTarget]:
    check_declared(use, declared_type, size, max_bytes)
    declared = media_type(declared_type) or OCTET_STREAM
    stored = StoredFile(
        id=uuid.uuid4(),
        space_id=space_id,
        uploaded_by=uploaded_by,
        use=use,
        file_name=file_name,
        declared_type=declared,
        declared_size=size,
        status="requested",
    )
    session.add(stored)
    await session.flush()
    target = await storage.signed_put_target(
        file_key(space_id, stored.id),
        content_type=declared,
        size=size,
        expires_in=settings.files_upload_url_ttl_seconds,
    )
    return stored, target


async def confirm_upload(
    session: AsyncSession, storage: FileStorage, stored: StoredFile, max_bytes: int
) -> None:
    """Inspect what arrived; queue it for processing, or delete it and raise the refusal
    (which commits the ``failed`` status it recorded)."""
    if stored.status != "requested":
        raise UploadAlreadyConfirmed(extra={"status": stored.status})
    key = file_key(stored.space_id, stored.id)
    try:
        size = await storage.size(key)
    except FileNotFound:
        raise UploadNotReceived() from None
    head = await storage.read_head(key, HEAD_BYTES)
    try:
        detected = inspect_upload(head, stored.use, stored.declared_type, size, max_bytes)
    except AppError as refusal:
        await storage.delete(key)
        stored.status, stored.failure_code, stored.size = "failed", refusal.code, size
        await session.flush()
        raise
    stored.status, stored.content_type, stored.size = "uploaded", detected, size
    await session.flush()
    await defer_in_transaction(session, process_file, file_id=str(stored.id))


async def links(
    storage: FileStorage, settings: Settings, stored: StoredFile, *, download: bool = False
) -> FileLinks:
    if stored.status != "ready" or stored.content_type is None:
        return FileLinks(url=None, thumbnails=[])
    expires_in = settings.files_download_url_ttl_seconds
    url = await storage.signed_get_url(
        file_key(stored.space_id, stored.id),
        filename=stored.file_name,
        content_type=stored.content_type,
        expires_in=expires_in,
        download=download,
    )
    thumbnails = [
        await thumbnail(storage, settings, stored.space_id, stored.id, stored.file_name, side)
        for side in sorted(stored.thumbnail_sides)
    ]
    return FileLinks(url=url, thumbnails=thumbnails)


async def thumbnail(
    storage: FileStorage,
    settings: Settings,
    space_id: uuid.UUID,
    file_id: uuid.UUID,
    file_name: str,
    side: int,
) -> Thumbnail:
    """A signed, expiring URL of one of a ready image's thumbnails."""
    url = await storage.signed_get_url(
        file_key(space_id, file_id, thumbnail_variant(side)),
        filename=f"{file_name}.{side}.webp",
        content_type="image/webp",
        expires_in=settings.files_download_url_ttl_seconds,
    )
    return Thumbnail(side=side, url=url)


def discard(stored: StoredFile) -> None:
    """What owned the file is gone: its bytes are deleted after the retention period."""
    stored.deleted_at = stored.deleted_at or utcnow()


def restore(stored: StoredFile) -> None:
    stored.deleted_at = None
