"""Request and response bodies of notifications."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from datetime import datetime, time
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from commonhold.platform import examples
from commonhold.platform.schemas import RequestBody, ResponseBody

Channel = Literal["in_app", "email", "push"]
Mode = Literal["immediate", "digest", "off"]


class NotificationRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.NOTIFICATION_ID])
    type: str = Field(examples=["homes.task_due_today"])
    space_id: uuid.UUID | None = Field(examples=[examples.SPACE_ID])
    title: str = Field(examples=["Replace the furnace filter is due today"])
    body: str = Field(examples=["Home: Maple Street house · Room: Basement"])
    data: dict[str, Any]
    read_at: datetime | None
    created_at: datetime


class UnreadCount(ResponseBody):
    unread: int = Field(examples=[3])


class MarkedRead(ResponseBody):
    marked: int = Field(description="How many notifications were unread.", examples=[3])


class TypePreferences(ResponseBody):
    type: str = Field(examples=["homes.task_due_today"])
    description: str
    channels: dict[Channel, Mode] = Field(
        description="How this type reaches you on each channel (your choice or the default).",
        examples=[{"in_app": "immediate", "email": "digest", "push": "immediate"}],
    )


class PreferencesUpdate(RequestBody):
    channels: dict[Channel, Mode] = Field(
        description="Channels to change; others keep their setting. Only email may be `digest`.",
        examples=[{"email": "digest", "push": "off"}],
    )


_LOCAL_TIME = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _local_time(value: object) -> object:
    """A wall-clock time of the person's own timezone: no offset, no number of seconds."""
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and re.fullmatch(_LOCAL_TIME, value):
        return time.fromisoformat(value)
    raise ValueError("must be a local time, HH:MM or HH:MM:SS, without an offset")


# Not JSON Schema's "time" format, which requires an offset.
LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {"type": "string", "pattern": _LOCAL_TIME, "description": "A local time, HH:MM[:SS]."}
    ),
]


class ScheduleRead(ResponseBody):
    quiet_start: LocalTime | None = Field(examples=["22:00:00"])
    quiet_end: LocalTime | None = Field(examples=["07:00:00"])
    digest_time: LocalTime = Field(examples=["08:00:00"])
    timezone: str = Field(
        description="Your account's timezone, in which these times are read.",
        examples=["Europe/London"],
    )


class ScheduleUpdate(RequestBody):
    quiet_start: LocalTime | None = Field(
        default=None,
        description="Email and push wait from this local time until quiet_end; null (with "
        "quiet_end) for no quiet hours.",
        examples=["22:00"],
    )
    quiet_end: LocalTime | None = Field(default=None, examples=["07:00"])
    digest_time: LocalTime = Field(default=time(8, 0), examples=["08:00"])


def _base64url_key(length: int) -> Any:
    def check(value: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError) as error:
            raise ValueError("must be base64url") from error
        if len(raw) != length:
            raise ValueError(f"must decode to {length} bytes")
        return value

    return AfterValidator(check)


# The browser's PushSubscription.toJSON(): a P-256 point and a 16-byte auth secret.
P256dhKey = Annotated[str, StringConstraints(max_length=200), _base64url_key(65)]
AuthSecret = Annotated[str, StringConstraints(max_length=100), _base64url_key(16)]


class PushKeys(RequestBody):
    p256dh: P256dhKey = Field(
        examples=[
            "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
        ]
    )
    auth: AuthSecret = Field(examples=["tBHItJI5svbpez7KI4CCXg"])


class PushSubscriptionCreate(RequestBody):
    """What ``PushSubscription.toJSON()`` gives in the browser."""

    endpoint: Annotated[str, StringConstraints(min_length=10, max_length=2000)] = Field(
        examples=[examples.PUSH_ENDPOINT]
    )
    keys: PushKeys
    expirationTime: int | None = Field(  # noqa: N815 - the browser's name
        default=None, description="Ignored; accepted because browsers send it."
    )


class PushSubscriptionRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.PUSH_SUBSCRIPTION_ID])
    endpoint: str = Field(examples=[examples.PUSH_ENDPOINT])
    created_at: datetime = Field(examples=[examples.JOINED_AT])


class VapidPublicKey(ResponseBody):
    public_key: str = Field(
        description="Pass as `applicationServerKey` to `pushManager.subscribe()`.",
        examples=[
            "BOr8cJ0T2H0E4c8wLqf1c9Hn1m6QGd1Xl3X8qfqk6Q5k5yYtq1T3m8p7u2Vf5w9x0z1a2b3c4d5e6f7g8h9i0j"
        ],
    )


class DeliveryRead(ResponseBody):
    id: uuid.UUID
    notification_id: uuid.UUID
    user_id: uuid.UUID
    channel: Literal["email", "push"]
    status: Literal["pending", "digest", "sent", "failed", "skipped"]
    scheduled_for: datetime | None
    attempts: int
    provider_response: str | None = Field(examples=["250 2.0.0 Ok: queued as 4F2A1"])
    error: str | None = Field(examples=["bounced"])
    sent_at: datetime | None
    created_at: datetime


class WordingBody(RequestBody):
    subject: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        examples=["{{ task }} is due today"]
    )
    summary: Annotated[str, StringConstraints(max_length=2000)] = Field(
        examples=["{{ home }}{% if room %} · {{ room }}{% endif %}"]
    )
    text_body: Annotated[str, StringConstraints(min_length=1, max_length=20000)]
    html_body: Annotated[str, StringConstraints(min_length=1, max_length=50000)]


class NotificationTypeRead(ResponseBody):
    type: str
    description: str
    customized: bool = Field(description="True when an operator's wording replaces the built-in.")
    wording: WordingBody
    example: dict[str, Any] = Field(description="Data every wording of this type must render.")
