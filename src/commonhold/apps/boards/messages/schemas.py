"""Request and response bodies of the direct message endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from commonhold.apps.boards import examples
from commonhold.platform import examples as platform_examples
from commonhold.platform.schemas import RequestBody, ResponseBody

MESSAGE_ID = "5a1e9d37-c4b2-4f68-8e0d-3b7a6c2f9d14"
MESSAGE_BODY = "Could you read the press release before noon?"
SENT_AT = "2025-09-16T09:40:00Z"
MessageBody = Annotated[str, StringConstraints(min_length=1, max_length=5_000)]


class MessageCreate(RequestBody):
    recipient_id: uuid.UUID = Field(
        description="Another member of the workspace.", examples=[platform_examples.GRACE_ID]
    )
    body: MessageBody = Field(examples=[MESSAGE_BODY])


class MessageRead(ResponseBody):
    id: uuid.UUID = Field(examples=[MESSAGE_ID])
    workspace_id: uuid.UUID = Field(examples=[examples.WORKSPACE_ID])
    sender_id: uuid.UUID = Field(examples=[platform_examples.ADA_ID])
    recipient_id: uuid.UUID = Field(examples=[platform_examples.GRACE_ID])
    body: str = Field(examples=[MESSAGE_BODY])
    created_at: datetime = Field(examples=[SENT_AT])
    read_at: datetime | None = Field(
        description="When the recipient read it; null until then.", examples=[None]
    )


class ConversationRead(ResponseBody):
    user_id: uuid.UUID = Field(
        description="The other person.", examples=[platform_examples.GRACE_ID]
    )
    display_name: str = Field(examples=[platform_examples.GRACE_NAME])
    unread_count: int = Field(
        description="Messages from them the caller has not read.", examples=[2]
    )
    last_message: MessageRead


class MarkedRead(ResponseBody):
    marked: int = Field(description="How many messages were marked read.", examples=[3])
