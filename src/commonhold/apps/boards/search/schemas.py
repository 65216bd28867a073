"""Response bodies of search."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from commonhold.apps.boards import examples
from commonhold.platform.schemas import ResponseBody

Kind = Literal["card", "comment"]


class SearchHit(ResponseBody):
    kind: Kind = Field(examples=["card"])
    id: uuid.UUID = Field(
        description="The card's or the comment's id.", examples=[examples.CARD_ID]
    )
    card_id: uuid.UUID = Field(examples=[examples.CARD_ID])
    card_title: str = Field(examples=["Write the press release"])
    list_id: uuid.UUID = Field(examples=[examples.LIST_ID])
    list_name: str = Field(examples=["Doing"])
    board_id: uuid.UUID = Field(examples=[examples.BOARD_ID])
    board_name: str = Field(examples=[examples.BOARD_NAME])
    archived: bool = Field(
        description="The card, its list or its board is archived.", examples=[False]
    )
    snippet: str = Field(
        description="The passages that match, as HTML: the text escaped, the matching words "
        "in `<mark>`.",
        examples=["Write the <mark>press</mark> <mark>release</mark>\nQuote from the CEO"],
    )
    rank: float = Field(description="How well it matches; higher is better.", examples=[0.61])


class SearchResults(ResponseBody):
    items: list[SearchHit]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next matches; null after the last.",
        examples=[None],
    )
