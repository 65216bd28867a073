"""Identity rules: accounts, sessions (refresh token families), email links and two-factor."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform import audit
from commonhold.platform.db.base import utcnow
from commonhold.platform.errors import InvalidToken
from commonhold.platform.identity import repository as repo
from commonhold.platform.identity import security
from commonhold.platform.identity.errors import (
    EmailNotVerified,
    EmailTaken,
    InvalidCredentials,
    LoginFailed,
    RefreshTokenReused,
    TotpInvalid,
    TotpRequired,
    TwoFactorState,
    UserTokenInvalid,
)
from commonhold.platform.identity.models import RefreshToken, User
from commonhold.platform.identity.password_reset import RESET_PASSWORD
from commonhold.platform.identity.schemas import (
    LoginRequest,
    SignupRequest,
    TokenResponse,
    TotpSetupResponse,
    UserRead,
    UserUpdate,
)
from commonhold.platform.identity.tasks import send_password_reset
from commonhold.platform.jobs import defer_in_transaction
from commonhold.platform.mail import Email, queue_email
from commonhold.platform.ratelimit import RateLimiter
from commonhold.settings import Settings

VERIFY_EMAIL = "verify_email"
TOTP_ISSUER = "Commonhold"


@dataclass(frozen=True)
class Client:
    """Where a request came from, recorded on the sessions it opens."""

    ip: str | None
    user_agent: str | None


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        timezone=user.timezone,
        email_verified=user.email_verified_at is not None,
        two_factor_enabled=user.totp_enabled_at is not None,
        created_at=user.created_at,
    )


async def create_user(
    session: AsyncSession, email: str, password: str, display_name: str, timezone: str = "UTC"
) -> User:
    """An account, for operators and demo data; people sign up through ``signup``."""
    if await repo.user_by_email(session, email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        password_hash=security.hash_password(password),
        display_name=display_name,
        timezone=timezone,
    )
    session.add(user)
    await session.flush()
    return user


async def signup(
    session: AsyncSession, settings: Settings, limiter: RateLimiter, body: SignupRequest, ip: str
) -> None:
    """Whether or not the address is in use, signing up hashes the password, writes at most
    one account and mails the address once: the caller learns nothing from the answer.

    The mail says what happened: a new account's link to confirm the address (which signs
    in), or, to the holder of a confirmed account, that they have one already. Until an
    address is confirmed the newest signup takes it over, so nobody can claim an address
    ahead of its owner and keep a password the owner does not know.
    """
    await limiter.hit(settings.login_rate_limit, "signup-ip", ip)
    password_hash = security.hash_password(body.password)
    user = await repo.user_by_email(session, body.email)
    if user is not None and user.email_verified_at is not None:
        await _mail_account_exists(session, settings, user)
        return
    if user is None:
        user = User(email=body.email)
        session.add(user)
    else:
        await repo.expire_user_tokens(session, user.id, VERIFY_EMAIL)
    user.password_hash = password_hash
    user.display_name = body.display_name
    user.timezone = body.timezone
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # a concurrent signup with the same address won; it mails
        return
    await audit.record(
        session, "user.signed_up", actor_id=user.id, target_type="user", target_id=user.id
    )
    await send_email_verification(session, settings, user)


async def _mail_account_exists(session: AsyncSession, settings: Settings, user: User) -> None:
    await queue_email(
        session,
        Email(
            to=user.email,
            subject="You already have an account",
            text=(
                f"Hello {user.display_name},\n\n"
                "someone, perhaps you, tried to sign up with this address, which already "
                f"has an account. Sign in at {settings.public_url}/login, or if you forgot "
                f"your password, ask for a new one at {settings.public_url}/reset-password.\n\n"
                "If it was not you, ignore this message: nothing changed."
            ),
        ),
    )


async def login(
    session: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    body: LoginRequest,
    client: Client,
) -> TokenResponse:
    await limiter.hit(settings.login_rate_limit, "login-ip", client.ip or "unknown")
    await limiter.hit(settings.login_rate_limit, "login-email", body.email)
    user = await repo.user_by_email(session, body.email)
    # verify_password runs argon2 even for an unknown address: both answers take as long.
    if not security.verify_password(user.password_hash if user else None, body.password):
        await audit.record(session, "user.login_failed", actor_id=user.id if user else None)
        raise LoginFailed()
    assert user is not None
    if not user.is_active:
        raise InvalidCredentials()
    if user.email_verified_at is None:
        # Only the right password gets here, so this tells nothing about the address.
        await send_email_verification(session, settings, user)
        raise EmailNotVerified()
    if user.totp_enabled_at is not None:
        if body.totp_code is None:
            raise TotpRequired()
        _accept_totp(settings, user, body.totp_code)
    if security.password_needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(body.password)
    await audit.record(session, "user.logged_in", actor_id=user.id)
    return await _open_session(session, settings, user, client)


async def refresh(
    session: AsyncSession, settings: Settings, refresh_token: str, client: Client
) -> TokenResponse:
    token = await repo.refresh_token_for_update(session, security.hash_opaque_token(refresh_token))
    if token is None or token.revoked_at is not None:
        raise InvalidToken("The refresh token is not valid")
    if token.rotated_at is not None:
        await repo.revoke_family(session, token.family_id)
        await audit.record(
            session,
            "user.refresh_token_reused",
            actor_id=token.user_id,
            target_type="token_family",
            target_id=token.family_id,
        )
        raise RefreshTokenReused()
    if token.expires_at <= utcnow():
        raise InvalidToken("The refresh token has expired; log in again")
    user = await repo.user_by_id(session, token.user_id)
    if user is None or not user.is_active:
        raise InvalidToken("The refresh token is not valid")
    token.rotated_at = utcnow()
    return await _open_session(session, settings, user, client, family_id=token.family_id)


async def logout(session: AsyncSession, refresh_token: str) -> None:
    """Sign out the device holding ``refresh_token``: its whole token family is revoked."""
    token = await repo.refresh_token_for_update(session, security.hash_opaque_token(refresh_token))
    if token is None:
        return
    await repo.revoke_family(session, token.family_id)
    await audit.record(session, "user.logged_out", actor_id=token.user_id)


async def _open_session(
    session: AsyncSession,
    settings: Settings,
    user: User,
    client: Client,
    family_id: uuid.UUID | None = None,
) -> TokenResponse:
    refresh_token = security.new_opaque_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or uuid.uuid4(),
            token_hash=security.hash_opaque_token(refresh_token),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_ttl_days),
            user_agent=(client.user_agent or "")[:300] or None,
            ip_address=client.ip,
        )
    )
    await session.flush()
    return TokenResponse(
        access_token=security.issue_access_token(settings, user.id),
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_seconds,
    )


async def current_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await repo.user_by_id(session, user_id)
    if user is None or not user.is_active:
        raise InvalidToken("The account no longer exists")
    return user


async def update_profile(session: AsyncSession, user_id: uuid.UUID, body: UserUpdate) -> User:
    user = await current_user(session, user_id)
    for field, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(user, field, value)
    await session.flush()
    return user


async def send_email_verification(session: AsyncSession, settings: Settings, user: User) -> None:
    if user.email_verified_at is not None:
        return
    token = await repo.issue_user_token(
        session,
        user.id,
        VERIFY_EMAIL,
        utcnow() + timedelta(minutes=settings.email_token_ttl_minutes),
    )
    link = f"{settings.public_url}/verify-email?token={token}"
    await queue_email(
        session,
        Email(
            to=user.email,
            subject="Confirm your email address",
            text=(
                f"Hello {user.display_name},\n\n"
                f"confirm your address by opening this link:\n{link}\n\n"
                f"Or send this token to POST /api/v1/auth/verify-email: {token}\n\n"
                f"The link expires in {settings.email_token_ttl_minutes // 60} hours."
            ),
        ),
    )


async def verify_email(
    session: AsyncSession, settings: Settings, token: str, client: Client
) -> TokenResponse:
    """Confirm the address the token was mailed to, and sign in: holding the token proves it."""
    user_id = await repo.consume_user_token(
        session, security.hash_opaque_token(token), VERIFY_EMAIL
    )
    if user_id is None:
        raise UserTokenInvalid()
    user = await current_user(session, user_id)
    user.email_verified_at = user.email_verified_at or utcnow()
    await audit.record(session, "user.email_verified", actor_id=user.id)
    return await _open_session(session, settings, user, client)


async def request_password_reset(session: AsyncSession, email: str) -> None:
    """Whether or not an account uses the address, the request does the same work and gets
    the same answer: a job looks the address up and mails the link if there is one."""
    await defer_in_transaction(session, send_password_reset, email=email)


async def reset_password(session: AsyncSession, token: str, new_password: str) -> None:
    user_id = await repo.consume_user_token(
        session, security.hash_opaque_token(token), RESET_PASSWORD
    )
    if user_id is None:
        raise UserTokenInvalid()
    user = await current_user(session, user_id)
    user.password_hash = security.hash_password(new_password)
    await repo.expire_user_tokens(session, user.id, RESET_PASSWORD)
    # Whoever knew the old password may hold sessions: end them all.
    await repo.revoke_user_refresh_tokens(session, user.id)
    await audit.record(session, "user.password_reset", actor_id=user.id)


async def begin_totp_setup(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID
) -> TotpSetupResponse:
    user = await current_user(session, user_id)
    if user.totp_enabled_at is not None:
        raise TwoFactorState("Two-factor authentication is already on")
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = security.encrypt_secret(settings, secret)
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)
    return TotpSetupResponse(secret=secret, otpauth_uri=uri)


async def enable_totp(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, code: str
) -> None:
    user = await current_user(session, user_id)
    if user.totp_enabled_at is not None or user.totp_secret_encrypted is None:
        raise TwoFactorState("Start with POST /api/v1/auth/2fa/setup")
    _accept_totp(settings, user, code)
    user.totp_enabled_at = utcnow()
    await audit.record(session, "user.two_factor_enabled", actor_id=user.id)


async def disable_totp(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, password: str, code: str
) -> None:
    user = await current_user(session, user_id)
    if user.totp_enabled_at is None:
        raise TwoFactorState("Two-factor authentication is not on")
    if not security.verify_password(user.password_hash, password):
        raise InvalidCredentials()
    _accept_totp(settings, user, code)
    user.totp_enabled_at = None
    user.totp_secret_encrypted = None
    user.totp_last_timestep = None
    await audit.record(session, "user.two_factor_disabled", actor_id=user.id)


def _accept_totp(settings: Settings, user: User, code: str) -> None:
    """Accept a code of the current, previous or next 30 s step, each step at most once."""
    if user.totp_secret_encrypted is None:
        raise TotpInvalid()
    totp = pyotp.TOTP(security.decrypt_secret(settings, user.totp_secret_encrypted))
    now = datetime.now(UTC)
    for drift in (0, -1, 1):
        moment = now + timedelta(seconds=drift * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            timestep = totp.timecode(moment)
            if user.totp_last_timestep is not None and timestep <= user.totp_last_timestep:
                break
            user.totp_last_timestep = timestep
            return
    raise TotpInvalid()
