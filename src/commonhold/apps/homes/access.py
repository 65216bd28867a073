"""Who may do what in a home: the platform's space roles, answered with homes' own 404s."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.errors import HomeNotFound
from commonhold.platform.authz import AuthSubject, Permission
from commonhold.platform.identity import repository as identity_repo
from commonhold.platform.spaces.errors import SpaceNotFound
from commonhold.platform.spaces.service import Access, access_space

HOME = "home"


async def access_home(
    session: AsyncSession,
    subject: AuthSubject,
    home_id: uuid.UUID,
    permission: Permission = Permission.CONTENT_READ,
    deleted: bool = False,
) -> Access:
    """The home if the caller is a member allowed ``permission``: 404 ``home_not_found`` for
    everyone else, 403 ``role_not_allowed`` for a member whose role is too low."""
    try:
        return await access_space(session, subject, home_id, permission, HOME, deleted)
    except SpaceNotFound as exc:
        raise HomeNotFound() from exc


async def today_for(session: AsyncSession, user_id: uuid.UUID) -> date:
    """Today in the user's time zone: what "overdue" and "this week" mean to them."""
    user = await identity_repo.user_by_id(session, user_id)
    zone = ZoneInfo(user.timezone if user else "UTC")
    return datetime.now(zone).date()
