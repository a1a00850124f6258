"""All SQL about the days an admin changed in the holiday calendar (convention 3)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar.models import CalendarDay


async def changed_days(session: AsyncSession) -> list[CalendarDay]:
    stmt = select(CalendarDay).order_by(CalendarDay.day)  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())


async def changed_day(session: AsyncSession, day: date) -> CalendarDay | None:
    return await session.get(CalendarDay, day)
