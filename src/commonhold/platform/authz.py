"""Who is asking and what each space role may do. The one place roles map to permissions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class AuthSubject:
    """The authenticated caller of a request."""

    user_id: uuid.UUID


class Permission(StrEnum):
    SPACE_READ = "space:read"
    SPACE_UPDATE = "space:update"
    SPACE_DELETE = "space:delete"
    MEMBERS_INVITE = "members:invite"
    MEMBERS_MANAGE = "members:manage"
    OWNERSHIP_TRANSFER = "ownership:transfer"
    CONTENT_READ = "content:read"
    CONTENT_WRITE = "content:write"
    AUDIT_READ = "audit:read"


_VIEWER = frozenset({Permission.SPACE_READ, Permission.CONTENT_READ})
_EDITOR = _VIEWER | {Permission.CONTENT_WRITE}
_ADMIN = _EDITOR | {
    Permission.SPACE_UPDATE,
    Permission.MEMBERS_INVITE,
    Permission.MEMBERS_MANAGE,
    Permission.AUDIT_READ,
}
_OWNER = _ADMIN | {Permission.SPACE_DELETE, Permission.OWNERSHIP_TRANSFER}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "owner": _OWNER,
    "admin": _ADMIN,
    "editor": _EDITOR,
    "viewer": _VIEWER,
}

# Higher ranks may manage lower ones; nobody manages their equal or better.
ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2, "owner": 3}


def role_allows(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
