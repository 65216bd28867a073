"""Every SQL statement about card attachments. Queries filter by card; RLS is the safety net."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.models import CardAttachment
from commonhold.platform.files.models import StoredFile
from commonhold.platform.identity.models import User


@dataclass(frozen=True)
class Found:
    attachment: CardAttachment
    stored: StoredFile
    uploader_name: str | None

    @classmethod
    def of(cls, row: Row[Any]) -> Found:
        found = row._mapping
        return cls(found[CardAttachment], found[StoredFile], found["uploader_name"])


def attachments_of_card(card_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    """The card's attachments, each with its file and its uploader's name."""
    return (
        select(CardAttachment, StoredFile, User.display_name.label("uploader_name"))
        .join(StoredFile, StoredFile.id == CardAttachment.file_id)
        .outerjoin(User, User.id == CardAttachment.uploaded_by)
        .where(CardAttachment.card_id == card_id)
    )


async def attachment(
    session: AsyncSession, card_id: uuid.UUID, attachment_id: uuid.UUID
) -> Found | None:
    """One of the card's attachments, locked: its upload is confirmed once."""
    row = (
        await session.execute(
            attachments_of_card(card_id)
            .where(CardAttachment.id == attachment_id)
            .with_for_update(of=CardAttachment)
        )
    ).first()
    return Found.of(row) if row else None
