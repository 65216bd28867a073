"""Rendering notification wordings (Jinja2, sandboxed: operators edit them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.notify.models import NotificationTemplate
from commonhold.platform.notify.types import NotificationType, Wording

# A missing variable is an error, never an empty gap in a message someone receives.
_TEXT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
_LAYOUT = _HTML.from_string(
    """<!doctype html>
<html><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1f2933">
{{ body }}
<p style="color: #7b8794; font-size: 12px">You receive this because of your notification
settings in Commonhold.</p>
</body></html>"""
)


class WordingError(Exception):
    """A template that does not render: bad syntax, or a variable the data lacks."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    summary: str
    text: str
    html: str


def render(wording: Wording, data: dict[str, Any]) -> Rendered:
    try:
        subject = _TEXT.from_string(wording.subject).render(data).strip()
        body = _HTML.from_string(wording.html_body).render(data)
        return Rendered(
            subject=" ".join(subject.split()),
            summary=_TEXT.from_string(wording.summary).render(data).strip(),
            text=_TEXT.from_string(wording.text_body).render(data),
            # The body comes from the autoescaping environment: the layout inserts it as is.
            html=_LAYOUT.render(subject=subject, body=Markup(body)),  # noqa: S704
        )
    except TemplateError as error:
        raise WordingError(str(error)) from error


async def wording_of(session: AsyncSession, kind: NotificationType) -> Wording:
    """The operator's wording of ``kind`` if they set one, else the built-in one."""
    override = await session.get(NotificationTemplate, kind.key)
    if override is None:
        return kind.wording
    return Wording(override.subject, override.summary, override.text_body, override.html_body)
