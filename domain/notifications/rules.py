"""When a message to a person may go out: office hours on business days (pure)."""

from __future__ import annotations

from datetime import datetime

from domain.cases.deadlines import BANGKOK, OFFICE_CLOSES, OFFICE_OPENS, BusinessCalendar


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
