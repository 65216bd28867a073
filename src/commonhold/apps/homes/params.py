"""Path parameters of the homes endpoints, documented once."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from commonhold.platform import examples

HomeId = Annotated[uuid.UUID, Path(description="A home's id.", examples=[examples.SPACE_ID])]
RoomId = Annotated[
    uuid.UUID, Path(description="A room's id.", examples=["5f2d7a41-93c0-4c7b-8d1e-2a6b0c9f4e21"])
]
ItemId = Annotated[
    uuid.UUID, Path(description="An item's id.", examples=["c3a1e9d2-7b44-4f0a-b6e5-9d8c2f1a7b32"])
]
AttachmentId = Annotated[
    uuid.UUID, Path(description="An attachment's id.", examples=[examples.ATTACHMENT_ID])
]
TaskId = Annotated[
    uuid.UUID, Path(description="A task's id.", examples=["9a4f1b7c-2e68-4d3a-8c5b-7f0e6d1a2b54"])
]
InstanceId = Annotated[
    uuid.UUID,
    Path(description="An occurrence's id.", examples=["1d6e8f2a-4b97-4c1e-9f3a-5b2c7d0e6a65"]),
]
