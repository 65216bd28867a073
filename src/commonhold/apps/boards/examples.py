"""Example values of the boards documentation: Ada's workspace "Launch team" has the board
"Website relaunch", whose list "Doing" holds the card "Write the press release"."""

from __future__ import annotations

WORKSPACE_ID = "7d1f4b2e-9a63-4c8e-b5d0-2e6f8a1c3b57"
WORKSPACE_NAME = "Launch team"
BOARD_ID = "2c8e5a17-4f9b-4d36-a0e2-9b7c1d5f3e68"
BOARD_NAME = "Website relaunch"
LIST_ID = "5e3a9c71-2b8d-4f04-9e6a-1c7d3b5f8a29"
OTHER_LIST_ID = "8b6d2f94-7c1e-4a53-b0f8-3d9e5a2c7b10"
CARD_ID = "f4a7c2e9-1d6b-4e38-8a5f-7c0b9d2e4a61"
OTHER_CARD_ID = "1b9e6d3a-5f27-4c8d-a4e0-6f2c8b7d9e13"
LABEL_ID = "9c2f7e4b-3a18-4d6e-b9c5-0a8d1f6e2b74"
CHECKLIST_ID = "3e7b1d9f-6c42-4a8e-9d15-5b0f2c8a6e39"
CHECKLIST_ITEM_ID = "6a4d8b2f-0e93-4c7a-8f1b-2d5e9c3a7f86"
COMMENT_ID = "0d5c9a3e-8b71-4f26-a3d9-4e1b7c6f2a95"
ACTIVITY_ID = "b7e3f1a9-4d26-4c8b-9e0a-8f5d2c1b6a47"
POSITION = "V"
CREATED_AT = "2025-09-16T09:12:00Z"
DUE_AT = "2025-10-01T17:00:00Z"
# How clients write an @mention (apps/boards/mentions.py).
MENTIONS = (
    "Mention a member as `@[Display Name](user:<user id>)`: they are notified; someone who "
    "cannot see the board answers `422 mention_not_board_member`."
)
# A file attached to the card.
FILE_NAME = "press-release.pdf"
FILE_SIZE = 184_320
