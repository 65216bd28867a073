"""File jobs: processing confirmed uploads, and deleting the bytes of discarded files.

Images are decoded here, in the worker, never in the API process: ``images`` is imported
by the job that needs it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.base import utcnow
from commonhold.platform.db.session import Database
from commonhold.platform.errors import AppError
from commonhold.platform.files.inspection import IMAGE_TYPES
from commonhold.platform.files.models import StoredFile
from commonhold.platform.files.storage import (
    ORIGINAL,
    FileStorage,
    file_key,
    storage_from_settings,
    thumbnail_variant,
)
from commonhold.platform.jobs import JobContext, job_app, settings_of, system_database_of
from commonhold.settings import Settings

# Upload targets expire within minutes; a file still waiting for its bytes after a day
# never gets them.
ABANDONED_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    width: int
    height: int
    thumbnails: dict[int, bytes]


def process_image(data: bytes, max_pixels: int) -> ProcessedImage:
    """Refuse it above ``max_pixels`` (before decoding), drop its location, make thumbnails."""
    from commonhold.platform.files import images

    width, height = images.check_dimensions(data, max_pixels)
    cleaned = images.strip_location(data)
    thumbnails = images.make_thumbnails(cleaned, max_pixels=max_pixels)
    return ProcessedImage(cleaned, width, height, thumbnails)


@job_app.task(name="files.process", pass_context=True)
async def process_file(context: JobContext, file_id: str) -> str:
    """uploaded → processing → ready | failed; returns the final status."""
    settings = settings_of(context)
    database = system_database_of(context)
    async with database.sessionmaker() as session, session.begin():
        stored = await _locked(session, uuid.UUID(file_id))
        if stored is None or stored.status not in ("uploaded", "processing"):
            return "gone"
        stored.status = "processing"  # committed: clients see the work has started
    storage = storage_from_settings(settings)
    async with database.sessionmaker() as session, session.begin():
        stored = await _locked(session, uuid.UUID(file_id))
        if stored is None or stored.status != "processing":
            return "gone"
        try:
            await _process(storage, settings, stored)
        except AppError as refusal:
            await _remove_bytes(storage, stored)
            stored.status, stored.failure_code = "failed", refusal.code
        else:
            stored.status = "ready"
        return stored.status


async def _locked(session: AsyncSession, file_id: uuid.UUID) -> StoredFile | None:
    return await session.scalar(
        select(StoredFile).where(StoredFile.id == file_id).with_for_update()
    )


async def _process(storage: FileStorage, settings: Settings, stored: StoredFile) -> None:
    if stored.content_type not in IMAGE_TYPES:
        return  # a PDF is kept as it came
    key = file_key(stored.space_id, stored.id)
    original = await storage.read(key)
    image = await asyncio.to_thread(process_image, original, settings.image_max_pixels)
    for side, thumbnail in image.thumbnails.items():
        variant = file_key(stored.space_id, stored.id, thumbnail_variant(side))
        await storage.put(variant, thumbnail, "image/webp")
    if image.data != original:
        await storage.put(key, image.data, stored.content_type or "")
    stored.width, stored.height, stored.size = image.width, image.height, len(image.data)
    stored.thumbnail_sides = sorted(image.thumbnails)


async def _remove_bytes(storage: FileStorage, stored: StoredFile) -> None:
    variants = [ORIGINAL, *(thumbnail_variant(side) for side in stored.thumbnail_sides)]
    for variant in variants:
        await storage.delete(file_key(stored.space_id, stored.id, variant))


@job_app.periodic(cron="41 * * * *", periodic_id="files.purge")
@job_app.task(name="files.purge", pass_context=True, queueing_lock="files.purge")
async def purge_files(context: JobContext, timestamp: int) -> int:
    """Every hour: erase what ``purge`` finds."""
    settings = settings_of(context)
    return await purge(system_database_of(context), storage_from_settings(settings), settings)


async def purge(database: Database, storage: FileStorage, settings: Settings) -> int:
    """Delete the bytes and rows of files discarded longer ago than the retention period, and
    of uploads requested a day ago and never confirmed. Returns how many went."""
    now = utcnow()
    async with database.sessionmaker() as session, session.begin():
        due = await session.scalars(
            select(StoredFile)
            .where(
                or_(
                    StoredFile.deleted_at < now - timedelta(days=settings.files_retention_days),
                    (StoredFile.status == "requested")
                    & (StoredFile.created_at < now - ABANDONED_AFTER),
                )
            )
            .limit(1000)
            .with_for_update(skip_locked=True)
        )
        purged = 0
        for stored in due:
            await _remove_bytes(storage, stored)
            await session.delete(stored)
            purged += 1
    return purged
