"""Operators' side of notifications: the wording of each type."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.notify.errors import NotificationTypeUnknown, WordingInvalid
from commonhold.platform.notify.models import NotificationTemplate
from commonhold.platform.notify.schemas import NotificationTypeRead, WordingBody
from commonhold.platform.notify.templates import WordingError, render
from commonhold.platform.notify.types import NOTIFICATION_TYPES, NotificationType, Wording


def _kind(type_key: str) -> NotificationType:
    kind = NOTIFICATION_TYPES.get(type_key)
    if kind is None:
        raise NotificationTypeUnknown()
    return kind


async def _read(session: AsyncSession, kind: NotificationType) -> NotificationTypeRead:
    override = await session.get(NotificationTemplate, kind.key)
    wording = kind.wording if override is None else override
    return NotificationTypeRead(
        type=kind.key,
        description=kind.description,
        customized=override is not None,
        wording=WordingBody(
            subject=wording.subject,
            summary=wording.summary,
            text_body=wording.text_body,
            html_body=wording.html_body,
        ),
        example=kind.example,
    )


async def notification_types(session: AsyncSession) -> list[NotificationTypeRead]:
    return [
        await _read(session, kind)
        for kind in sorted(NOTIFICATION_TYPES.values(), key=lambda kind: kind.key)
    ]


async def notification_type(session: AsyncSession, type_key: str) -> NotificationTypeRead:
    return await _read(session, _kind(type_key))


async def set_wording(
    session: AsyncSession, operator_id: uuid.UUID, type_key: str, body: WordingBody
) -> NotificationTypeRead:
    """Replace a type's wording, once it renders with the type's example data."""
    kind = _kind(type_key)
    wording = Wording(body.subject, body.summary, body.text_body, body.html_body)
    try:
        render(wording, kind.example)
    except WordingError as error:
        raise WordingInvalid(f"The wording does not render: {error}") from error
    stored = await session.get(NotificationTemplate, type_key)
    if stored is None:
        stored = NotificationTemplate(type=type_key)
        session.add(stored)
    stored.subject, stored.summary = body.subject, body.summary
    stored.text_body, stored.html_body = body.text_body, body.html_body
    stored.updated_by = operator_id
    await session.flush()
    return await _read(session, kind)


async def reset_wording(session: AsyncSession, type_key: str) -> NotificationTypeRead:
    """Back to the built-in wording."""
    kind = _kind(type_key)
    stored = await session.get(NotificationTemplate, type_key)
    if stored is not None:
        await session.delete(stored)
        await session.flush()
    return await _read(session, kind)
