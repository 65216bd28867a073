"""The password reset link, mailed by a job so that asking costs the same for any address."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform import audit
from commonhold.platform.db.base import utcnow
from commonhold.platform.identity import repository as repo
from commonhold.platform.mail import Email, queue_email
from commonhold.settings import Settings

RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose name, not a secret


async def send_reset_link(session: AsyncSession, settings: Settings, email: str) -> None:
    """Mail a reset link if an active account uses ``email``; otherwise nothing."""
    user = await repo.user_by_email(session, email)
    if user is None or not user.is_active:
        return
    token = await repo.issue_user_token(
        session,
        user.id,
        RESET_PASSWORD,
        utcnow() + timedelta(minutes=settings.password_reset_ttl_minutes),
    )
    link = f"{settings.public_url}/reset-password?token={token}"
    await queue_email(
        session,
        Email(
            to=user.email,
            subject="Reset your password",
            text=(
                f"Hello {user.display_name},\n\n"
                "someone asked to reset your password. If it was you, "
                f"open this link:\n{link}\n\nOr send this token to "
                f"POST /api/v1/auth/password-reset/confirm: {token}\n\n"
                f"It expires in {settings.password_reset_ttl_minutes} minutes. "
                "If it was not you, ignore this message."
            ),
        ),
    )
    await audit.record(session, "user.password_reset_requested", actor_id=user.id)
