"""Path parameters of the boards endpoints, documented once."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from commonhold.apps.boards import examples
from commonhold.platform import examples as platform_examples

WorkspaceId = Annotated[
    uuid.UUID, Path(description="A workspace's id.", examples=[examples.WORKSPACE_ID])
]
BoardId = Annotated[uuid.UUID, Path(description="A board's id.", examples=[examples.BOARD_ID])]
ListId = Annotated[uuid.UUID, Path(description="A list's id.", examples=[examples.LIST_ID])]
CardId = Annotated[uuid.UUID, Path(description="A card's id.", examples=[examples.CARD_ID])]
LabelId = Annotated[uuid.UUID, Path(description="A label's id.", examples=[examples.LABEL_ID])]
ChecklistId = Annotated[
    uuid.UUID, Path(description="A checklist's id.", examples=[examples.CHECKLIST_ID])
]
ChecklistItemId = Annotated[
    uuid.UUID,
    Path(description="A checklist item's id.", examples=[examples.CHECKLIST_ITEM_ID]),
]
CommentId = Annotated[
    uuid.UUID, Path(description="A comment's id.", examples=[examples.COMMENT_ID])
]
AttachmentId = Annotated[
    uuid.UUID,
    Path(description="An attachment's id.", examples=[platform_examples.ATTACHMENT_ID]),
]
MemberUserId = Annotated[
    uuid.UUID, Path(description="A member's user id.", examples=[platform_examples.GRACE_ID])
]
