"""Notification types: what each says (its built-in templates) and where it goes by default.

Apps declare their types at import; operators may reword any of them (``templates``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commonhold.platform.notify.models import CHANNELS


@dataclass(frozen=True)
class Wording:
    """The four Jinja2 templates of a type: ``subject`` titles the in-app entry, the push
    message and the email; ``summary`` is the in-app and push text; the email has a text and
    an HTML part."""

    subject: str
    summary: str
    text_body: str
    html_body: str


@dataclass(frozen=True)
class NotificationType:
    key: str
    description: str
    wording: Wording
    # Data shaped like what the type is sent with: shown to operators, and every template
    # edit must render with it.
    example: dict[str, Any]
    default_channels: frozenset[str] = field(default_factory=lambda: frozenset(CHANNELS))

    def default_mode(self, channel: str) -> str:
        """How the type reaches someone who has not chosen."""
        return "immediate" if channel in self.default_channels else "off"


NOTIFICATION_TYPES: dict[str, NotificationType] = {}


def notification_type(
    key: str,
    description: str,
    wording: Wording,
    example: dict[str, Any],
    default_channels: frozenset[str] = frozenset(CHANNELS),
) -> NotificationType:
    """Declare a type. Its built-in wording must render with its example."""
    from commonhold.platform.notify.templates import render  # the renderer checks wordings

    declared = NotificationType(key, description, wording, example, default_channels)
    render(wording, example)
    if NOTIFICATION_TYPES.setdefault(key, declared) is not declared:
        raise ValueError(f"two notification types are named {key!r}")
    return declared
