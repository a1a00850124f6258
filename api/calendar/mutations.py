"""Holiday mutations (ADMIN): a change recomputes the open deadlines at once."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.calendar.types import CalendarChange, Holiday
from api.context import Info
from api.errors import ValidationError
from api.permissions import IsAuthenticated, roles
from domain.calendar import service
from domain.clock.business import CALENDAR_YEARS
from domain.users.models import Role

ADMINS = [IsAuthenticated, roles(Role.ADMIN)]


@strawberry.type(description="The calendar was changed; open deadlines were recomputed.")
class ChangeHolidaySuccess:
    day: date = strawberry.field(description="The day changed.")
    is_business_day: bool = strawberry.field(description="Whether the day now counts for deadlines.")
    referrals_moved: int = strawberry.field(description="Open referrals whose deadlines moved.")


AddHolidayResult = Annotated[ChangeHolidaySuccess | ValidationError, strawberry.union("AddHolidayResult")]
RemoveHolidayResult = Annotated[ChangeHolidaySuccess | ValidationError, strawberry.union("RemoveHolidayResult")]


@strawberry.type
class CalendarQueries:
    @strawberry.field(description="Days an administrator added as holidays or made working days.",
                      permission_classes=[IsAuthenticated])
    async def calendar_changes(self, info: Info) -> list[CalendarChange]:
        async with info.context.db.read_sessions() as session:
            rows = await service.changed_days(session)
        return [CalendarChange(day=r.day, is_holiday=r.is_holiday, name=r.name) for r in rows]

    @strawberry.field(description="The holidays of a year that deadlines skip (weekends aside).",
                      permission_classes=[IsAuthenticated])
    async def holidays(self, info: Info, year: int) -> list[Holiday]:
        if year not in CALENDAR_YEARS:
            return []
        async with info.context.db.read_sessions() as session:
            rows = await service.holidays_of_year(session, year)
        return [Holiday(day=day, name=name, source=source) for day, name, source in rows]


@strawberry.type
class CalendarMutations:
    @strawberry.mutation(description="Add a holiday the cabinet announced (ADMIN).", permission_classes=ADMINS)
    async def add_holiday(self, info: Info, day: date, name: str) -> AddHolidayResult:
        ctx = info.context
        async with ctx.uow() as uow:
            calendar, moved = await service.add_holiday(uow, ctx.user, day, name, ctx.now())
        ctx.request.app.state.calendars.current = calendar
        return ChangeHolidaySuccess(day=day, is_business_day=calendar.is_business_day(day), referrals_moved=moved)

    @strawberry.mutation(description="Make a day a working day again (ADMIN).", permission_classes=ADMINS)
    async def remove_holiday(self, info: Info, day: date) -> RemoveHolidayResult:
        ctx = info.context
        async with ctx.uow() as uow:
            calendar, moved = await service.remove_holiday(uow, ctx.user, day, ctx.now())
        ctx.request.app.state.calendars.current = calendar
        return ChangeHolidaySuccess(day=day, is_business_day=calendar.is_business_day(day), referrals_moved=moved)
