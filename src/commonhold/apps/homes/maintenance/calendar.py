"""Private iCalendar feeds: a member's link to a home's maintenance dates, for any calendar app.

The link carries a random token; only its hash is stored. Reading the feed needs no login:
the token stands for the member, and the feed shows what that member may see, for as long
as they belong to the home. Completed occurrences keep their date with a "✓ " before the
title; skipped ones are marked cancelled.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

from icalendar import Calendar, Event
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.access import access_home, today_for
from commonhold.apps.homes.errors import CalendarNotFound
from commonhold.apps.homes.maintenance import repository as repo
from commonhold.apps.homes.maintenance.generation import DAY
from commonhold.apps.homes.maintenance.schemas import CalendarFeedRead
from commonhold.apps.homes.maintenance.service import Dated, home_dates
from commonhold.platform import audit
from commonhold.platform.authz import AuthSubject
from commonhold.platform.db.base import utcnow
from commonhold.platform.db.session import set_user_context
from commonhold.platform.identity.security import hash_opaque_token, new_opaque_token

DAYS_BEHIND = 30
DAYS_AHEAD = 365
PRODUCT_ID = "-//Commonhold//Home maintenance//EN"


def feed_path(home_id: uuid.UUID) -> str:
    return f"/api/v1/homes/{home_id}/calendar.ics"


async def create_feed(
    session: AsyncSession, public_url: str, subject: AuthSubject, home_id: uuid.UUID
) -> CalendarFeedRead:
    """A new private link for the caller; their previous link stops working."""
    await access_home(session, subject, home_id)
    token = new_opaque_token()
    await repo.replace_feed(session, home_id, subject.user_id, hash_opaque_token(token))
    await _record(session, subject, "calendar_feed.created", home_id)
    return CalendarFeedRead(url=f"{public_url}{feed_path(home_id)}?{urlencode({'token': token})}")


async def revoke_feed(session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID) -> None:
    await access_home(session, subject, home_id)
    if not await repo.delete_feed(session, home_id, subject.user_id):
        raise CalendarNotFound()
    await _record(session, subject, "calendar_feed.revoked", home_id)


async def _record(
    session: AsyncSession, subject: AuthSubject, action: str, home_id: uuid.UUID
) -> None:
    await audit.record(
        session,
        action,
        actor_id=subject.user_id,
        space_id=home_id,
        target_type="home",
        target_id=home_id,
    )


async def feed(session: AsyncSession, home_id: uuid.UUID, token: str) -> bytes:
    """The home's occurrences from 30 days ago to a year ahead, as the token's member sees
    them; 404 for a wrong or revoked token, or once the member has left."""
    found = await repo.feed_member(session, hash_opaque_token(token))
    if found is None or found[0] != home_id:
        raise CalendarNotFound()
    member_id = found[1]
    await set_user_context(session, member_id)
    name = await repo.home_name(session, home_id)
    if name is None:
        raise CalendarNotFound()
    today = await today_for(session, member_id)
    start, end = today - timedelta(days=DAYS_BEHIND), today + timedelta(days=DAYS_AHEAD)
    return _ics(name, await home_dates(session, home_id, start, end))


def _ics(home_name: str, dates: list[Dated]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{home_name}: maintenance")
    stamp = utcnow()
    for dated in dates:
        calendar.add_component(_event(dated, stamp))
    content: bytes = calendar.to_ical()
    return content


def _event(dated: Dated, stamp: datetime) -> Event:
    event = Event()
    task = dated.task
    # Stable across fetches, so calendar apps update an event instead of duplicating it.
    event.add("uid", f"{task.id}-{dated.due_date:%Y%m%d}@commonhold")
    event.add("dtstamp", stamp)
    event.add("dtstart", dated.due_date)
    event.add("dtend", dated.due_date + DAY)
    event.add("summary", f"✓ {task.title}" if dated.status == "completed" else task.title)
    if task.description:
        event.add("description", task.description)
    if dated.status == "skipped":
        event.add("status", "CANCELLED")
    return event
