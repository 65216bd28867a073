"""Thin HTTP endpoints for accounts and sessions."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from commonhold.platform.deps import CurrentUser, RateLimiterDep, Session, SettingsDep
from commonhold.platform.identity import service
from commonhold.platform.identity.schemas import (
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    SignupAccepted,
    SignupRequest,
    TokenRequest,
    TokenResponse,
    TotpCodeRequest,
    TotpDisableRequest,
    TotpSetupResponse,
    UserRead,
    UserUpdate,
)
from commonhold.platform.problems import problem_responses

auth = APIRouter(
    prefix="/api/v1/auth", tags=["auth"], responses=problem_responses(400, 413, 422, 429)
)
me = APIRouter(
    prefix="/api/v1/me", tags=["auth"], responses=problem_responses(400, 401, 413, 422, 429)
)


def _client(request: Request) -> service.Client:
    return service.Client(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


@auth.post(
    "/signup",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="auth_signup",
    summary="Sign up: mail a link that confirms the address",
)
async def signup(
    body: SignupRequest,
    request: Request,
    session: Session,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> SignupAccepted:
    """Always answers 202 with the same body, whether or not the address has an account:
    the answer tells nobody which addresses are in use.

    The address gets one mail. For a new address it carries a link whose token
    `POST /auth/verify-email` takes to confirm the address and sign in; until then the
    account cannot log in. For an address whose account is confirmed, it says so instead
    and nothing changes. Signing up again with an unconfirmed address replaces the earlier
    signup (name, password) and its links. Limited like login, per client address.
    """
    await service.signup(session, settings, limiter, body, _client(request).ip or "unknown")
    return SignupAccepted(email=body.email)


@auth.post(
    "/login",
    operation_id="auth_login",
    summary="Exchange email and password for tokens",
    responses=problem_responses(401, 403),
)
async def login(
    body: LoginRequest,
    request: Request,
    session: Session,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenResponse:
    """Limited to 10 attempts a minute per client address and per email (429 + Retry-After).

    An account whose address is not confirmed answers `email_not_verified` (403) to the
    right password, and a new confirmation link is mailed.

    Accounts with two-factor authentication answer `totp_required` until `totp_code` is sent.
    """
    return await service.login(session, settings, limiter, body, _client(request))


@auth.post(
    "/refresh",
    operation_id="auth_refresh",
    summary="Rotate a refresh token",
    responses=problem_responses(401),
)
async def refresh(
    body: RefreshRequest, request: Request, session: Session, settings: SettingsDep
) -> TokenResponse:
    """Each refresh token works once and is replaced by the one returned. Presenting an
    already-rotated token signs out every session descended from the same login
    (`refresh_token_reused`)."""
    return await service.refresh(session, settings, body.refresh_token, _client(request))


@auth.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth_logout",
    summary="Revoke a refresh token and its family",
)
async def logout(body: RefreshRequest, session: Session) -> None:
    await service.logout(session, body.refresh_token)


@auth.post(
    "/verify-email",
    operation_id="auth_verify_email",
    summary="Confirm an email address with the mailed token, and log in",
    responses=problem_responses(400),
)
async def verify_email(
    body: TokenRequest, request: Request, session: Session, settings: SettingsDep
) -> TokenResponse:
    """Each token works once. Logging in to an account whose address is not confirmed
    answers `email_not_verified` and mails a new link."""
    return await service.verify_email(session, settings, body.token, _client(request))


@auth.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="auth_request_password_reset",
    summary="Mail a password reset link",
)
async def request_password_reset(
    body: PasswordResetRequest,
    request: Request,
    session: Session,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> None:
    """Always answers 202, whether or not an account uses the address."""
    await limiter.hit(settings.login_rate_limit, "reset-ip", _client(request).ip or "unknown")
    await service.request_password_reset(session, body.email)


@auth.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth_confirm_password_reset",
    summary="Set a new password with the mailed token",
    responses=problem_responses(400),
)
async def confirm_password_reset(body: PasswordResetConfirm, session: Session) -> None:
    """Signs out every session of the account."""
    await service.reset_password(session, body.token, body.new_password)


@auth.post(
    "/2fa/setup",
    operation_id="auth_totp_setup",
    summary="Start two-factor setup",
    responses=problem_responses(401, 409),
)
async def totp_setup(
    subject: CurrentUser, session: Session, settings: SettingsDep
) -> TotpSetupResponse:
    """Returns a new TOTP secret; two-factor is on once `/2fa/enable` confirms a code."""
    return await service.begin_totp_setup(session, settings, subject.user_id)


@auth.post(
    "/2fa/enable",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth_totp_enable",
    summary="Turn two-factor on with a code from the authenticator",
    responses=problem_responses(401, 409),
)
async def totp_enable(
    body: TotpCodeRequest, subject: CurrentUser, session: Session, settings: SettingsDep
) -> None:
    await service.enable_totp(session, settings, subject.user_id, body.code)


@auth.post(
    "/2fa/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth_totp_disable",
    summary="Turn two-factor off",
    responses=problem_responses(401, 409),
)
async def totp_disable(
    body: TotpDisableRequest, subject: CurrentUser, session: Session, settings: SettingsDep
) -> None:
    await service.disable_totp(session, settings, subject.user_id, body.password, body.code)


@me.get("", operation_id="me_get", summary="The current account")
async def get_me(subject: CurrentUser, session: Session) -> UserRead:
    return service.user_read(await service.current_user(session, subject.user_id))


@me.patch("", operation_id="me_update", summary="Change display name or time zone")
async def update_me(body: UserUpdate, subject: CurrentUser, session: Session) -> UserRead:
    return service.user_read(await service.update_profile(session, subject.user_id, body))
