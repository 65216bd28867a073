"""Every mapped table, imported in one place so Alembic and the tests see the whole schema."""

from commonhold.platform.audit import AuditEntry
from commonhold.platform.db.base import Base
from commonhold.platform.identity.models import RefreshToken, User, UserToken
from commonhold.platform.spaces.models import Space, SpaceInvitation, SpaceMember

metadata = Base.metadata

__all__ = [
    "AuditEntry",
    "RefreshToken",
    "Space",
    "SpaceInvitation",
    "SpaceMember",
    "User",
    "UserToken",
    "metadata",
]
