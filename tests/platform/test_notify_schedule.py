"""Quiet hours and digest times in a person's own timezone: examples, daylight saving time, and
properties over any zone, time of day and moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from commonhold.platform.notify.schedule import last_digest_moment, quiet_until

BERLIN = ZoneInfo("Europe/Berlin")
DAY = timedelta(days=1)
NIGHT = (time(22, 0), time(7, 0))
# Zones with daylight saving time in either hemisphere, half-hour offsets and a half-hour DST
# change (Lord Howe), and none at all.
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
]


def _local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


# Examples


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Late evening: quiet until tomorrow morning.
        (_local(2026, 1, 14, 23, 30), _local(2026, 1, 15, 7)),
        (_local(2026, 1, 14, 22, 0), _local(2026, 1, 15, 7)),
        # Early morning: quiet until later the same morning.
        (_local(2026, 1, 15, 6, 0), _local(2026, 1, 15, 7)),
        (_local(2026, 1, 15, 0, 0), _local(2026, 1, 15, 7)),
        # The day: not quiet; the end itself is no longer quiet.
        (_local(2026, 1, 15, 12, 0), None),
        (_local(2026, 1, 15, 7, 0), None),
        (_local(2026, 1, 15, 21, 59), None),
    ],
)
def test_overnight_quiet_hours(now: datetime, expected: datetime | None) -> None:
    assert quiet_until(now.astimezone(UTC), BERLIN, *NIGHT) == expected


def test_quiet_hours_are_read_in_the_persons_timezone() -> None:
    # 23:30 in Berlin is 22:30 UTC: the same instant is quiet for one person, not for another.
    now = datetime(2026, 1, 14, 22, 30, tzinfo=UTC)
    assert quiet_until(now, BERLIN, *NIGHT) == datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
    assert quiet_until(now, ZoneInfo("America/New_York"), *NIGHT) is None  # 17:30 there
    tokyo = quiet_until(now, ZoneInfo("Asia/Tokyo"), *NIGHT)  # 07:30 there: just over
    assert tokyo is None


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        (time(12, 59), None),
        (time(13, 0), time(15, 0)),
        (time(14, 59), time(15, 0)),
        (time(15, 0), None),
        (time(23, 0), None),
        (time(0, 30), None),
    ],
)
def test_daytime_quiet_hours(clock: time, expected: time | None) -> None:
    now = datetime.combine(date(2026, 6, 1), clock, tzinfo=BERLIN)
    result = quiet_until(now, BERLIN, time(13, 0), time(15, 0))
    if expected is None:
        assert result is None
    else:
        assert result == datetime.combine(date(2026, 6, 1), expected, tzinfo=BERLIN)


@pytest.mark.parametrize("clock", [time(0, 0), time(7, 0), time(12, 0), time(23, 59)])
def test_equal_start_and_end_mean_no_quiet_hours(clock: time) -> None:
    now = datetime.combine(date(2026, 6, 1), clock, tzinfo=BERLIN)
    assert quiet_until(now, BERLIN, time(7, 0), time(7, 0)) is None
    assert quiet_until(now, BERLIN, time(0, 0), time(0, 0)) is None


def test_quiet_hours_across_the_spring_change_in_berlin() -> None:
    # On 29 March 2026 the clocks go from 02:00 CET to 03:00 CEST: the night is an hour shorter.
    now = _local(2026, 3, 28, 23, 30)  # 22:30 UTC
    until = quiet_until(now.astimezone(UTC), BERLIN, *NIGHT)
    assert until == _local(2026, 3, 29, 7)
    assert until is not None
    assert until.astimezone(UTC) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    # (Subtracting in one zone would count wall-clock time.)
    assert until.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=6, minutes=30)


def test_quiet_hours_across_the_autumn_change_in_berlin() -> None:
    # On 25 October 2026 the clocks go from 03:00 CEST back to 02:00 CET: an hour longer.
    now = _local(2026, 10, 24, 23, 30)  # 21:30 UTC
    until = quiet_until(now.astimezone(UTC), BERLIN, *NIGHT)
    assert until is not None
    assert until.astimezone(UTC) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)
    assert until.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=8, minutes=30)


def test_quiet_hours_ending_in_the_repeated_autumn_hour_still_hold() -> None:
    # 01:35 UTC on 25 October 2026 is the second 02:35 in Berlin: inside 02:00-02:40.
    now = datetime(2026, 10, 25, 1, 35, tzinfo=UTC)
    until = quiet_until(now, BERLIN, time(2, 0), time(2, 40))
    assert until is not None
    assert until > now


def test_the_digest_moment_is_today_once_the_digest_time_has_passed() -> None:
    eight = time(8, 0)
    assert last_digest_moment(_local(2026, 1, 15, 9, 15), BERLIN, eight) == _local(2026, 1, 15, 8)
    assert last_digest_moment(_local(2026, 1, 15, 8, 0), BERLIN, eight) == _local(2026, 1, 15, 8)
    assert last_digest_moment(_local(2026, 1, 15, 7, 59), BERLIN, eight) == _local(2026, 1, 14, 8)
    # Read in the person's zone: 07:30 UTC is 08:30 in Berlin but 02:30 in New York.
    now = datetime(2026, 1, 15, 7, 30, tzinfo=UTC)
    assert last_digest_moment(now, BERLIN, eight) == _local(2026, 1, 15, 8)
    new_york = ZoneInfo("America/New_York")
    assert last_digest_moment(now, new_york, eight) == datetime(2026, 1, 14, 8, tzinfo=new_york)


def test_the_digest_moment_across_the_spring_change_in_berlin() -> None:
    # Yesterday's 08:00 was CET, today's is CEST: 23 hours apart.
    moment = last_digest_moment(_local(2026, 3, 29, 7, 30), BERLIN, time(8, 0))
    assert moment.astimezone(UTC) == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)
    moment = last_digest_moment(_local(2026, 3, 29, 8, 30), BERLIN, time(8, 0))
    assert moment.astimezone(UTC) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_a_skipped_digest_time_is_never_in_the_future() -> None:
    now = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)  # 03:10 CEST
    assert last_digest_moment(now, BERLIN, time(2, 30)) <= now


# Properties


def _transitions(zone_name: str) -> list[datetime]:
    """The hours in 2025-2027 in which ``zone_name`` changed its UTC offset."""
    zone = ZoneInfo(zone_name)
    found: list[datetime] = []
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment < datetime(2028, 1, 1, tzinfo=UTC):
        moment += timedelta(hours=1)
        now_offset = moment.astimezone(zone).utcoffset()
        if now_offset != offset:
            found.append(moment)
            offset = now_offset
    return found or [datetime(2026, 1, 1, tzinfo=UTC)]


TRANSITIONS = {name: _transitions(name) for name in ZONES}


@st.composite
def _moments(draw: st.DrawFn) -> tuple[datetime, ZoneInfo]:
    """A zone and a moment: anywhere in 1990-2060, or within a day and a half of a change of
    the zone's UTC offset, where the bugs live."""
    name = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):
        now = draw(
            st.datetimes(
                min_value=datetime(1990, 1, 1),
                max_value=datetime(2060, 1, 1),
                timezones=st.just(UTC),
            )
        )
    else:
        change = draw(st.sampled_from(TRANSITIONS[name]))
        now = change + timedelta(
            microseconds=draw(st.integers(-(36 * 3600 * 10**6), 36 * 3600 * 10**6))
        )
    return now, ZoneInfo(name)


# Times of day as the database gives them back: never marked as the second of a repeated hour.
_TIMES = st.times().map(lambda clock: clock.replace(fold=0))


def _micros(clock: time) -> int:
    return ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 10**6 + clock.microsecond


DAY_MICROS = 24 * 3600 * 10**6


def _wall_clock_unambiguous(moment: datetime) -> bool:
    """Whether the local time of ``moment`` happens once that day (not in a repeated hour)."""
    return moment.replace(fold=1 - moment.fold).utcoffset() == moment.utcoffset()


def _exists_once(day: date, clock: time, zone: ZoneInfo) -> bool:
    """Whether ``clock`` happens exactly once on ``day`` (neither skipped nor repeated)."""
    first = datetime.combine(day, clock, tzinfo=zone).replace(fold=0)
    return first.utcoffset() == first.replace(fold=1).utcoffset()


@given(_moments(), _TIMES, _TIMES)
@example((datetime(2026, 1, 14, 22, 30, tzinfo=UTC), BERLIN), *NIGHT)
@example((datetime(2026, 3, 28, 22, 30, tzinfo=UTC), BERLIN), *NIGHT)
@example((datetime(2026, 10, 24, 21, 30, tzinfo=UTC), BERLIN), *NIGHT)
def test_quiet_hours_end_at_the_next_local_end_time(
    moment: tuple[datetime, ZoneInfo], start: time, end: time
) -> None:
    now, zone = moment
    local = now.astimezone(zone)
    assume(_wall_clock_unambiguous(local))
    until = quiet_until(now, zone, start, end)

    # Quiet exactly when the local time is within [start, end), going round midnight.
    length = (_micros(end) - _micros(start)) % DAY_MICROS
    inside = length > 0 and (_micros(local.time()) - _micros(start)) % DAY_MICROS < length
    assert (until is not None) == inside
    if until is None:
        return
    there = until.astimezone(zone)
    assume(_exists_once(there.date(), end, zone))
    assert until > now
    assert there.time() == end
    # The next time the clocks show ``end``: never a day late, never more than the quiet
    # hours last (give or take the hour a change of clocks may add).
    wall = there.replace(tzinfo=None) - local.replace(tzinfo=None)
    assert wall == timedelta(microseconds=(_micros(end) - _micros(local.time())) % DAY_MICROS)
    assert until - now <= timedelta(microseconds=length) + timedelta(hours=1)


@given(_moments(), _TIMES)
@example((datetime(2026, 3, 29, 5, 30, tzinfo=UTC), BERLIN), time(8, 0))
@example((datetime(2026, 10, 25, 6, 59, tzinfo=UTC), BERLIN), time(8, 0))
def test_the_digest_moment_is_the_latest_digest_time_at_or_before_now(
    moment: tuple[datetime, ZoneInfo], digest_time: time
) -> None:
    now, zone = moment
    local = now.astimezone(zone)
    assume(_wall_clock_unambiguous(local))
    assume(_exists_once(local.date(), digest_time, zone))
    assume(_exists_once(local.date() - DAY, digest_time, zone))
    last = last_digest_moment(now, zone, digest_time)

    there = last.astimezone(zone)
    assert last <= now
    assert there.time() == digest_time
    assert there.date() in (local.date(), local.date() - DAY)
    # The latest: the one after it is still to come.
    if there.date() == local.date() - DAY:
        assert datetime.combine(local.date(), digest_time, tzinfo=zone) > now
    wall = local.replace(tzinfo=None) - there.replace(tzinfo=None)
    assert wall == timedelta(
        microseconds=(_micros(local.time()) - _micros(digest_time)) % DAY_MICROS
    )


@given(_moments(), _TIMES, _TIMES)
def test_quiet_hours_never_end_in_the_past_even_when_clocks_change(
    moment: tuple[datetime, ZoneInfo], start: time, end: time
) -> None:
    now, zone = moment
    until = quiet_until(now, zone, start, end)
    if until is not None:
        assert now < until <= now + DAY + timedelta(hours=1)


@given(_moments(), _TIMES)
def test_the_digest_moment_is_never_in_the_future_even_when_clocks_change(
    moment: tuple[datetime, ZoneInfo], digest_time: time
) -> None:
    now, zone = moment
    assert now - 2 * DAY < last_digest_moment(now, zone, digest_time) <= now
