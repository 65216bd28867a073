from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from commonhold.platform.schemas import Email, OpaqueToken, RequestBody, ResponseBody, TimeZoneName

Password = Annotated[str, StringConstraints(min_length=10, max_length=256, strip_whitespace=False)]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
TotpCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class SignupRequest(RequestBody):
    email: Email = Field(examples=["ada@example.com"])
    password: Password = Field(
        description="At least 10 characters.", examples=["correct horse battery"]
    )
    display_name: DisplayName = Field(examples=["Ada Lovelace"])
    timezone: TimeZoneName = Field(default="UTC", examples=["Europe/London"])


class LoginRequest(RequestBody):
    email: Email = Field(examples=["ada@example.com"])
    password: Annotated[str, StringConstraints(max_length=256, strip_whitespace=False)]
    totp_code: TotpCode | None = Field(
        default=None, description="Required when two-factor authentication is on."
    )


class RefreshRequest(RequestBody):
    refresh_token: OpaqueToken


class TokenResponse(ResponseBody):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type name
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[900])


class UserRead(ResponseBody):
    id: uuid.UUID
    email: str
    display_name: str
    timezone: str
    email_verified: bool
    two_factor_enabled: bool
    created_at: datetime


class UserUpdate(RequestBody):
    display_name: DisplayName | None = None
    timezone: TimeZoneName | None = None


class TokenRequest(RequestBody):
    token: OpaqueToken


class PasswordResetRequest(RequestBody):
    email: Email


class PasswordResetConfirm(RequestBody):
    token: OpaqueToken
    new_password: Password


class TotpSetupResponse(ResponseBody):
    secret: str = Field(description="Base32 secret to enter into an authenticator app.")
    otpauth_uri: str = Field(description="The same secret as an otpauth:// URI for a QR code.")


class TotpCodeRequest(RequestBody):
    code: TotpCode


class TotpDisableRequest(RequestBody):
    password: Annotated[str, StringConstraints(max_length=256, strip_whitespace=False)]
    code: TotpCode
