"""Business time in Asia/Bangkok (SPEC §3 "Deadlines"): office hours, the government's
business-day calendar and deadline arithmetic. Pure: the clock is passed in.

The bottom of `domain`: imports nothing of the project. Thai public holidays come from the
`holidays` package for CALENDAR_YEARS; days the cabinet announces at short notice (or a
seeded holiday that is cancelled) are applied with `with_changes` (`domain.calendar` keeps
them in the database).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property
from zoneinfo import ZoneInfo

import holidays

BANGKOK = ZoneInfo("Asia/Bangkok")
OFFICE_OPENS = time(8, 30)
OFFICE_CLOSES = time(16, 30)
_OFFICE_SECONDS = (
    datetime.combine(date.min, OFFICE_CLOSES) - datetime.combine(date.min, OFFICE_OPENS)
).total_seconds()
_ONE_DAY = timedelta(days=1)
OFFICE_DAY = timedelta(seconds=_OFFICE_SECONDS)
# The years whose holidays are known: every deadline, and every day an admin may change.
CALENDAR_YEARS = range(2020, 2046)


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekends and `holidays` are days off. Holidays outside the seeded years are unknown."""

    holidays: frozenset[date]

    def __post_init__(self) -> None:
        if not isinstance(self.holidays, frozenset):
            object.__setattr__(self, "holidays", frozenset(self.holidays))

    def is_business_day(self, day: date) -> bool:
        """Monday to Friday and not a holiday."""
        return day.weekday() < 5 and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        day += _ONE_DAY
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    @cached_property
    def _weekday_holidays(self) -> tuple[int, ...]:
        """The ordinals of the holidays that fall Monday to Friday, in order."""
        return tuple(sorted(d.toordinal() for d in self.holidays if d.weekday() < 5))

    def business_days_in(self, first: date, last: date) -> int:
        """How many business days lie from `first` to `last`, both included (0 if `last` is
        before `first`): weekdays counted by arithmetic, the holidays among them by bisection."""
        if last < first:
            return 0
        a, b = first.toordinal(), last.toordinal()
        off = bisect_right(self._weekday_holidays, b) - bisect_left(self._weekday_holidays, a)
        return _weekdays_to(b) - _weekdays_to(a - 1) - off

    def add_business_days(self, day: date, n: int) -> date:
        """The `n`th business day after `day` (`n` >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        for _ in range(n):
            day = self.next_business_day(day)
        return day


def _weekdays_to(ordinal: int) -> int:
    """How many of the days with ordinals 1 to `ordinal` are Monday to Friday (day 1, 1 January
    of year 1, was a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def thai_calendar(
    years: Iterable[int], added: Iterable[date] = (), removed: Iterable[date] = ()
) -> BusinessCalendar:
    """Thai public holidays of `years`, plus cabinet-announced `added` days, minus `removed`."""
    seeded = holidays.Thailand(years=list(years), categories=("public",))
    return BusinessCalendar((frozenset(seeded) | frozenset(added)) - frozenset(removed))


@cache
def government_calendar() -> BusinessCalendar:
    """Thai public holidays from the `holidays` package for every year deadlines can reach."""
    return thai_calendar(CALENDAR_YEARS)


def with_changes(added: Iterable[date] = (), removed: Iterable[date] = ()) -> BusinessCalendar:
    """The government calendar with an admin's added holidays and removed (working) days."""
    base = government_calendar().holidays
    return BusinessCalendar((base | frozenset(added)) - frozenset(removed))


def seeded_holidays(year: int) -> dict[date, str]:
    """The public holidays the `holidays` package knows for `year`, with their Thai names."""
    return {day: str(name) for day, name in holidays.Thailand(years=[year], categories=("public",),
                                                              language="th").items()}


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _closing_utc(day: date) -> datetime:
    return datetime.combine(day, OFFICE_CLOSES, tzinfo=BANGKOK).astimezone(UTC)


def due_at(made_at: datetime, business_days: int, calendar: BusinessCalendar) -> datetime:
    """When a deadline of `business_days` falls for a referral made at `made_at` (UTC-aware).

    n >= 1: 16:30 Bangkok of the nth business day after the Bangkok day of `made_at`.
    n == 0 ("same day"): 16:30 that day if it is a business day and `made_at` is before
    16:30; otherwise 16:30 of the next business day.
    """
    _require_aware(made_at, "made_at")
    if business_days < 0:
        raise ValueError("business_days must not be negative")
    local = made_at.astimezone(BANGKOK)
    day = local.date()
    if business_days >= 1:
        return _closing_utc(calendar.add_business_days(day, business_days))
    if calendar.is_business_day(day) and local.time() < OFFICE_CLOSES:
        return _closing_utc(day)
    return _closing_utc(calendar.next_business_day(day))


def business_days_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> float:
    """Elapsed office time (08:30–16:30 Bangkok on business days) from `start` to `end`, in days.

    One full office day counts 1.0; 0.0 when `end` is not after `start`.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return 0.0
    first, last = start.astimezone(BANGKOK).date(), end.astimezone(BANGKOK).date()
    elapsed = _office_time_on(first, start, end, calendar)
    if last > first:  # the days between are whole office days, if business days
        elapsed += (_office_time_on(last, start, end, calendar)
                    + OFFICE_DAY * calendar.business_days_in(first + _ONE_DAY, last - _ONE_DAY))
    return elapsed.total_seconds() / _OFFICE_SECONDS


def _office_time_on(day: date, start: datetime, end: datetime, calendar: BusinessCalendar) -> timedelta:
    """The office time of `day` between `start` and `end` (exact, to the microsecond)."""
    if not calendar.is_business_day(day):
        return timedelta(0)
    opens = datetime.combine(day, OFFICE_OPENS, tzinfo=BANGKOK)
    closes = datetime.combine(day, OFFICE_CLOSES, tzinfo=BANGKOK)
    return max(min(end, closes) - max(start, opens), timedelta(0))


def add_office_time(start: datetime, days: float, calendar: BusinessCalendar) -> datetime:
    """The instant when `days` office days (8 h each) have elapsed after `start`.

    Time outside office hours does not count; `start` itself may fall outside them.
    """
    if days <= 0:
        return start
    remaining = OFFICE_DAY * days
    local = start.astimezone(BANGKOK)
    day = local.date()
    while True:
        if calendar.is_business_day(day):
            opens = datetime.combine(day, OFFICE_OPENS, tzinfo=BANGKOK)
            closes = datetime.combine(day, OFFICE_CLOSES, tzinfo=BANGKOK)
            begin = max(opens, local)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
        day += timedelta(days=1)
        local = datetime.combine(day, time(0), tzinfo=BANGKOK)


def next_business_hour(now: datetime, calendar: BusinessCalendar) -> datetime:
    """`now` when it is within 08:30–16:30 Asia/Bangkok on a business day; otherwise 08:30
    of the next business day (today's, when it is a business day before 08:30)."""
    local = now.astimezone(BANGKOK)
    day = local.date()
    if calendar.is_business_day(day):
        if OFFICE_OPENS <= local.time() < OFFICE_CLOSES:
            return now
        if local.time() < OFFICE_OPENS:
            return datetime.combine(day, OFFICE_OPENS, tzinfo=BANGKOK).astimezone(now.tzinfo)
    opens = datetime.combine(calendar.next_business_day(day), OFFICE_OPENS, tzinfo=BANGKOK)
    return opens.astimezone(now.tzinfo)
