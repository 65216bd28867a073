"""Stored files: one row per upload, whichever app it belongs to."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from commonhold.platform.db.base import Base, created_at_column, updated_at_column, uuid_pk
from commonhold.platform.files.inspection import FILE_USES, FileUse

# requested: an upload target was handed out; uploaded: the bytes passed inspection and a job
# will process them; processing: the job is at work; ready: served; failed: refused or broken.
FileStatus = Literal["requested", "uploaded", "processing", "ready", "failed"]
FILE_STATUSES: tuple[FileStatus, ...] = get_args(FileStatus)


class StoredFile(Base):
    """An uploaded file of a space. Its bytes live in storage under ``{space_id}/{id}/...``:
    the original, and WebP thumbnails of images (``thumbnail_sides``)."""

    __tablename__ = "files"
    __table_args__ = (
        CheckConstraint(f"status IN {FILE_STATUSES}", name="status"),
        CheckConstraint(f"use IN {FILE_USES}", name="use"),
        CheckConstraint("declared_size >= 0", name="declared_size"),
        Index("ix_files_space_id", "space_id"),
        # The purge looks for files deleted, or requested and never confirmed, long ago.
        Index("ix_files_deleted_at", "deleted_at", postgresql_where="deleted_at IS NOT NULL"),
        Index("ix_files_requested", "created_at", postgresql_where="status = 'requested'"),
        {"schema": "platform"},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    space_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("platform.spaces.id", ondelete="CASCADE")
    )
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform.users.id", ondelete="SET NULL")
    )
    use: Mapped[FileUse] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    declared_type: Mapped[str] = mapped_column(String(100))
    declared_size: Mapped[int] = mapped_column(BigInteger)
    # What inspection found; set once the upload is confirmed.
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    thumbnail_sides: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), default=list, server_default="{}"
    )
    status: Mapped[FileStatus] = mapped_column(String(16), default="requested")
    failure_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    # Set when what owned the file was deleted; the bytes go once retention has passed.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
