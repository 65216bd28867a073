"""The job that sends queued mail."""

from __future__ import annotations

import uuid

from commonhold.platform.jobs import JobContext, job_app, settings_of, system_database_of
from commonhold.platform.jobs.reliability import Backoff, RetryLater
from commonhold.platform.mail.delivery import send_queued_email
from commonhold.platform.mail.senders import SEND_ATTEMPTS, build_mailer


@job_app.task(
    name="mail.send",
    pass_context=True,
    retry=Backoff(max_attempts=SEND_ATTEMPTS, base_seconds=5.0),
)
async def send_queued(context: JobContext, email_id: str) -> None:
    async with system_database_of(context).sessionmaker() as session, session.begin():
        retry = await send_queued_email(
            session, build_mailer(settings_of(context)), uuid.UUID(email_id)
        )
    if retry:
        raise RetryLater(email_id)
