"""The recurrence engine: calendar properties for any rule, and the schedules users set up."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, timedelta
from itertools import count, pairwise

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from commonhold.platform.recurrence import (
    MAX_INTERVAL,
    Frequency,
    Mode,
    Recurrence,
    RecurrenceError,
)

DAY = timedelta(days=1)
DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
INTERVALS = st.integers(1, 12) | st.integers(1, MAX_INTERVAL)
REPEATING = tuple(f for f in Frequency if f is not Frequency.NONE)
DAY_CHOICES = {Frequency.WEEKLY: st.integers(0, 6), Frequency.MONTHLY: st.integers(1, 31)}
UNIT = {
    Frequency.DAILY: relativedelta(days=1),
    Frequency.CUSTOM_DAYS: relativedelta(days=1),
    Frequency.WEEKLY: relativedelta(weeks=1),
    Frequency.MONTHLY: relativedelta(months=1),
    Frequency.YEARLY: relativedelta(years=1),
}


def period(rule: Recurrence) -> relativedelta:
    return UNIT[rule.frequency] * rule.interval


def month_number(day: date) -> int:
    return day.year * 12 + day.month


def month_length(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def horizon(rule: Recurrence, day: date) -> date:
    """A date by which the next occurrence after `day` must have come, if there is one."""
    after = max(day, rule.starts_on)
    if rule.frequency is Frequency.NONE:
        return after + DAY
    return after + period(rule) + timedelta(days=40)


@st.composite
def rules(
    draw: st.DrawFn,
    frequencies: tuple[Frequency, ...] = tuple(Frequency),
    modes: tuple[Mode, ...] = tuple(Mode),
    ending: bool | None = None,
) -> Recurrence:
    """Well-formed rules; the end date may fall before the first occurrence."""
    frequency = draw(st.sampled_from(frequencies))
    starts_on = draw(DATES)
    day = draw(st.none() | DAY_CHOICES[frequency]) if frequency in DAY_CHOICES else None
    ends_on: date | None = starts_on + timedelta(days=draw(st.integers(0, 1500)))
    if ending is False or (ending is None and draw(st.booleans())):
        ends_on = None
    return Recurrence(
        frequency=frequency,
        starts_on=starts_on,
        interval=draw(INTERVALS),
        day=day,
        ends_on=ends_on,
        mode=draw(st.sampled_from(modes)),
    )


@st.composite
def valid_rules(draw: st.DrawFn) -> Recurrence:
    """Rules that end, if at all, after a whole period plus a month: always past the first."""
    rule = draw(rules(ending=False))
    if rule.frequency is Frequency.NONE or not draw(st.booleans()):
        return rule
    slack = timedelta(days=draw(st.integers(31, 2000)))
    return replace(rule, ends_on=rule.starts_on + period(rule) + slack)


@st.composite
def invalid_rules(draw: st.DrawFn) -> Recurrence:
    rule = draw(rules(ending=False))
    breakage = draw(st.sampled_from(["interval", "dayless", "weekday", "month day", "ends"]))
    if breakage == "interval":
        bad = draw(st.integers(max_value=0) | st.integers(min_value=MAX_INTERVAL + 1))
        return replace(rule, interval=bad)
    if breakage == "dayless":
        dayless = (Frequency.NONE, Frequency.DAILY, Frequency.YEARLY, Frequency.CUSTOM_DAYS)
        return replace(rule, frequency=draw(st.sampled_from(dayless)), day=draw(st.integers()))
    if breakage == "weekday":
        bad = draw(st.integers(max_value=-1) | st.integers(min_value=7))
        return replace(rule, frequency=Frequency.WEEKLY, day=bad)
    if breakage == "month day":
        bad = draw(st.integers(max_value=0) | st.integers(min_value=32))
        return replace(rule, frequency=Frequency.MONTHLY, day=bad)
    return replace(rule, ends_on=rule.starts_on - timedelta(days=draw(st.integers(1, 1000))))


@given(rules(), st.integers(-400, 3000), st.integers(0, 800))
def test_occurrences_are_inside_the_window_ascending_and_unique(
    rule: Recurrence, offset: int, span: int
) -> None:
    start = rule.starts_on + timedelta(days=offset)
    end = start + timedelta(days=span)
    found = rule.between(start, end)
    lowest = max(start, rule.starts_on)
    highest = end if rule.ends_on is None else min(end, rule.ends_on)
    assert all(lowest <= d <= highest for d in found)
    assert all(a < b for a, b in pairwise(found))


@given(rules((Frequency.WEEKLY,), (Mode.FIXED,), ending=False))
def test_weekly_keeps_its_weekday_and_spacing(rule: Recurrence) -> None:
    found = rule.between(rule.starts_on, rule.starts_on + timedelta(days=800))
    weekday = rule.starts_on.weekday() if rule.day is None else rule.day
    assert (found[0] - rule.starts_on).days < 7
    assert all(d.weekday() == weekday for d in found)
    assert all((b - a).days == 7 * rule.interval for a, b in pairwise(found))


@given(rules((Frequency.MONTHLY,), (Mode.FIXED,), ending=False))
def test_monthly_clamps_to_month_end_and_keeps_its_spacing(rule: Recurrence) -> None:
    first = rule.first()
    assert first is not None
    found = rule.between(rule.starts_on, first + timedelta(days=2000))
    wanted = rule.starts_on.day if rule.day is None else rule.day
    assert month_number(first) - month_number(rule.starts_on) in (0, rule.interval)
    assert all(d.day == min(wanted, month_length(d)) for d in found)
    assert all(month_number(b) - month_number(a) == rule.interval for a, b in pairwise(found))


@given(rules((Frequency.YEARLY,), (Mode.FIXED,), ending=False))
def test_yearly_keeps_its_month_and_day(rule: Recurrence) -> None:
    found = rule.between(rule.starts_on, rule.starts_on + timedelta(days=5000))
    assert found[0] == rule.starts_on
    assert all(d.month == rule.starts_on.month for d in found)
    assert all(d.day == min(rule.starts_on.day, month_length(d)) for d in found)
    assert all(b.year - a.year == rule.interval for a, b in pairwise(found))


@given(rules((Frequency.DAILY, Frequency.CUSTOM_DAYS), (Mode.FIXED,), ending=False))
def test_daily_counts_days_from_the_start(rule: Recurrence) -> None:
    found = rule.between(rule.starts_on, rule.starts_on + timedelta(days=800))
    assert found[0] == rule.starts_on
    assert all((b - a).days == rule.interval for a, b in pairwise(found))


@given(rules(), st.integers(-400, 3000), st.integers(0, 800), st.data())
def test_a_window_splits_anywhere(
    rule: Recurrence, offset: int, span: int, data: st.DataObject
) -> None:
    start = rule.starts_on + timedelta(days=offset)
    end = start + timedelta(days=span)
    middle = start + timedelta(days=data.draw(st.integers(-1, span)))
    assert rule.between(start, end) == rule.between(start, middle) + rule.between(middle + DAY, end)


@given(rules(), st.integers(0, 3000), st.integers(0, 60))
def test_a_window_far_from_the_start_matches_walking_from_the_start(
    rule: Recurrence, offset: int, span: int
) -> None:
    start = rule.starts_on + timedelta(days=offset)
    end = start + timedelta(days=span)
    walked = [d for d in rule.between(rule.starts_on, end) if d >= start]
    assert rule.between(start, end) == walked


@given(rules(), st.integers(-400, 3000))
def test_next_after_is_the_first_occurrence_that_follows(rule: Recurrence, offset: int) -> None:
    day = rule.starts_on + timedelta(days=offset)
    following = rule.between(day + DAY, horizon(rule, day))
    assert rule.next_after(day) == (following[0] if following else None)


@given(rules())
def test_first_is_the_next_after_the_day_before_the_start(rule: Recurrence) -> None:
    assert rule.first() == rule.next_after(rule.starts_on - DAY)


@given(rules(REPEATING, (Mode.ROLLING,)), st.integers(0, 3000))
def test_rolling_projection_counts_whole_periods_from_the_start(
    rule: Recurrence, span: int
) -> None:
    end = rule.starts_on + timedelta(days=span)
    last = end if rule.ends_on is None else min(end, rule.ends_on)
    projected = []
    for k in count():
        due = rule.starts_on + period(rule) * k
        if due > last:
            break
        projected.append(due)
    assert rule.between(rule.starts_on, end) == projected


@given(rules(REPEATING, (Mode.ROLLING,)), st.integers(0, 3000), st.integers(-30, 30))
def test_rolling_is_due_one_period_after_completion(
    rule: Recurrence, offset: int, lateness: int
) -> None:
    due_on = rule.starts_on + timedelta(days=offset)
    done_on = due_on + timedelta(days=lateness)
    due = done_on + period(rule)
    expected = None if rule.ends_on is not None and due > rule.ends_on else due
    assert rule.next_after_completion(due_on, done_on) == expected


@given(rules(modes=(Mode.FIXED,)), st.integers(0, 3000), st.integers(-30, 30))
def test_fixed_ignores_when_it_was_done(rule: Recurrence, offset: int, lateness: int) -> None:
    due_on = rule.starts_on + timedelta(days=offset)
    done_on = due_on + timedelta(days=lateness)
    expected = None if rule.frequency is Frequency.NONE else rule.next_after(due_on)
    assert rule.next_after_completion(due_on, done_on) == expected


@given(rules(ending=True), st.integers(-400, 3000), st.integers(-30, 30))
def test_nothing_is_ever_due_after_the_end(rule: Recurrence, offset: int, lateness: int) -> None:
    assert rule.ends_on is not None
    day = rule.starts_on + timedelta(days=offset)
    found = rule.between(rule.starts_on, rule.ends_on + timedelta(days=2000))
    after = [rule.next_after(day), rule.next_after_completion(day, day + timedelta(lateness))]
    assert all(d <= rule.ends_on for d in found)
    assert all(d is None or d <= rule.ends_on for d in after)


@given(valid_rules())
def test_validate_accepts_valid_rules(rule: Recurrence) -> None:
    rule.validate()


@given(invalid_rules())
def test_validate_rejects_invalid_rules(rule: Recurrence) -> None:
    with pytest.raises(RecurrenceError, match=r"\.$"):
        rule.validate()


@given(rules(ending=True))
def test_validate_rejects_exactly_the_rules_that_never_occur(rule: Recurrence) -> None:
    if rule.first() is None:
        with pytest.raises(RecurrenceError, match="no date"):
            rule.validate()
    else:
        rule.validate()


def test_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    rule = Recurrence(Frequency.MONTHLY, starts_on=date(2027, 1, 1), day=31)
    assert rule.between(date(2027, 1, 1), date(2027, 4, 30)) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert rule.between(date(2028, 2, 1), date(2028, 2, 29)) == [date(2028, 2, 29)]


def test_every_two_weeks_on_friday_starts_on_the_first_friday() -> None:
    wednesday = date(2025, 1, 1)
    rule = Recurrence(Frequency.WEEKLY, starts_on=wednesday, interval=2, day=4)
    assert rule.first() == date(2025, 1, 3)
    assert rule.next_after(date(2025, 1, 3)) == date(2025, 1, 17)


def test_yearly_on_february_29_is_february_28_in_other_years() -> None:
    rule = Recurrence(Frequency.YEARLY, starts_on=date(2024, 2, 29))
    assert rule.between(date(2024, 1, 1), date(2028, 12, 31)) == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_a_rule_ending_before_it_starts_is_refused() -> None:
    rule = Recurrence(Frequency.DAILY, starts_on=date(2025, 5, 10), ends_on=date(2025, 5, 1))
    with pytest.raises(RecurrenceError, match="end date is before the start date"):
        rule.validate()


def test_weekday_7_is_refused() -> None:
    rule = Recurrence(Frequency.WEEKLY, starts_on=date(2025, 5, 10), day=7)
    with pytest.raises(RecurrenceError, match="Monday"):
        rule.validate()


def test_a_rule_that_ends_before_its_first_date_is_refused() -> None:
    rule = Recurrence(
        Frequency.MONTHLY, starts_on=date(2025, 1, 20), day=10, ends_on=date(2025, 1, 31)
    )
    assert rule.first() is None
    with pytest.raises(RecurrenceError, match="no date"):
        rule.validate()


def test_every_10_days_done_3_days_late_is_due_10_days_after_completion() -> None:
    rule = Recurrence(
        Frequency.CUSTOM_DAYS, starts_on=date(2025, 3, 1), interval=10, mode=Mode.ROLLING
    )
    assert rule.next_after_completion(date(2025, 3, 1), date(2025, 3, 4)) == date(2025, 3, 14)


def test_rolling_monthly_from_january_31_returns_to_the_31st() -> None:
    rule = Recurrence(Frequency.MONTHLY, starts_on=date(2025, 1, 31), mode=Mode.ROLLING)
    assert rule.between(date(2025, 1, 1), date(2025, 3, 31)) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]


def test_a_one_off_is_due_once() -> None:
    rule = Recurrence(Frequency.NONE, starts_on=date(2025, 6, 1))
    assert rule.first() == date(2025, 6, 1)
    assert rule.between(date(2025, 1, 1), date(2025, 12, 31)) == [date(2025, 6, 1)]
    assert rule.next_after(date(2025, 6, 1)) is None
    assert rule.next_after_completion(date(2025, 6, 1), date(2025, 6, 1)) is None


def test_a_monthly_rule_started_ten_years_ago_finds_this_month() -> None:
    rule = Recurrence(Frequency.MONTHLY, starts_on=date(2015, 3, 15), interval=3)
    assert rule.between(date(2025, 6, 1), date(2025, 6, 30)) == [date(2025, 6, 15)]
    assert rule.between(date(2025, 7, 1), date(2025, 8, 31)) == []
