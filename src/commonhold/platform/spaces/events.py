"""What spaces tell the rest of the system (routing keys ``spaces.entity.action``)."""

from __future__ import annotations

import uuid

from commonhold.platform.events import DomainEvent


class MemberRemoved(DomainEvent):
    """Someone is no longer a member of the space: they left (``actor_id`` is theirs) or a
    manager removed them. Apps take them off whatever the membership gave them."""

    name = "spaces.member.removed"
    space_id: uuid.UUID
    user_id: uuid.UUID
    left: bool
