"""Quiet hours and digest times, in the person's own timezone.

Comparisons are made between instants, not wall-clock readings: on the days clocks change,
a local time can happen twice (autumn) or not at all (spring).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _instants(day: date, moment: time, zone: ZoneInfo) -> list[datetime]:
    """When clocks in ``zone`` read ``moment`` on ``day``: twice in the hour repeated in
    autumn; for a time skipped in spring, the instants it falls between."""
    local = datetime.combine(day, moment, tzinfo=zone)
    return sorted({local.replace(fold=fold).astimezone(UTC) for fold in (0, 1)})


def quiet_until(now: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet hours around ``now`` end, or None if ``now`` is not in them.

    ``start`` after ``end`` spans midnight (22:00 to 07:00); equal times mean no quiet hours.
    """
    clock = now.astimezone(zone).time()
    if start == end:
        return None
    quiet = start <= clock < end if start < end else (clock >= start or clock < end)
    if not quiet:
        return None
    today = now.astimezone(zone).date()
    upcoming = [
        instant
        for day in (today, today + timedelta(days=1))
        for instant in _instants(day, end, zone)
        if instant > now
    ]
    return min(upcoming).astimezone(zone)


def last_digest_moment(now: datetime, zone: ZoneInfo, digest_time: time) -> datetime:
    """The latest digest time at or before ``now``: today's if it has passed, else
    yesterday's."""
    today = now.astimezone(zone).date()
    passed = [
        instant
        for day in (today - timedelta(days=1), today)
        for instant in _instants(day, digest_time, zone)
        if instant <= now
    ]
    return max(passed).astimezone(zone)
