"""What the homes app tells the rest of the system (routing keys ``homes.entity.action``)."""

from __future__ import annotations

import uuid
from datetime import date

from commonhold.platform.events import DomainEvent


class TaskAssigned(DomainEvent):
    """A task got an assignee (on creation or later) other than the person who set it."""

    name = "homes.task.assigned"
    task_id: uuid.UUID
    assignee_id: uuid.UUID


class InstanceClosed(DomainEvent):
    """An occurrence was completed or skipped."""

    name = "homes.instance.closed"
    task_id: uuid.UUID
    instance_id: uuid.UUID
    due_date: date
    status: str
