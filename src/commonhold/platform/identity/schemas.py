from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from commonhold.platform import examples
from commonhold.platform.schemas import Email, OpaqueToken, RequestBody, ResponseBody, TimeZoneName

Password = Annotated[str, StringConstraints(min_length=10, max_length=256, strip_whitespace=False)]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
TotpCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class SignupRequest(RequestBody):
    email: Email = Field(examples=[examples.ADA_EMAIL])
    password: Password = Field(description="At least 10 characters.", examples=[examples.PASSWORD])
    display_name: DisplayName = Field(examples=[examples.ADA_NAME])
    timezone: TimeZoneName = Field(default="UTC", examples=[examples.TIMEZONE])


class LoginRequest(RequestBody):
    email: Email = Field(examples=[examples.ADA_EMAIL])
    password: Annotated[str, StringConstraints(max_length=256, strip_whitespace=False)] = Field(
        examples=[examples.PASSWORD]
    )
    totp_code: TotpCode | None = Field(
        default=None,
        description="Required when two-factor authentication is on.",
        examples=[examples.TOTP_CODE],
    )


class RefreshRequest(RequestBody):
    refresh_token: OpaqueToken = Field(examples=[examples.REFRESH_TOKEN])


class TokenResponse(ResponseBody):
    access_token: str = Field(examples=[examples.ACCESS_TOKEN])
    refresh_token: str = Field(examples=[examples.REFRESH_TOKEN])
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type name
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[900])


class UserRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.ADA_ID])
    email: str = Field(examples=[examples.ADA_EMAIL])
    display_name: str = Field(examples=[examples.ADA_NAME])
    timezone: str = Field(examples=[examples.TIMEZONE])
    email_verified: bool = Field(examples=[True])
    two_factor_enabled: bool = Field(examples=[False])
    created_at: datetime = Field(examples=[examples.SIGNED_UP_AT])


class UserUpdate(RequestBody):
    display_name: DisplayName | None = Field(default=None, examples=["Ada King"])
    timezone: TimeZoneName | None = Field(default=None, examples=["America/New_York"])


class SignupAccepted(ResponseBody):
    email: str = Field(
        description="Where the next step was mailed; the same answer for any address.",
        examples=[examples.ADA_EMAIL],
    )


class TokenRequest(RequestBody):
    token: OpaqueToken = Field(examples=[examples.EMAIL_TOKEN])


class PasswordResetRequest(RequestBody):
    email: Email = Field(examples=[examples.ADA_EMAIL])


class PasswordResetConfirm(RequestBody):
    token: OpaqueToken = Field(examples=[examples.EMAIL_TOKEN])
    new_password: Password = Field(examples=["a new horse battery staple"])


class TotpSetupResponse(ResponseBody):
    secret: str = Field(
        description="Base32 secret to enter into an authenticator app.",
        examples=[examples.TOTP_SECRET],
    )
    otpauth_uri: str = Field(
        description="The same secret as an otpauth:// URI for a QR code.",
        examples=[
            f"otpauth://totp/Commonhold:ada%40example.com?secret={examples.TOTP_SECRET}"
            "&issuer=Commonhold"
        ],
    )


class TotpCodeRequest(RequestBody):
    code: TotpCode = Field(examples=[examples.TOTP_CODE])


class TotpDisableRequest(RequestBody):
    password: Annotated[str, StringConstraints(max_length=256, strip_whitespace=False)] = Field(
        examples=[examples.PASSWORD]
    )
    code: TotpCode = Field(examples=[examples.TOTP_CODE])
