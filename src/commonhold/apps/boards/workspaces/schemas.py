"""Request and response bodies of the workspace endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from commonhold.apps.boards import examples
from commonhold.platform import examples as platform_examples
from commonhold.platform.schemas import Name, RequestBody, ResponseBody


class WorkspaceCreate(RequestBody):
    name: Name = Field(examples=[examples.WORKSPACE_NAME])


class WorkspaceUpdate(RequestBody):
    name: Name = Field(examples=["Launch and growth team"])


class WorkspaceRead(ResponseBody):
    id: uuid.UUID = Field(examples=[examples.WORKSPACE_ID])
    name: str = Field(examples=[examples.WORKSPACE_NAME])
    role: Literal["owner", "admin", "editor", "viewer"] = Field(
        description="The caller's role in this workspace.", examples=["owner"]
    )
    created_at: datetime = Field(examples=[platform_examples.SIGNED_UP_AT])
