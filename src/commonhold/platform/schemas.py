"""Base classes for request and response bodies."""

from __future__ import annotations

from typing import Annotated, Self
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints


class RequestBody(BaseModel):
    """Request bodies refuse unknown fields: a typo is an error, not a silently ignored value."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


_TIMEZONES = frozenset(available_timezones())


def _known_timezone(value: str) -> str:
    if value not in _TIMEZONES:
        raise ValueError("must be an IANA time zone name such as Europe/Berlin")
    return value


def _lower(value: str) -> str:
    return value.lower()


Email = Annotated[EmailStr, StringConstraints(max_length=320), AfterValidator(_lower)]
TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_timezone)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
OpaqueToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]
# A synced entity's version, as /sync reports it with each change.
Version = Annotated[
    int,
    Field(
        description="Grows with every change (by one or more: the server's own bookkeeping "
        "counts too). Send it back as `base_version` or `If-Match`.",
        examples=[3],
    ),
]


class VersionedUpdate(RequestBody):
    """An update of a synced entity, optionally saying which version it was based on."""

    base_version: int | None = Field(
        default=None,
        ge=1,
        description="The version this change was made on. Fields others changed since and "
        "this update leaves alone are kept; a field both changed takes this update's value, "
        "and whoever set the overwritten value is told (`sync:merged`). Omitted: the update "
        "simply wins.",
        examples=[3],
    )

    def based_on(self, version: int | None) -> Self:
        """This update with the version an ``If-Match`` header named, unless the body did."""
        if self.base_version is not None or version is None:
            return self
        return self.model_copy(update={"base_version": version})
