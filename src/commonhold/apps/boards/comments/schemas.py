"""Request and response bodies of the comment endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from commonhold.apps.boards import examples
from commonhold.platform import examples as platform_examples
from commonhold.platform.schemas import RequestBody, ResponseBody, Version

Body = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class CommentCreate(RequestBody):
    body: Body = Field(
        description=examples.MENTIONS,
        examples=[
            f"Draft is in the shared folder, @[Grace Hopper](user:{platform_examples.GRACE_ID})."
        ],
    )


class CommentUpdate(RequestBody):
    body: Body = Field(
        description=examples.MENTIONS, examples=["Draft is in the shared folder, second version."]
    )


class CommentRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.COMMENT_ID])
    version: Version
    card_id: uuid.UUID = Field(examples=[examples.CARD_ID])
    author_id: uuid.UUID | None = Field(
        description="Null once the account is gone.", examples=[platform_examples.ADA_ID]
    )
    author_name: str | None = Field(examples=[platform_examples.ADA_NAME])
    body: str = Field(examples=["Draft is in the shared folder."])
    edited_at: datetime | None
    created_at: datetime = Field(examples=[examples.CREATED_AT])
