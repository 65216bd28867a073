"""Outgoing mail: queued with the change that causes it, sent by a job, logged."""

from commonhold.platform.mail.outbox import queue_email
from commonhold.platform.mail.senders import Email, Mailer, build_mailer

__all__ = ["Email", "Mailer", "build_mailer", "queue_email"]
