from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.clock.business import (BANGKOK, OFFICE_CLOSES, OFFICE_OPENS, BusinessCalendar, business_days_between, due_at, thai_calendar)
from tests.factories import CAL, bkk


def close_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 16, 30, tzinfo=BANGKOK)


# -- the seeded calendar: the dates the tests below rely on, as the `holidays` package has them


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 12, 31),  # New Year's Eve
        date(2026, 1, 1),  # New Year's Day
        date(2026, 1, 2),  # bridge public holiday
        date(2026, 4, 6),  # Chakri Memorial Day
        date(2026, 4, 13),  # Songkran
        date(2026, 4, 14),
        date(2026, 4, 15),
        date(2026, 5, 1),  # National Labour Day
        date(2026, 12, 7),  # King Bhumibol's birthday (in lieu)
    ],
)
def test_seeded_holidays(day: date) -> None:
    assert day in CAL.holidays
    assert not CAL.is_business_day(day)


def test_office_hours() -> None:
    assert (OFFICE_OPENS.hour, OFFICE_OPENS.minute) == (8, 30)
    assert (OFFICE_CLOSES.hour, OFFICE_CLOSES.minute) == (16, 30)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 9), True),  # Thursday
        (date(2026, 4, 10), True),  # Friday
        (date(2026, 4, 11), False),  # Saturday
        (date(2026, 4, 12), False),  # Sunday
        (date(2026, 4, 13), False),  # Songkran (Monday)
        (date(2026, 4, 16), True),
        (date(2026, 1, 5), True),
        (date(2026, 1, 10), False),  # Children's Day is a Saturday anyway
    ],
)
def test_is_business_day(day: date, expected: bool) -> None:
    assert CAL.is_business_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 9), date(2026, 4, 10)),
        (date(2026, 4, 10), date(2026, 4, 16)),  # weekend + Songkran
        (date(2026, 4, 11), date(2026, 4, 16)),  # from a Saturday
        (date(2025, 12, 30), date(2026, 1, 5)),  # 31 Dec – 2 Jan + weekend
        (date(2026, 4, 30), date(2026, 5, 5)),  # Labour Day Fri, Coronation Day Mon
    ],
)
def test_next_business_day(day: date, expected: date) -> None:
    assert CAL.next_business_day(day) == expected


@pytest.mark.parametrize("n", [0, -1])
def test_add_business_days_needs_a_positive_n(n: int) -> None:
    with pytest.raises(ValueError):
        CAL.add_business_days(date(2026, 4, 9), n)


@pytest.mark.parametrize("start", [date(2025, 12, 20) + timedelta(days=k) for k in range(0, 400, 7)])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 15, 30, 60])
def test_add_business_days_counts_exactly_n_business_days(start: date, n: int) -> None:
    end = CAL.add_business_days(start, n)
    assert CAL.is_business_day(end)
    days = [start + timedelta(days=k) for k in range(1, (end - start).days + 1)]
    assert sum(CAL.is_business_day(d) for d in days) == n


# -- due_at


@pytest.mark.parametrize(
    ("made_at", "n", "expected"),
    [
        # SPEC's worked example: 13–15 April 2026 are Songkran
        (bkk(2026, 4, 10, 10), 2, close_of(2026, 4, 17)),
        # plain weekend
        (bkk(2026, 3, 19, 9), 1, close_of(2026, 3, 20)),
        (bkk(2026, 3, 19, 9), 2, close_of(2026, 3, 23)),
        (bkk(2026, 3, 20, 9), 1, close_of(2026, 3, 23)),
        (bkk(2026, 3, 21, 9), 1, close_of(2026, 3, 23)),  # made on a Saturday
        (bkk(2026, 3, 22, 23, 59), 1, close_of(2026, 3, 23)),  # made on a Sunday night
        # made after hours: still counted from that day
        (bkk(2026, 3, 19, 20), 1, close_of(2026, 3, 20)),
        (bkk(2026, 4, 10, 20), 1, close_of(2026, 4, 16)),
        # New Year: 31 Dec, 1 Jan and the 2 Jan 2026 bridge day
        (bkk(2025, 12, 30, 10), 1, close_of(2026, 1, 5)),
        (bkk(2025, 12, 29, 10), 2, close_of(2026, 1, 5)),
        (bkk(2025, 12, 26, 10), 3, close_of(2026, 1, 5)),
        (bkk(2025, 12, 26, 10), 4, close_of(2026, 1, 6)),
        # Chakri Memorial Day Mon 6 Apr 2026, then Songkran the week after
        (bkk(2026, 4, 3, 10), 1, close_of(2026, 4, 7)),
        (bkk(2026, 4, 3, 10), 4, close_of(2026, 4, 10)),
        (bkk(2026, 4, 3, 10), 5, close_of(2026, 4, 16)),
        # same day
        (bkk(2026, 4, 8, 10), 0, close_of(2026, 4, 8)),
        (bkk(2026, 4, 8, 6), 0, close_of(2026, 4, 8)),  # before the office opens
        (bkk(2026, 4, 8, 16, 29, 59), 0, close_of(2026, 4, 8)),
        (bkk(2026, 4, 8, 16, 30), 0, close_of(2026, 4, 9)),  # at closing time: next day
        (bkk(2026, 4, 8, 18), 0, close_of(2026, 4, 9)),
        (bkk(2026, 4, 10, 18), 0, close_of(2026, 4, 16)),  # Friday evening before Songkran
        (bkk(2026, 4, 11, 10), 0, close_of(2026, 4, 16)),  # Saturday
        (bkk(2026, 3, 21, 10), 0, close_of(2026, 3, 23)),  # Saturday, plain weekend
        (bkk(2026, 4, 13, 10), 0, close_of(2026, 4, 16)),  # on a holiday
        (bkk(2026, 1, 1, 9), 0, close_of(2026, 1, 5)),
    ],
)
def test_due_at(made_at: datetime, n: int, expected: datetime) -> None:
    assert due_at(made_at, n, CAL) == expected


def test_due_at_returns_utc() -> None:
    result = due_at(bkk(2026, 4, 10, 10), 2, CAL)
    assert result.tzinfo is UTC
    assert result.utcoffset() == timedelta(0)
    assert result == datetime(2026, 4, 17, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("made_at", "n", "expected"),
    [
        # 20:00 UTC Thursday is already Friday 03:00 in Bangkok
        (datetime(2026, 4, 9, 20, 0, tzinfo=UTC), 2, close_of(2026, 4, 17)),
        (datetime(2026, 4, 8, 23, 0, tzinfo=UTC), 0, close_of(2026, 4, 9)),
        # 09:30 UTC is 16:30 in Bangkok: too late for the same day
        (datetime(2026, 4, 8, 9, 30, tzinfo=UTC), 0, close_of(2026, 4, 9)),
        (datetime(2026, 4, 8, 9, 29, tzinfo=UTC), 0, close_of(2026, 4, 8)),
        (datetime(2026, 4, 8, 4, 29, tzinfo=timezone(timedelta(hours=-5))), 0, close_of(2026, 4, 8)),
    ],
)
def test_due_at_uses_the_bangkok_day(made_at: datetime, n: int, expected: datetime) -> None:
    assert due_at(made_at, n, CAL) == expected


def test_due_at_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError):
        due_at(datetime(2026, 4, 10, 10), 2, CAL)


def test_due_at_rejects_negative_days() -> None:
    with pytest.raises(ValueError):
        due_at(bkk(2026, 4, 10, 10), -1, CAL)


# -- cabinet changes


def test_added_cabinet_day() -> None:
    made = bkk(2026, 4, 16, 10)
    assert due_at(made, 1, CAL) == close_of(2026, 4, 17)
    extra = thai_calendar([2026], added=[date(2026, 4, 17)])
    assert not extra.is_business_day(date(2026, 4, 17))
    assert due_at(made, 1, extra) == close_of(2026, 4, 20)
    assert due_at(made, 0, extra) == close_of(2026, 4, 16)
    assert due_at(bkk(2026, 4, 16, 17), 0, extra) == close_of(2026, 4, 20)


def test_removed_day() -> None:
    fewer = thai_calendar([2026], removed=[date(2026, 4, 15)])
    assert fewer.is_business_day(date(2026, 4, 15))
    assert due_at(bkk(2026, 4, 10, 10), 2, fewer) == close_of(2026, 4, 16)
    assert due_at(bkk(2026, 4, 10, 18), 0, fewer) == close_of(2026, 4, 15)


def test_removing_a_day_that_is_not_a_holiday_changes_nothing() -> None:
    assert thai_calendar([2026], removed=[date(2026, 4, 16)]) == thai_calendar([2026])


def test_calendar_is_a_hashable_value() -> None:
    cal = BusinessCalendar({date(2026, 4, 13)})  # type: ignore[arg-type]
    assert isinstance(cal.holidays, frozenset)
    assert cal == BusinessCalendar(frozenset({date(2026, 4, 13)}))
    assert hash(cal) == hash(BusinessCalendar(frozenset({date(2026, 4, 13)})))
    assert BusinessCalendar(frozenset()).is_business_day(date(2026, 4, 13))


# -- business_days_between


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (bkk(2026, 4, 8, 8, 30), bkk(2026, 4, 8, 16, 30), 1.0),
        (bkk(2026, 4, 8, 6), bkk(2026, 4, 8, 20), 1.0),  # outside hours does not count
        (bkk(2026, 4, 8, 10), bkk(2026, 4, 8, 14), 0.5),
        (bkk(2026, 4, 8, 17), bkk(2026, 4, 9, 8, 30), 0.0),  # overnight
        (bkk(2026, 3, 20, 12, 30), bkk(2026, 3, 23, 12, 30), 1.0),  # over a weekend
        (bkk(2026, 4, 10, 16, 30), bkk(2026, 4, 16, 8, 30), 0.0),  # weekend + Songkran
        (bkk(2026, 4, 10, 10), close_of(2026, 4, 17), 2.0 + 6.5 / 8),  # the worked example
        (bkk(2026, 3, 16, 8, 30), bkk(2026, 3, 20, 16, 30), 5.0),  # a whole week
        (bkk(2026, 4, 8, 14), bkk(2026, 4, 8, 10), 0.0),  # end before start
        (bkk(2026, 4, 8, 10), bkk(2026, 4, 8, 10), 0.0),
        (datetime(2026, 4, 8, 2, 30, tzinfo=UTC), datetime(2026, 4, 8, 5, 30, tzinfo=UTC), 3 / 8),
    ],
)
def test_business_days_between(start: datetime, end: datetime, expected: float) -> None:
    assert business_days_between(start, end, CAL) == pytest.approx(expected)


def test_business_days_between_needs_aware_datetimes() -> None:
    with pytest.raises(ValueError):
        business_days_between(datetime(2026, 4, 8, 10), bkk(2026, 4, 9, 10), CAL)
    with pytest.raises(ValueError):
        business_days_between(bkk(2026, 4, 8, 10), datetime(2026, 4, 9, 10), CAL)


@pytest.mark.parametrize("made_at", [bkk(2026, 4, 10, 10), bkk(2026, 3, 19, 9), bkk(2025, 12, 29, 11)])
@pytest.mark.parametrize("n", [1, 2, 3, 30])
def test_due_at_and_elapsed_agree(made_at: datetime, n: int) -> None:
    # from the start of the next business day's office hours to the deadline is n whole days
    first = CAL.next_business_day(made_at.astimezone(BANGKOK).date())
    opens = datetime.combine(first, OFFICE_OPENS, tzinfo=BANGKOK)
    assert business_days_between(opens, due_at(made_at, n, CAL), CAL) == pytest.approx(n)


# -- the office time between two instants, counted without walking the days between ----------------

def _walked(start: datetime, end: datetime, calendar: BusinessCalendar) -> float:
    """Office time by walking every day from start to end (how it was counted until 2026-12)."""
    if end <= start:
        return 0.0
    day, last = start.astimezone(BANGKOK).date(), end.astimezone(BANGKOK).date()
    elapsed = timedelta(0)
    while day <= last:
        if calendar.is_business_day(day):
            opens = datetime.combine(day, OFFICE_OPENS, tzinfo=BANGKOK)
            closes = datetime.combine(day, OFFICE_CLOSES, tzinfo=BANGKOK)
            elapsed += max(min(end, closes) - max(start, opens), timedelta(0))
        day += timedelta(days=1)
    return elapsed / timedelta(hours=8)


_INSTANTS = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 2, 1),
                         timezones=st.sampled_from([UTC, BANGKOK]))
_DAYS = st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 2, 1))


@settings(max_examples=400, deadline=None)
@given(start=_INSTANTS, end=_INSTANTS, added=st.frozensets(_DAYS, max_size=6),
       removed=st.frozensets(_DAYS, max_size=6))
def test_office_time_counted_without_walking_the_days_is_the_walked_time(
        start: datetime, end: datetime, added: frozenset[date], removed: frozenset[date]) -> None:
    calendar = BusinessCalendar((CAL.holidays | added) - removed)
    assert business_days_between(start, end, calendar) == pytest.approx(_walked(start, end, calendar),
                                                                         rel=0, abs=1e-12)
    whole = start.replace(microsecond=0), end.replace(microsecond=0)  # whole seconds: to the bit
    assert business_days_between(*whole, calendar) == _walked(*whole, calendar)


@given(first=_DAYS, last=_DAYS, added=st.frozensets(_DAYS, max_size=6))
def test_business_days_in_a_range_are_counted_as_one_by_one(first: date, last: date,
                                                           added: frozenset[date]) -> None:
    calendar = BusinessCalendar(CAL.holidays | added)
    one_by_one = sum(calendar.is_business_day(first + timedelta(days=i))
                     for i in range((last - first).days + 1))
    assert calendar.business_days_in(first, last) == one_by_one
