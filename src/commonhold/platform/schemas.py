"""Base classes for request and response bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Self
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from commonhold.platform.recurrence import MAX_INTERVAL, Frequency, Mode


class RequestBody(BaseModel):
    """Request bodies refuse unknown fields: a typo is an error, not a silently ignored value."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        # PostgreSQL stores no U+0000 in text or JSON: refused here, not failed there.
        if _holds_nul(data):
            raise ValueError("text may not contain the NUL character (U+0000)")
        return data


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


class ResponseBody(BaseModel):
    # Every field is always in the answer, defaults included: the document says it is.
    model_config = ConfigDict(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )


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


@dataclass(frozen=True)
class MaxTextLength:
    """Bounds the text a non-string value may be sent as, such as a decimal as "649.99",
    and documents the bound: the string form of a Decimal has no length limit of its own."""

    max_length: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        for alternative in json_schema.get("anyOf", [json_schema]):
            if alternative.get("type") == "string":
                alternative["maxLength"] = self.max_length
        return json_schema

    def _check(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > self.max_length:
            raise ValueError(f"must be at most {self.max_length} characters")
        return value


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


# Dates people plan with; far-off years only lead rules past the calendar's end.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
PlannedDay = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
RecurrenceInterval = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_INTERVAL,
        description="Every N units: weekly with 2 is every other week; custom_days with 10 is "
        "every 10 days.",
    ),
]
RecurrenceDay = Annotated[
    int,
    Field(
        ge=0,
        le=31,
        description="Weekly: the weekday, 0 (Monday) to 6 (Sunday). Monthly: the day of the "
        "month, 1 to 31; short months use their last day. Unset: the due date's.",
    ),
]
_MODE = (
    "fixed: due dates follow the calendar; rolling: the next one is due a period after the "
    "last was done."
)
_END_DATE = "The last date it may fall on."


class RecurrenceSetting(RequestBody):
    """A repeating schedule's fields as something new is created with them
    (``platform.recurrence``)."""

    recurrence: Frequency = Field(default=Frequency.NONE, examples=["monthly"])
    recurrence_interval: RecurrenceInterval = Field(default=1, examples=[3])
    recurrence_mode: Mode = Field(default=Mode.FIXED, description=_MODE)
    recurrence_day: RecurrenceDay | None = None
    recurrence_end_date: PlannedDay | None = Field(
        default=None, description=_END_DATE, examples=["2030-12-31"]
    )


class RecurrenceChange(RequestBody):
    """A repeating schedule's fields in an update: only those sent change."""

    recurrence: Frequency | None = None
    recurrence_interval: RecurrenceInterval | None = None
    recurrence_mode: Mode | None = Field(default=None, description=_MODE)
    recurrence_day: RecurrenceDay | None = None
    recurrence_end_date: PlannedDay | None = Field(
        default=None, description=_END_DATE, examples=["2030-12-31"]
    )
