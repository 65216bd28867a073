"""Recurring due dates: "every 3 months", "every 2 weeks on Friday", "10 days after last time".

A rule is FIXED (due dates follow the calendar from ``starts_on``) or ROLLING (the next due date
counts from the last completion). The calendar work is dateutil's ``rrule`` and
``relativedelta``. Recurring dates are dates, never datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from dateutil import rrule
from dateutil.relativedelta import relativedelta

from commonhold.platform.errors import InvalidRequest

MAX_INTERVAL = 1000
# Every month has days 1..28; a later day is clamped to the month's last day.
_DAYS_IN_EVERY_MONTH = 28


class Frequency(StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"
    CUSTOM_DAYS = "custom_days"


class Mode(StrEnum):
    FIXED = "fixed"
    """Occurrences follow the calendar from ``starts_on``."""
    ROLLING = "rolling"
    """The next due date counts from the last completion."""


class RecurrenceError(ValueError):
    """A rule that is invalid or can never occur; str(error) is a sentence for the user."""


class InvalidRecurrence(InvalidRequest):
    code = "invalid_recurrence"
    title = "The recurrence rule is not valid"


_DAYS_PER_UNIT = {Frequency.DAILY: 1, Frequency.CUSTOM_DAYS: 1, Frequency.WEEKLY: 7}
_MONTHS_PER_UNIT = {Frequency.MONTHLY: 1, Frequency.YEARLY: 12}
_DAY_CHOICES = {
    Frequency.WEEKLY: (range(7), "The weekday must be from 0 (Monday) to 6 (Sunday)."),
    Frequency.MONTHLY: (range(1, 32), "The day of the month must be from 1 to 31."),
}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


@dataclass(frozen=True)
class Recurrence:
    """When something is due again. Methods other than ``validate`` expect a valid rule."""

    frequency: Frequency
    starts_on: date
    """The anchor: the first possible due date."""
    interval: int = 1
    """Every N units: "every 2 weeks" is WEEKLY with interval 2; CUSTOM_DAYS is every N days."""
    day: int | None = None
    """WEEKLY: weekday, 0 = Monday; MONTHLY: day of month, 1..31; None: taken from starts_on."""
    ends_on: date | None = None
    """The last possible due date, inclusive."""
    mode: Mode = Mode.FIXED

    def validate(self) -> None:
        """Raise RecurrenceError if the rule is malformed or has no occurrence at all."""
        self._check_fields()
        if self.first() is None:
            raise RecurrenceError("This schedule has no date on or before its end date.")

    def first(self) -> date | None:
        """The first occurrence on or after ``starts_on``; None if it would be after ``ends_on``."""
        return self._after(self.starts_on, inclusive=True)

    def between(self, start: date, end: date) -> list[date]:
        """Every occurrence from ``start`` to ``end``, both inclusive, in ascending order.

        A ROLLING rule gives its projection: the dates due if each one is done on its due date.
        """
        start = max(start, self.starts_on)
        if self.ends_on is not None:
            end = min(end, self.ends_on)
        if start > end:
            return []
        if self.frequency is Frequency.NONE:
            return [self.starts_on] if start == self.starts_on else []
        found = self._rrule(near=start).between(_midnight(start), _midnight(end), inc=True)
        return [moment.date() for moment in found]

    def next_after(self, day: date) -> date | None:
        """The first occurrence strictly after ``day``; None when none remain."""
        return self._after(day, inclusive=False)

    def next_after_completion(self, due_on: date, done_on: date) -> date | None:
        """The next due date once the one due on ``due_on`` was done (or skipped) on ``done_on``.

        FIXED keeps to the calendar; ROLLING is due one period after ``done_on``.
        """
        if self.frequency is Frequency.NONE:
            return None
        if self.mode is Mode.FIXED:
            return self.next_after(due_on)
        self._check_fields()
        due = done_on + self._period()
        return None if self.ends_on is not None and due > self.ends_on else due

    def _check_fields(self) -> None:
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise RecurrenceError(f"The interval must be a whole number from 1 to {MAX_INTERVAL}.")
        if self.day is not None:
            if self.frequency not in _DAY_CHOICES:
                raise RecurrenceError("Only weekly and monthly schedules can fall on a chosen day.")
            choices, problem = _DAY_CHOICES[self.frequency]
            if self.day not in choices:
                raise RecurrenceError(problem)
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise RecurrenceError("The end date is before the start date.")

    def _after(self, day: date, *, inclusive: bool) -> date | None:
        if self.frequency is Frequency.NONE:
            after = self.starts_on >= day if inclusive else self.starts_on > day
            in_time = self.ends_on is None or self.starts_on <= self.ends_on
            return self.starts_on if after and in_time else None
        found = self._rrule(near=day).after(_midnight(day), inc=inclusive)
        return None if found is None else found.date()

    def _period(self) -> relativedelta:
        if self.frequency in _MONTHS_PER_UNIT:
            return relativedelta(months=self.interval * _MONTHS_PER_UNIT[self.frequency])
        return relativedelta(days=self.interval * _DAYS_PER_UNIT[self.frequency])

    def _rrule(self, near: date) -> rrule.rrule:
        """The rule as an rrule that starts at the last period beginning on or before ``near``.

        rrule walks period by period from its start, so starting near the window keeps a short
        window cheap however old the anchor is; the periods stay aligned to ``starts_on``.
        """
        self._check_fields()
        until = None if self.ends_on is None else _midnight(self.ends_on)
        # A ROLLING projection is starts_on + k periods, whatever day was chosen.
        chosen = None if self.mode is Mode.ROLLING else self.day
        if self.frequency in _MONTHS_PER_UNIT:
            # A year runs as 12 months, so Feb 29 clamps to Feb 28 the way the 31st does.
            step = self.interval * _MONTHS_PER_UNIT[self.frequency]
            periods = max(0, (_month_number(near) - _month_number(self.starts_on)) // step)
            begin = self.starts_on
            if periods:
                begin = begin.replace(day=1) + relativedelta(months=periods * step)
            month_day = chosen or self.starts_on.day
            # The last existing day of 28..month_day: the 31st is Feb 28 (or 29), Apr 30, Mar 31.
            return rrule.rrule(
                rrule.MONTHLY,
                dtstart=_midnight(begin),
                interval=step,
                until=until,
                bymonthday=range(min(month_day, _DAYS_IN_EVERY_MONTH), month_day + 1),
                bysetpos=-1,
            )
        step = self.interval * _DAYS_PER_UNIT[self.frequency]
        periods = max(0, (near - self.starts_on).days // step)
        begin = self.starts_on + timedelta(days=periods * step)
        if self.frequency is Frequency.WEEKLY:
            # Weeks begin on starts_on's weekday, so the first match is the first one on or
            # after starts_on and later ones are exactly `interval` weeks apart.
            weekday = self.starts_on.weekday() if chosen is None else chosen
            return rrule.rrule(
                rrule.WEEKLY,
                dtstart=_midnight(begin),
                interval=self.interval,
                until=until,
                byweekday=weekday,
                wkst=begin.weekday(),
            )
        return rrule.rrule(rrule.DAILY, dtstart=_midnight(begin), interval=step, until=until)


def checked(rule: Recurrence) -> Recurrence:
    """``rule`` once valid; ``422 invalid_recurrence`` saying what is wrong otherwise."""
    try:
        rule.validate()
    except RecurrenceError as exc:
        raise InvalidRecurrence(str(exc)) from exc
    return rule
