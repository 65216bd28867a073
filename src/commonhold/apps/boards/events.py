"""What the boards app tells the rest of the system (routing keys ``boards.entity.action``)."""

from __future__ import annotations

import uuid

from commonhold.platform.events import DomainEvent


class CardAssigned(DomainEvent):
    """Someone other than the assignee gave them a card; ``actor_id`` is who did."""

    name = "boards.card.assigned"
    card_id: uuid.UUID
    board_id: uuid.UUID
    assignee_id: uuid.UUID
    version: int


class CardMentioned(DomainEvent):
    """A card's description (without ``comment_id``) or one of its comments newly mentions
    people; ``actor_id`` wrote it, ``version`` is the text's version that does."""

    name = "boards.card.mentioned"
    card_id: uuid.UUID
    board_id: uuid.UUID
    comment_id: uuid.UUID | None
    mentioned_ids: list[uuid.UUID]
    version: int
