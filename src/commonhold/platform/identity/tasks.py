"""Identity jobs: mailing password reset links, and housekeeping of tokens."""

from __future__ import annotations

from sqlalchemy import delete, text

from commonhold.platform.db.base import utcnow
from commonhold.platform.identity.models import RefreshToken, UserToken
from commonhold.platform.identity.password_reset import send_reset_link
from commonhold.platform.jobs import JobContext, database_of, job_app, settings_of


@job_app.periodic(cron="17 3 * * *", periodic_id="identity.purge_expired_tokens")
@job_app.task(
    name="identity.purge_expired_tokens", pass_context=True, queueing_lock="identity.purge"
)
async def purge_expired_tokens(context: JobContext, timestamp: int) -> int:
    """Delete refresh tokens and email links past their expiry; returns how many went."""
    async with database_of(context).sessionmaker() as session, session.begin():
        await session.execute(text("SELECT set_config('app.user_id', '', true)"))
        now = utcnow()
        refresh = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
        links = await session.execute(delete(UserToken).where(UserToken.expires_at < now))
    return int(refresh.rowcount or 0) + int(links.rowcount or 0)  # type: ignore[attr-defined]


@job_app.task(name="identity.send_password_reset", pass_context=True)
async def send_password_reset(context: JobContext, email: str) -> None:
    async with database_of(context).sessionmaker() as session, session.begin():
        await session.execute(text("SELECT set_config('app.user_id', '', true)"))
        await send_reset_link(session, settings_of(context), email)
