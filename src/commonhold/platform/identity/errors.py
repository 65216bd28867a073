from __future__ import annotations

from commonhold.platform.errors import AppError, Conflict, InvalidToken, Unauthorized


class EmailTaken(Conflict):
    code = "email_taken"
    title = "An account with this email already exists"


class EmailNotVerified(AppError):
    """The right password for an account whose address is not confirmed: a new link is
    mailed, and the request commits so that it goes out."""

    status = 403
    code = "email_not_verified"
    title = "Confirm your email address first: we mailed you a new link"
    keep_changes = True


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    title = "Email or password is wrong"


class LoginFailed(InvalidCredentials):
    """A wrong email or password at login: the same answer, but the attempt stays audited."""

    keep_changes = True


class TotpRequired(Unauthorized):
    code = "totp_required"
    title = "This account uses two-factor authentication: send totp_code"


class TotpInvalid(Unauthorized):
    code = "totp_invalid"
    title = "The two-factor code is wrong or was already used"


class RefreshTokenReused(InvalidToken):
    """A rotated refresh token came back: someone holds a copy, so the whole family is revoked."""

    code = "refresh_token_reused"
    title = "This refresh token was already used; every session from this login is signed out"
    keep_changes = True


class UserTokenInvalid(AppError):
    status = 400
    code = "token_invalid_or_expired"
    title = "The link is invalid, expired or already used"


class TwoFactorState(Conflict):
    code = "two_factor_state"
    title = "Two-factor authentication is not in the required state"
