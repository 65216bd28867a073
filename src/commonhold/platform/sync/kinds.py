"""What a change is called for clients: each change in ``/sync`` and ``sync:change`` carries a
``kind`` such as ``task:moved`` or ``comment:added``, so a client can react to what happened
without comparing fields.

An app names the kinds of its entity types with ``name_kinds``; a change of any other entity
type is called ``<entity_type>:<action>`` (``homes.item:updated``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class KindNames:
    """The kinds of one entity type's changes: ``<noun>:<verb>``.

    An update is named after the first of ``by_field`` it changes, as ``(field, verb when the
    new value is set, verb when it is cleared)``, and ``updated`` when it changes none of them.
    """

    noun: str
    created: str = "created"
    updated: str = "updated"
    deleted: str = "deleted"
    restored: str = "restored"
    removed: str = "deleted"
    by_field: tuple[tuple[str, str, str], ...] = field(default=())

    def name(self, action: str, fields: Mapping[str, Any]) -> str:
        if action != "updated":
            verb: str = getattr(self, action)
            return f"{self.noun}:{verb}"
        for key, when_set, when_cleared in self.by_field:
            if key in fields:
                return f"{self.noun}:{when_set if fields[key] else when_cleared}"
        return f"{self.noun}:{self.updated}"


_NAMES: dict[str, KindNames] = {}


def name_kinds(entity_type: str, names: KindNames) -> None:
    if _NAMES.setdefault(entity_type, names) is not names:
        raise ValueError(f"the kinds of {entity_type!r} are named twice")


def kind_of(entity_type: str, action: str, fields: Mapping[str, Any]) -> str:
    names = _NAMES.get(entity_type)
    return f"{entity_type}:{action}" if names is None else names.name(action, fields)
