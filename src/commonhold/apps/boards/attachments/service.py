"""Card attachment rules: board members attach files to cards, observers see them; whoever
attached a file, or a board admin, removes it.

Files go through the files platform: request a target, upload, confirm, processed by a job.
Every plan attaches files; the workspace's plan caps a file's size (``workspace.file_mb``),
and nothing is attached while its payment is past due. A removed attachment's file is
discarded by the database (migration 0014), as are those of cards, lists and boards deleted
with theirs: the bytes are erased once the files retention period has passed.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards import activity
from commonhold.apps.boards.access import BoardPermission, access_card
from commonhold.apps.boards.attachments import repository as repo
from commonhold.apps.boards.attachments.schemas import (
    CardAttachmentRead,
    CardAttachmentUpload,
    CardAttachmentUploadRequest,
)
from commonhold.apps.boards.boards import repository as boards_repo
from commonhold.apps.boards.errors import AttachmentNotFound, NotAttachmentUploader
from commonhold.apps.boards.models import CardAttachment
from commonhold.platform.authz import AuthSubject
from commonhold.platform.billing import limits
from commonhold.platform.files import service as files
from commonhold.platform.files.inspection import FileUse
from commonhold.platform.files.schemas import ThumbnailRead, UploadTargetRead
from commonhold.platform.files.storage import FileStorage
from commonhold.platform.pagination import Page, paginate
from commonhold.settings import Settings

FILE_MB = "workspace.file_mb"
# Images and PDFs; images get thumbnails.
USE: FileUse = "document"


async def _attachment(
    session: AsyncSession, card_id: uuid.UUID, attachment_id: uuid.UUID
) -> repo.Found:
    found = await repo.attachment(session, card_id, attachment_id)
    if found is None:
        raise AttachmentNotFound()
    return found


async def _read(storage: FileStorage, settings: Settings, found: repo.Found) -> CardAttachmentRead:
    attachment, stored = found.attachment, found.stored
    served = await files.links(storage, settings, stored)
    return CardAttachmentRead(
        id=attachment.id,
        version=attachment.version,
        card_id=attachment.card_id,
        uploaded_by=attachment.uploaded_by,
        uploader_name=found.uploader_name,
        file_name=attachment.file_name,
        file_type=stored.content_type or stored.declared_type,
        # Processing may change it (location data stripped from a photo).
        file_size=stored.size if stored.size is not None else stored.declared_size,
        processing_status=stored.status,
        failure_code=stored.failure_code,
        file_url=served.url,
        thumbnails=[ThumbnailRead.model_validate(t) for t in served.thumbnails],
        created_at=attachment.created_at,
    )


async def request_upload(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    subject: AuthSubject,
    card_id: uuid.UUID,
    body: CardAttachmentUploadRequest,
) -> CardAttachmentUpload:
    """The attachment, waiting for its file, and where the client sends the bytes."""
    card, _ = await access_card(session, subject, card_id, BoardPermission.WRITE)
    tier = await limits.tier_of_space(session, card.space_id)
    limits.ensure_in_good_standing(tier)
    stored, target = await files.request_upload(
        session,
        storage,
        settings,
        space_id=card.space_id,
        uploaded_by=subject.user_id,
        use=USE,
        file_name=body.file_name,
        declared_type=body.content_type,
        size=body.size,
        max_bytes=await files.max_upload_bytes(session, settings, tier, FILE_MB),
    )
    attachment = CardAttachment(
        space_id=card.space_id,
        board_id=card.board_id,
        card_id=card.id,
        file_id=stored.id,
        uploaded_by=subject.user_id,
        file_name=stored.file_name,
        file_type=stored.declared_type,
        file_size=stored.declared_size,
    )
    session.add(attachment)
    await session.flush()
    uploader = await boards_repo.display_name(session, subject.user_id)
    return CardAttachmentUpload(
        attachment=await _read(storage, settings, repo.Found(attachment, stored, uploader)),
        upload=UploadTargetRead.model_validate(target),
    )


async def confirm_upload(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    subject: AuthSubject,
    card_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> CardAttachmentRead:
    """Check what arrived. Refused: the bytes are deleted, the attachment shows ``failed``
    with the code the caller gets. Accepted: it is on the board's activity, and a job makes
    it ready."""
    card, access = await access_card(session, subject, card_id, BoardPermission.WRITE)
    found = await _attachment(session, card.id, attachment_id)
    attachment, stored = found.attachment, found.stored
    tier = await limits.tier_of_space(session, card.space_id)
    max_bytes = await files.max_upload_bytes(session, settings, tier, FILE_MB)
    await files.confirm_upload(session, storage, stored, max_bytes)
    attachment.file_type = stored.content_type or attachment.file_type
    attachment.file_size = stored.size or attachment.file_size
    await session.flush()
    activity.record(
        session,
        subject,
        access.board,
        "attachment.added",
        card.id,
        attachment_id=attachment.id,
        file_name=attachment.file_name,
    )
    return await _read(storage, settings, found)


async def list_attachments(
    session: AsyncSession,
    storage: FileStorage,
    settings: Settings,
    subject: AuthSubject,
    card_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[CardAttachmentRead]:
    """Oldest first, whatever their status."""
    card, _ = await access_card(session, subject, card_id, BoardPermission.READ)
    page = await paginate(
        session,
        repo.attachments_of_card(card.id),
        (CardAttachment.created_at, CardAttachment.id),
        cursor,
        limit,
        repo.Found.of,
    )
    return Page(
        items=[await _read(storage, settings, found) for found in page.items],
        next_cursor=page.next_cursor,
    )


async def remove_attachment(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, attachment_id: uuid.UUID
) -> None:
    """Whoever attached it, while they may change the board, or a board admin."""
    card, access = await access_card(session, subject, card_id, BoardPermission.WRITE)
    attachment = (await _attachment(session, card.id, attachment_id)).attachment
    if attachment.uploaded_by != subject.user_id and not access.allows(BoardPermission.MANAGE):
        raise NotAttachmentUploader()
    await session.delete(attachment)
    await session.flush()
    activity.record(
        session,
        subject,
        access.board,
        "attachment.removed",
        card.id,
        attachment_id=attachment.id,
        file_name=attachment.file_name,
    )
