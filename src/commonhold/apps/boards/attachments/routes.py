"""Thin HTTP endpoints of card attachments."""

from __future__ import annotations

from fastapi import APIRouter, status

from commonhold.apps.boards.attachments import service
from commonhold.apps.boards.attachments.schemas import (
    CardAttachmentRead,
    CardAttachmentUpload,
    CardAttachmentUploadRequest,
)
from commonhold.apps.boards.params import AttachmentId, CardId
from commonhold.platform.deps import CurrentUser, FileStorageDep, Session, SettingsDep
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses

router = APIRouter(
    prefix="/api/v1",
    tags=["boards"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 429),
)


@router.post(
    "/cards/{card_id}/attachments/uploads",
    status_code=status.HTTP_201_CREATED,
    operation_id="card_attachments_request_upload",
    summary="Start attaching a file to a card",
    responses=problem_responses(415),
)
async def request_upload(
    card_id: CardId,
    body: CardAttachmentUploadRequest,
    subject: CurrentUser,
    session: Session,
    storage: FileStorageDep,
    settings: SettingsDep,
) -> CardAttachmentUpload:
    """Board members and admins. Creates the attachment (status `requested`) and returns
    where to send the bytes: one `PUT` of exactly `size` bytes with the given headers,
    straight to storage. Then call `POST .../attachments/{attachment_id}/confirm`.

    Refused at once: a size over the workspace plan's `workspace.file_mb`
    (`413 file_too_large`, with `max_bytes`), a declared type other than an image or a PDF
    (`415 file_type_not_allowed`), a plan whose payment is past due
    (`403 subscription_past_due`).
    """
    return await service.request_upload(session, storage, settings, subject, card_id, body)


@router.post(
    "/cards/{card_id}/attachments/{attachment_id}/confirm",
    operation_id="card_attachments_confirm_upload",
    summary="Confirm an attachment's upload: check it and process it",
    responses=problem_responses(415),
)
async def confirm_upload(
    card_id: CardId,
    attachment_id: AttachmentId,
    subject: CurrentUser,
    session: Session,
    storage: FileStorageDep,
    settings: SettingsDep,
) -> CardAttachmentRead:
    """Reads the type from the file's first bytes, whatever its name or declared type.

    Refused, with the bytes deleted and the attachment left `failed` under the same code:
    an executable, script, HTML or SVG file, or anything but an image or a PDF
    (`415 file_type_not_allowed`); a file declared as an image that is none
    (`415 file_type_mismatch`); a file over the plan's limit (`413 file_too_large`).
    Accepted: `uploaded`, and on the board's activity (`attachment.added`); a job strips
    location data from photos, refuses images over 50 megapixels (`image_too_large`) and
    makes WebP thumbnails, then the attachment is `ready`. `409 upload_not_received` if the
    bytes have not arrived yet, `409 upload_already_confirmed` the second time.
    """
    return await service.confirm_upload(session, storage, settings, subject, card_id, attachment_id)


@router.get(
    "/cards/{card_id}/attachments",
    operation_id="card_attachments_list",
    summary="A card's attachments",
)
async def list_attachments(
    card_id: CardId,
    subject: CurrentUser,
    session: Session,
    storage: FileStorageDep,
    settings: SettingsDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[CardAttachmentRead]:
    """Oldest first, with their status. Ready ones carry signed URLs (the file and, for an
    image, its thumbnails) that expire after 15 minutes: list again for fresh ones."""
    return await service.list_attachments(
        session, storage, settings, subject, card_id, cursor, limit
    )


@router.delete(
    "/cards/{card_id}/attachments/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="card_attachments_delete",
    summary="Remove an attachment from a card",
)
async def remove_attachment(
    card_id: CardId, attachment_id: AttachmentId, subject: CurrentUser, session: Session
) -> None:
    """Whoever attached the file, or a board admin (`403 not_attachment_uploader` for other
    members). It disappears at once; its bytes are erased after the retention period
    (`COMMONHOLD_FILES_RETENTION_DAYS`)."""
    await service.remove_attachment(session, subject, card_id, attachment_id)
