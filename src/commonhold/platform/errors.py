"""Application errors and their RFC 9457 problem+json rendering.

Every error a client can cause is an ``AppError`` with a stable ``code``; the code is the
contract, the message is for people.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from commonhold.platform import examples

PROBLEM_MEDIA_TYPE = "application/problem+json"


class AppError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"
    # Set on errors whose request must still commit what it did (e.g. revoking a stolen
    # token family) before answering with the error.
    keep_changes: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.title
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(self.message)


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PermissionDenied(AppError):
    status = 403
    code = "permission_denied"
    title = "You may not do this"


class Unauthorized(AppError):
    status = 401
    code = "authentication_required"
    title = "Authentication required"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class InvalidToken(Unauthorized):
    code = "invalid_token"
    title = "The token is invalid or has expired"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        super().__init__(
            message or f"Too many requests; retry in {retry_after_seconds} s",
            headers={"Retry-After": str(retry_after_seconds)},
            extra={"retry_after": retry_after_seconds},
        )


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    title = "Request body too large"


class InvalidRequest(AppError):
    status = 422
    code = "validation_error"
    title = "The request is not valid"


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    code: str = Field(description="Stable machine-readable error code.", examples=["not_found"])
    detail: str = Field(examples=["Space not found"])
    instance: str | None = Field(default=None, examples=[f"/api/v1/spaces/{examples.SPACE_ID}"])
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Field errors, for code validation_error."
    )
