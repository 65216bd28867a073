"""Request and response bodies of the card attachment endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from commonhold.apps.boards import examples
from commonhold.platform import examples as platform_examples
from commonhold.platform.files.models import FileStatus
from commonhold.platform.files.schemas import (
    DeclaredSize,
    DeclaredType,
    FailureCode,
    FileName,
    ThumbnailRead,
    UploadTargetRead,
)
from commonhold.platform.schemas import RequestBody, ResponseBody, Version


class CardAttachmentUploadRequest(RequestBody):
    """A file for a card: a JPEG, PNG, WebP or GIF image, or a PDF."""

    file_name: FileName = Field(examples=[examples.FILE_NAME])
    content_type: DeclaredType = Field(examples=["application/pdf"])
    size: DeclaredSize = Field(examples=[examples.FILE_SIZE])


class CardAttachmentRead(ResponseBody):
    id: uuid.UUID = Field(examples=[platform_examples.ATTACHMENT_ID])
    version: Version
    card_id: uuid.UUID = Field(examples=[examples.CARD_ID])
    uploaded_by: uuid.UUID | None = Field(
        description="Null once the account is gone.", examples=[platform_examples.ADA_ID]
    )
    uploader_name: str | None = Field(examples=[platform_examples.ADA_NAME])
    file_name: str = Field(examples=[examples.FILE_NAME])
    file_type: str = Field(
        description="The declared type until the upload is confirmed; then the type read "
        "from the file's bytes.",
        examples=["application/pdf"],
    )
    file_size: int = Field(description="Bytes.", examples=[examples.FILE_SIZE])
    processing_status: FileStatus = Field(
        description="requested → uploaded → processing → ready, or failed (see `failure_code`).",
        examples=["ready"],
    )
    failure_code: FailureCode
    file_url: str | None = Field(
        description="Once ready, a signed URL that expires: images open in place, anything "
        "else downloads.",
        examples=[f"https://files.example.com/{examples.FILE_NAME}?X-Amz-Signature=..."],
    )
    thumbnails: list[ThumbnailRead] = Field(
        description="WebP thumbnails of a ready image, smallest first."
    )
    created_at: datetime = Field(examples=[examples.CREATED_AT])


class CardAttachmentUpload(ResponseBody):
    attachment: CardAttachmentRead
    upload: UploadTargetRead
