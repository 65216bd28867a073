"""Mail servers: messages are printed to the log by default, sent over SMTP when configured."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from typing import Protocol

import aiosmtplib
import structlog

from commonhold.settings import Settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    # An HTML alternative to the text, for mail clients that show it.
    html: str | None = None


class Mailer(Protocol):
    async def send(self, email: Email) -> str:
        """Send ``email``; returns what the server answered (for the delivery log)."""
        ...


class LogMailer:
    """Writes each message to the log, so a local install can follow its links."""

    async def send(self, email: Email) -> str:
        log.info("email", to=email.to, subject=email.subject, body=email.text)
        return "written to the log"


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, email: Email) -> str:
        message = MimeMessage()
        message["From"] = self._settings.mail_from
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.text)
        if email.html is not None:
            message.add_alternative(email.html, subtype="html")
        password = self._settings.smtp_password
        _refused, reply = await aiosmtplib.send(
            message,
            hostname=self._settings.smtp_host,
            port=self._settings.smtp_port,
            username=self._settings.smtp_username,
            password=password.get_secret_value() if password else None,
            start_tls=self._settings.smtp_starttls,
        )
        return reply


def build_mailer(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.mailer == "smtp" else LogMailer()


# A message is tried this many times in all before it counts as failed.
SEND_ATTEMPTS = 5


@dataclass(frozen=True)
class Attempt:
    """One try at handing a message over: sent, failed, skipped (nothing to send to) or
    retry (worth another try later)."""

    status: str
    response: str
    error: str | None = None


async def send_email(mailer: Mailer, email: Email) -> Attempt:
    """Hand ``email`` to the mail server: a 5xx answer (the address bounced, the message was
    refused) is final; a 4xx answer or an unreachable server is worth another try."""
    try:
        return Attempt("sent", await mailer.send(email))
    except aiosmtplib.SMTPRecipientsRefused as refused:
        answers = "; ".join(f"{each.code} {each.message}" for each in refused.recipients)
        final = all(each.code >= 500 for each in refused.recipients)
        return Attempt("failed" if final else "retry", answers, "bounced" if final else "deferred")
    except aiosmtplib.SMTPResponseException as error:
        final = error.code >= 500
        return Attempt(
            "failed" if final else "retry",
            f"{error.code} {error.message}",
            "rejected" if final else "deferred",
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        return Attempt("retry", str(error) or type(error).__name__, "unreachable")
