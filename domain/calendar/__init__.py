"""The government's business-day calendar used for deadlines.

Thai public holidays come from the `holidays` package; days the cabinet announces at short
notice (or a seeded holiday that is cancelled) are rows of `calendar_day` kept by an admin,
read with `calendar.service.load_calendar`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache

from domain.cases.deadlines import BusinessCalendar, thai_calendar

CALENDAR_YEARS = range(2020, 2046)


@cache
def government_calendar() -> BusinessCalendar:
    """Thai public holidays from the `holidays` package for every year deadlines can reach."""
    return thai_calendar(CALENDAR_YEARS)


def with_changes(added: Iterable[date] = (), removed: Iterable[date] = ()) -> BusinessCalendar:
    """The government calendar with an admin's added holidays and removed (working) days."""
    base = government_calendar().holidays
    return BusinessCalendar((base | frozenset(added)) - frozenset(removed))
