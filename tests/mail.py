"""The tests' mail catcher: a real SMTP server (aiosmtpd) keeping what it receives."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller

VERIFY_SUBJECT = "Confirm your email address"
VERIFY_LINE = re.compile(r"POST /api/v1/auth/verify-email: ([A-Za-z0-9_-]+)")


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"

    async def wait_for(self, to: str, subject_contains: str = "", seconds: float = 5.0) -> Message:
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            for message in reversed(self.messages):
                if message["To"] == to and subject_contains in (message["Subject"] or ""):
                    return message
            await asyncio.sleep(0.02)
        raise AssertionError(f"no mail to {to} with {subject_contains!r} arrived")

    def to(self, address: str, subject_contains: str) -> list[Message]:
        """The messages to ``address`` whose subject contains ``subject_contains``, oldest first."""
        return [
            message
            for message in self.messages
            if message["To"] == address and subject_contains in (message["Subject"] or "")
        ]

    async def tokens(
        self, to: str, subject: str, line: re.Pattern[str], count: int = 1
    ) -> list[str]:
        """The tokens of the first ``count`` mails to ``to`` with ``subject``, oldest first."""
        deadline = asyncio.get_running_loop().time() + 5.0
        while asyncio.get_running_loop().time() < deadline:
            mails = self.to(to, subject)
            if len(mails) >= count:
                tokens: list[str] = []
                for mail in mails[:count]:
                    match = line.search(mail_part(mail, "text/plain"))
                    assert match is not None, mail_part(mail, "text/plain")
                    tokens.append(match.group(1))
                return tokens
            await asyncio.sleep(0.02)
        raise AssertionError(f"{count} mail(s) to {to} with {subject!r} did not arrive")

    async def verification_token(self, to: str) -> str:
        """The token of the first address confirmation link mailed to ``to``."""
        return (await self.tokens(to, VERIFY_SUBJECT, VERIFY_LINE))[0]


_session_inbox: Inbox | None = None


@contextmanager
def serve_inbox(port: int) -> Iterator[Inbox]:
    """Receive mail on ``port`` for the whole test session."""
    global _session_inbox
    handler = Inbox(port)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    _session_inbox = handler
    try:
        yield handler
    finally:
        controller.stop()
        _session_inbox = None


def session_inbox() -> Inbox:
    """The inbox every test's mail goes to (the ``inbox`` fixture's)."""
    assert _session_inbox is not None, "use the inbox fixture (settings depends on it)"
    return _session_inbox


def mail_part(message: Message, content_type: str) -> str:
    """The decoded text of a message's part of this type (text/plain, text/html)."""
    part = next(part for part in message.walk() if part.get_content_type() == content_type)
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")
