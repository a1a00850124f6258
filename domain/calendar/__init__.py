"""The government's business-day calendar used for deadlines."""

from __future__ import annotations

from functools import cache

from domain.cases.deadlines import BusinessCalendar, thai_calendar

CALENDAR_YEARS = range(2020, 2046)


@cache
def government_calendar() -> BusinessCalendar:
    """Thai public holidays from the `holidays` package for every year deadlines can reach."""
    return thai_calendar(CALENDAR_YEARS)
