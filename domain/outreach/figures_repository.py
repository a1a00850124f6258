"""The SQL of outreach figures (convention 3): grouped counts in an area prefix and a
fiscal year; `prefix` "" is the whole country."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import Area
from domain.cases.models import Case
from domain.outreach.models import AreaNeed, EventKind, EventStatus, EventVolunteer, OutreachEvent, ServiceAttendance
from domain.users.models import Role, User

HELD = (EventStatus.HELD.value, EventStatus.REPORTED.value)


def _events(prefix: str, fiscal_year: int) -> Any:
    return and_(OutreachEvent.subdistrict_code.startswith(prefix),  # type: ignore[attr-defined]
                OutreachEvent.fiscal_year == fiscal_year)


async def events_by_province(session: AsyncSession, prefix: str, fiscal_year: int) -> Sequence[tuple[str, str, int]]:
    stmt = (select(OutreachEvent.province_code, OutreachEvent.status, func.count())
            .where(_events(prefix, fiscal_year)).group_by(OutreachEvent.province_code, OutreachEvent.status))
    return [(r[0], r[1], int(r[2])) for r in (await session.execute(stmt)).all()]


async def served_by_province(session: AsyncSession, prefix: str, fiscal_year: int) -> dict[str, int]:
    stmt = (select(OutreachEvent.province_code, func.sum(ServiceAttendance.people_served))
            .join(OutreachEvent, OutreachEvent.id == ServiceAttendance.event_id)  # type: ignore[arg-type]
            .where(_events(prefix, fiscal_year)).group_by(OutreachEvent.province_code))
    return {r[0]: int(r[1] or 0) for r in (await session.execute(stmt)).all()}


async def cases_by_province(session: AsyncSession, prefix: str, fiscal_year: int) -> dict[str, int]:
    stmt = (select(OutreachEvent.province_code, func.count(Case.id))  # type: ignore[arg-type]
            .join(OutreachEvent, OutreachEvent.id == Case.event_id)  # type: ignore[arg-type]
            .where(_events(prefix, fiscal_year)).group_by(OutreachEvent.province_code))
    return {r[0]: int(r[1] or 0) for r in (await session.execute(stmt)).all()}


async def needs_by_district(session: AsyncSession, prefix: str, start: datetime,
                            end: datetime) -> dict[str, tuple[int, int]]:
    stmt = (select(AreaNeed.district_code, func.count(), func.sum(AreaNeed.people_count))
            .where(AreaNeed.subdistrict_code.startswith(prefix),  # type: ignore[attr-defined]
                   AreaNeed.recorded_at >= start, AreaNeed.recorded_at < end)  # type: ignore[operator]
            .group_by(AreaNeed.district_code))
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in (await session.execute(stmt)).all()}


async def held_by_district(session: AsyncSession, prefix: str, fiscal_year: int) -> dict[str, int]:
    stmt = (select(OutreachEvent.district_code, func.count())
            .where(_events(prefix, fiscal_year), OutreachEvent.status.in_(HELD))  # type: ignore[attr-defined]
            .group_by(OutreachEvent.district_code))
    return {r[0]: int(r[1]) for r in (await session.execute(stmt)).all()}


async def area_names(session: AsyncSession, codes: set[str]) -> dict[str, tuple[str, str]]:
    """(Thai name, English name) of the provinces and districts named, in one query."""
    if not codes:
        return {}
    stmt = (select(Area.code, Area.name_th, Area.name_en)
            .where(Area.code.in_(sorted(codes))))  # type: ignore[attr-defined]
    return {r[0]: (r[1], r[2]) for r in (await session.execute(stmt)).all()}


async def participation(session: AsyncSession, prefix: str, fiscal_year: int, mentor_id: uuid.UUID | None,
                        first: int, offset: int) -> Sequence[tuple[Any, ...]]:
    """Per active volunteer in the area: (user, assigned, prepared, meetings assigned,
    meetings attended) over the fiscal year's events that were not cancelled."""
    ev = OutreachEvent
    meeting = ev.kind.in_([EventKind.NETWORK_MEETING.value, EventKind.TRAINING.value])  # type: ignore[attr-defined]
    mobile = ev.kind == EventKind.MOBILE_UNIT.value
    prepared = and_(mobile, (EventVolunteer.venue_ready) | (EventVolunteer.people_invited > 0))  # type: ignore[operator]
    attended = and_(meeting, EventVolunteer.attended_at.is_not(None))  # type: ignore[union-attr]
    sub = (select(EventVolunteer.user_id.label("user_id"),  # type: ignore[attr-defined]
                  func.sum(case((mobile, 1), else_=0)).label("assigned"),
                  func.sum(case((prepared, 1), else_=0)).label("prepared"),
                  func.sum(case((meeting, 1), else_=0)).label("meetings"),
                  func.sum(case((attended, 1), else_=0)).label("attended"))
           .join(ev, ev.id == EventVolunteer.event_id)  # type: ignore[arg-type]
           .where(ev.fiscal_year == fiscal_year, ev.status != EventStatus.CANCELLED.value)
           .group_by(EventVolunteer.user_id).subquery())
    stmt = (select(User, sub.c.assigned, sub.c.prepared, sub.c.meetings, sub.c.attended)
            .outerjoin(sub, sub.c.user_id == User.id)
            .where(User.role == Role.VOLUNTEER, User.is_active,
                   User.area_code.startswith(prefix))  # type: ignore[union-attr]
            .order_by(User.area_code, User.username).limit(first).offset(offset))
    if mentor_id is not None:
        stmt = stmt.where(User.mentor_id == mentor_id)
    return [tuple(r) for r in (await session.execute(stmt)).all()]


async def participation_of(session: AsyncSession, user_ids: Sequence[uuid.UUID], start: datetime | None,
                           end: datetime | None) -> dict[uuid.UUID, tuple[int, int]]:
    """(mobile units prepared, meetings and training attended) of each volunteer named, over
    the events not cancelled that start in [start, end) (either bound may be open), in one
    query; a volunteer with neither is left out. "Prepared" is `participation`'s rule."""
    if not user_ids:
        return {}
    ev = OutreachEvent
    meeting = ev.kind.in_([EventKind.NETWORK_MEETING.value, EventKind.TRAINING.value])  # type: ignore[attr-defined]
    mobile = ev.kind == EventKind.MOBILE_UNIT.value
    prepared = and_(mobile, (EventVolunteer.venue_ready) | (EventVolunteer.people_invited > 0))  # type: ignore[operator]
    attended = and_(meeting, EventVolunteer.attended_at.is_not(None))  # type: ignore[union-attr]
    stmt = (select(EventVolunteer.user_id,
                   func.sum(case((prepared, 1), else_=0)), func.sum(case((attended, 1), else_=0)))
            .join(ev, ev.id == EventVolunteer.event_id)  # type: ignore[arg-type]
            .where(EventVolunteer.user_id.in_(list(user_ids)),  # type: ignore[attr-defined]
                   ev.status != EventStatus.CANCELLED.value)
            .group_by(EventVolunteer.user_id))
    if start is not None:
        stmt = stmt.where(ev.starts_at >= start)  # type: ignore[operator]
    if end is not None:
        stmt = stmt.where(ev.starts_at < end)  # type: ignore[operator]
    return {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in (await session.execute(stmt)).all()}
