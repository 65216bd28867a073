"""Quiet hours and digest times, in the person's own timezone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def quiet_until(now: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet hours around ``now`` end, or None if ``now`` is not in them.

    ``start`` after ``end`` spans midnight (22:00 to 07:00); equal times mean no quiet hours.
    """
    local = now.astimezone(zone)
    today, clock = local.date(), local.time()
    if start == end:
        return None
    if start < end:
        return _at(today, end, zone) if start <= clock < end else None
    if clock >= start:
        return _at(today + timedelta(days=1), end, zone)
    if clock < end:
        return _at(today, end, zone)
    return None


def last_digest_moment(now: datetime, zone: ZoneInfo, digest_time: time) -> datetime:
    """The latest digest time at or before ``now``: today's if it has passed, else
    yesterday's."""
    local = now.astimezone(zone)
    today = _at(local.date(), digest_time, zone)
    return today if today <= local else _at(local.date() - timedelta(days=1), digest_time, zone)
