"""Load the calendar with an admin's changes; add or remove a holiday and move open deadlines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.calendar import repository
from domain.calendar.models import CalendarDay
from domain.clock.business import (CALENDAR_YEARS, BusinessCalendar, government_calendar, seeded_holidays,
                                   with_changes)
from domain.errors import AccessDenied, ValidationFailed
from domain.text import required_text
from domain.escalations.service import recompute_open_deadlines
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal


async def changed_days(session: AsyncSession) -> list[CalendarDay]:
    """The days an admin added as holidays or made working days."""
    return await repository.changed_days(session)


async def load_calendar(session: AsyncSession) -> BusinessCalendar:
    """The calendar in force: seeded holidays plus added, minus removed days."""
    rows = await repository.changed_days(session)
    return with_changes([r.day for r in rows if r.is_holiday], [r.day for r in rows if not r.is_holiday])


def _require_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise AccessDenied("Only an administrator changes the holiday calendar.")


async def _set_day(uow: UnitOfWork, principal: Principal, day: date, holiday: bool, name: str,
                   now: datetime) -> tuple[BusinessCalendar, int]:
    _require_admin(principal)
    if day.year not in CALENDAR_YEARS:
        first, last = CALENDAR_YEARS[0], CALENDAR_YEARS[-1]
        raise ValidationFailed("day", f"The day must be between {first} and {last}.",
                               f"วันที่ต้องอยู่ระหว่างปี ค.ศ. {first} ถึง {last}", code="OUT_OF_RANGE")
    session = uow.session
    seeded = day in government_calendar().holidays
    row = await repository.changed_day(session, day)
    was_holiday = row.is_holiday if row is not None else seeded
    before = {"isHoliday": was_holiday, "name": row.name if row is not None else seeded_name(day)}
    if holiday == seeded:
        if row is not None:
            await session.delete(row)  # back to what the `holidays` package says
    elif row is None:
        session.add(CalendarDay(day=day, is_holiday=holiday, name=name, changed_by_id=principal.user_id,
                                changed_at=now))
    else:
        row.is_holiday, row.name, row.changed_by_id, row.changed_at = holiday, name, principal.user_id, now
    await session.flush()
    calendar = await load_calendar(session)
    moved = await recompute_open_deadlines(uow, day, now, calendar)
    audit.record(session, principal.user_id, "HOLIDAY_ADDED" if holiday else "HOLIDAY_REMOVED", "HOLIDAY",
                 day.isoformat(), now, before=before,
                 after={"isHoliday": holiday, "name": name if holiday else None, "referralsMoved": moved},
                 only_changes=False)
    return calendar, moved


def seeded_name(day: date) -> str | None:
    """The name the `holidays` package gives a day, if it is one of its holidays."""
    return seeded_holidays(day.year).get(day)


async def add_holiday(uow: UnitOfWork, principal: Principal, day: date, name: str,
                      now: datetime) -> tuple[BusinessCalendar, int]:
    """Make `day` a holiday (a cabinet announcement); returns the calendar and the number of
    open referrals whose deadlines moved."""
    text = required_text(name, "name", 200, "the holiday's name", "ชื่อวันหยุด")
    return await _set_day(uow, principal, day, True, text, now)


async def remove_holiday(uow: UnitOfWork, principal: Principal, day: date,
                         now: datetime) -> tuple[BusinessCalendar, int]:
    """Make `day` a working day (an added holiday withdrawn, or a seeded one cancelled)."""
    return await _set_day(uow, principal, day, False, "working day", now)


class CalendarCache:
    """The calendar in force for a long-running process (the API), refreshed from the
    database at start-up, periodically, and right after an admin changes a day."""

    def __init__(self) -> None:
        self.current: BusinessCalendar = government_calendar()

    async def refresh(self, sessions: object) -> BusinessCalendar:
        async with sessions() as session:  # type: ignore[operator]
            self.current = await load_calendar(session)
        return self.current


async def holidays_of_year(session: AsyncSession, year: int) -> list[tuple[date, str, str]]:
    """The holidays in force in `year`: (day, name, source) with source SEEDED (the
    `holidays` package) or ADDED (an admin); seeded days an admin removed are left out."""
    changes = {r.day: r for r in await repository.changed_days(session) if r.day.year == year}
    seeded = seeded_holidays(year)
    result = [(day, name, "SEEDED") for day, name in seeded.items()
              if not (day in changes and not changes[day].is_holiday)]
    result += [(r.day, r.name, "ADDED") for r in changes.values() if r.is_holiday and r.day not in seeded]
    return sorted(result)
