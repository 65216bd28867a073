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
    SignupRequest,
    TokenRequest,
    TokenResponse,
    TotpCodeRequest,
    TotpDisableRequest,
    TotpSetupResponse,
    UserRead,
    UserUpdate,
    VerificationStatus,
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
    status_code=status.HTTP_201_CREATED,
    operation_id="auth_signup",
    summary="Create an account and log in",
    responses=problem_responses(409),
)
async def signup(
    body: SignupRequest,
    request: Request,
    session: Session,
    settings: SettingsDep,
) -> TokenResponse:
    """Creates the account, mails a verification link and returns a first token pair."""
    return await service.signup(session, settings, body, _client(request))


@auth.post(
    "/login",
    operation_id="auth_login",
    summary="Exchange email and password for tokens",
    responses=problem_responses(401),
)
async def login(
    body: LoginRequest,
    request: Request,
    session: Session,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenResponse:
    """Limited to 10 attempts a minute per client address and per email (429 + Retry-After).

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
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth_verify_email",
    summary="Confirm an email address with the mailed token",
    responses=problem_responses(400),
)
async def verify_email(body: TokenRequest, session: Session) -> None:
    await service.verify_email(session, body.token)


@auth.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="auth_resend_verification",
    summary="Mail a new verification link",
    responses=problem_responses(401),
)
async def resend_verification(
    subject: CurrentUser, session: Session, settings: SettingsDep
) -> VerificationStatus:
    """Nothing is mailed to an address that is confirmed already."""
    user = await service.current_user(session, subject.user_id)
    await service.send_email_verification(session, settings, user)
    return VerificationStatus(email=user.email, email_verified=user.email_verified_at is not None)


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
