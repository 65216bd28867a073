"""Notification jobs: one per delivery, and the digests."""

from __future__ import annotations

import uuid

from commonhold.platform.jobs import JobContext, job_app, settings_of, system_database_of
from commonhold.platform.jobs.reliability import Backoff, RetryLater
from commonhold.platform.mail import build_mailer
from commonhold.platform.mail.senders import SEND_ATTEMPTS
from commonhold.platform.notify import repository as repo
from commonhold.platform.notify.delivery import attempt_delivery
from commonhold.platform.notify.digest import send_digest


@job_app.task(
    name="notify.deliver",
    pass_context=True,
    # The delivery log counts attempts too, and gives up at SEND_ATTEMPTS.
    retry=Backoff(max_attempts=SEND_ATTEMPTS, base_seconds=5.0),
)
async def deliver(context: JobContext, delivery_id: str) -> str:
    """Send one email or push delivery; returns its status afterwards."""
    settings = settings_of(context)
    async with system_database_of(context).sessionmaker() as session, session.begin():
        outcome = await attempt_delivery(
            session, build_mailer(settings), settings.vapid_subject, uuid.UUID(delivery_id)
        )
    if outcome.retry:
        raise RetryLater(delivery_id)
    return outcome.status


@job_app.periodic(cron="*/5 * * * *", periodic_id="notify.send_digests")
@job_app.task(name="notify.send_digests", pass_context=True, queueing_lock="notify.digests")
async def send_digests(context: JobContext, timestamp: int) -> int:
    """Every five minutes: the digest of everyone whose digest time has come; returns how
    many entries went out. One transaction per person, so one failure holds up nobody else."""
    settings = settings_of(context)
    mailer = build_mailer(settings)
    database = system_database_of(context)
    async with database.sessionmaker() as session:
        waiting = await repo.users_with_digest_waiting(session)
    sent = 0
    for user_id in waiting:
        async with database.sessionmaker() as session, session.begin():
            sent += await send_digest(session, mailer, user_id)
    return sent
