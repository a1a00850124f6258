"""All SQL of outreach (convention 3), with the one visibility rule of events and needs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from datetime import datetime

from sqlalchemy import ColumnElement, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases.models import Case
from domain.outreach.models import (AreaNeed, EventOffer, EventStatus, EventVolunteer, OutreachEvent,
                                    OutreachService, ServiceAttendance)
from domain.users.models import Role, User
from domain.users.principal import Principal

_OFFER = EventOffer
_ASSIGNED = EventVolunteer


def _area_prefix(column: object, code: str) -> ColumnElement[bool]:
    return column.startswith(code)  # type: ignore[attr-defined,no-any-return]


def event_visibility(principal: Principal) -> ColumnElement[bool]:
    """Which events this principal may see (SPEC.md section 2 and issue 16)."""
    role = principal.role
    if role is Role.ADMIN:
        return true()
    if role is Role.SUPERVISOR:
        return _area_prefix(OutreachEvent.subdistrict_code, principal.area_code) if principal.area_code else true()
    if role is Role.COORDINATOR:
        return OutreachEvent.province_code == principal.province_code  # type: ignore[return-value]
    if role is Role.OFFICER:
        return exists().where(_OFFER.event_id == OutreachEvent.id,  # type: ignore[no-any-return]
                              _OFFER.org_unit_code == principal.org_unit_code).correlate(OutreachEvent)
    if role is Role.VOLUNTEER:
        return exists().where(_ASSIGNED.event_id == OutreachEvent.id,  # type: ignore[no-any-return]
                              _ASSIGNED.user_id == principal.user_id).correlate(OutreachEvent)
    if role is Role.MENTOR:
        mentees = select(User.id).where(User.mentor_id == principal.user_id)
        return exists().where(_ASSIGNED.event_id == OutreachEvent.id,  # type: ignore[no-any-return]
                              _ASSIGNED.user_id.in_(mentees)).correlate(OutreachEvent)  # type: ignore[attr-defined]
    return false()


def need_visibility(principal: Principal) -> ColumnElement[bool]:
    """Needs: a volunteer's own, a mentor's volunteers', the province's, in a supervisor's area."""
    role = principal.role
    if role is Role.ADMIN:
        return true()
    if role is Role.SUPERVISOR:
        return _area_prefix(AreaNeed.subdistrict_code, principal.area_code) if principal.area_code else true()
    if role is Role.COORDINATOR:
        return AreaNeed.province_code == principal.province_code  # type: ignore[return-value]
    if role is Role.VOLUNTEER:
        return AreaNeed.recorded_by_id == principal.user_id  # type: ignore[return-value]
    if role is Role.MENTOR:
        mentees = select(User.id).where(User.mentor_id == principal.user_id)
        return AreaNeed.recorded_by_id.in_(mentees)  # type: ignore[attr-defined,no-any-return]
    return false()


def in_area(column: object, area_code: str | None) -> ColumnElement[bool]:
    return _area_prefix(column, area_code) if area_code else true()


# --- services --------------------------------------------------------------------------------

async def service(session: AsyncSession, code: str) -> OutreachService | None:
    return await session.get(OutreachService, code)


async def services_for(session: AsyncSession, province_code: str | None) -> Sequence[OutreachService]:
    """The national list and the province's own, active ones only."""
    where = OutreachService.province_code.is_(None)  # type: ignore[union-attr]
    if province_code:
        where = or_(where, OutreachService.province_code == province_code)
    stmt = select(OutreachService).where(where, OutreachService.active).order_by(OutreachService.code)
    return (await session.execute(stmt)).scalars().all()


# --- needs -----------------------------------------------------------------------------------

async def need(session: AsyncSession, need_id: uuid.UUID) -> AreaNeed | None:
    return await session.get(AreaNeed, need_id)


async def visible_needs(session: AsyncSession, principal: Principal, area_code: str | None,
                        since: datetime | None, first: int, offset: int) -> Sequence[AreaNeed]:
    stmt = (select(AreaNeed).where(need_visibility(principal), in_area(AreaNeed.subdistrict_code, area_code))
            .order_by(AreaNeed.recorded_at.desc(), AreaNeed.id).limit(first).offset(offset))  # type: ignore[attr-defined]
    if since is not None:
        stmt = stmt.where(AreaNeed.recorded_at >= since)  # type: ignore[operator]
    return (await session.execute(stmt)).scalars().all()


async def need_table(session: AsyncSession, principal: Principal, area_code: str | None,
                     since: datetime | None) -> Sequence[tuple[str, str, int, int]]:
    """(sub-district, service, records, people) of the needs in scope."""
    stmt = (select(AreaNeed.subdistrict_code, AreaNeed.service_code, func.count(),
                   func.sum(AreaNeed.people_count))
            .where(need_visibility(principal), in_area(AreaNeed.subdistrict_code, area_code))
            .group_by(AreaNeed.subdistrict_code, AreaNeed.service_code)
            .order_by(AreaNeed.subdistrict_code, AreaNeed.service_code))
    if since is not None:
        stmt = stmt.where(AreaNeed.recorded_at >= since)  # type: ignore[operator]
    return [(r[0], r[1], int(r[2]), int(r[3] or 0)) for r in (await session.execute(stmt)).all()]


# --- events ----------------------------------------------------------------------------------

async def event(session: AsyncSession, event_id: uuid.UUID) -> OutreachEvent | None:
    return await session.get(OutreachEvent, event_id)


async def visible_event(session: AsyncSession, principal: Principal,
                        event_id: uuid.UUID) -> OutreachEvent | None:
    stmt = select(OutreachEvent).where(OutreachEvent.id == event_id, event_visibility(principal))
    return (await session.execute(stmt)).scalar_one_or_none()


async def visible_events(session: AsyncSession, principal: Principal, area_code: str | None,
                         statuses: Sequence[EventStatus], starts_from: datetime | None,
                         starts_to: datetime | None, first: int, offset: int) -> Sequence[OutreachEvent]:
    stmt = select(OutreachEvent).where(event_visibility(principal),
                                       in_area(OutreachEvent.subdistrict_code, area_code))
    if statuses:
        stmt = stmt.where(OutreachEvent.status.in_([s.value for s in statuses]))  # type: ignore[attr-defined]
    if starts_from is not None:
        stmt = stmt.where(OutreachEvent.starts_at >= starts_from)  # type: ignore[operator]
    if starts_to is not None:
        stmt = stmt.where(OutreachEvent.starts_at < starts_to)  # type: ignore[operator]
    stmt = stmt.order_by(OutreachEvent.starts_at.desc(), OutreachEvent.id).limit(first).offset(offset)  # type: ignore[attr-defined]
    return (await session.execute(stmt)).scalars().all()


async def offers(session: AsyncSession, event_ids: Iterable[uuid.UUID]) -> Sequence[EventOffer]:
    ids = list(event_ids)
    if not ids:
        return []
    stmt = (select(EventOffer).where(EventOffer.event_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(EventOffer.org_unit_code, EventOffer.service_code))
    return (await session.execute(stmt)).scalars().all()


async def assigned(session: AsyncSession, event_ids: Iterable[uuid.UUID]) -> Sequence[tuple[EventVolunteer, User]]:
    ids = list(event_ids)
    if not ids:
        return []
    stmt = (select(EventVolunteer, User).join(User, User.id == EventVolunteer.user_id)  # type: ignore[arg-type]
            .where(EventVolunteer.event_id.in_(ids)).order_by(User.username))  # type: ignore[attr-defined]
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def assignment(session: AsyncSession, event_id: uuid.UUID, user_id: uuid.UUID) -> EventVolunteer | None:
    return await session.get(EventVolunteer, (event_id, user_id))


async def volunteers_around(session: AsyncSession, district_code: str) -> Sequence[User]:
    """Active volunteers of the sub-districts of a district (and of the district itself)."""
    stmt = (select(User).where(User.role == Role.VOLUNTEER, User.is_active,
                               User.area_code.startswith(district_code))  # type: ignore[union-attr]
            .order_by(User.username))
    return (await session.execute(stmt)).scalars().all()


async def users_by_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> Sequence[User]:
    wanted = list(ids)
    if not wanted:
        return []
    return (await session.execute(select(User).where(User.id.in_(wanted)))).scalars().all()  # type: ignore[attr-defined]


async def users_by_usernames(session: AsyncSession, names: Iterable[str]) -> Sequence[User]:
    wanted = list(names)
    if not wanted:
        return []
    return (await session.execute(select(User).where(User.username.in_(wanted)))).scalars().all()  # type: ignore[attr-defined]


async def officers_of(session: AsyncSession, org_unit_codes: Iterable[str]) -> Sequence[User]:
    codes = list(org_unit_codes)
    if not codes:
        return []
    stmt = (select(User).where(User.role == Role.OFFICER, User.is_active,
                               User.org_unit_code.in_(codes)).order_by(User.username))  # type: ignore[union-attr]
    return (await session.execute(stmt)).scalars().all()


# --- attendance and cases --------------------------------------------------------------------

async def attendance(session: AsyncSession, attendance_id: uuid.UUID) -> ServiceAttendance | None:
    return await session.get(ServiceAttendance, attendance_id)


async def served_by_offer(session: AsyncSession, event_id: uuid.UUID) -> Sequence[tuple[Any, ...]]:
    cols = (ServiceAttendance.org_unit_code, ServiceAttendance.service_code)
    sums = [func.sum(getattr(ServiceAttendance, name)) for name in SERVED_COLUMNS]
    stmt = (select(*cols, func.count(), *sums).where(ServiceAttendance.event_id == event_id)
            .group_by(*cols).order_by(*cols))
    return [tuple(r) for r in (await session.execute(stmt)).all()]


SERVED_COLUMNS = ("people_served", "men", "women", "other_gender", "age_under_25", "age_25_to_59",
                  "age_60_plus")


async def cases_of_event(session: AsyncSession, event_id: uuid.UUID) -> Sequence[Case]:
    stmt = select(Case).where(Case.event_id == event_id).order_by(Case.received_at, Case.id)  # type: ignore[attr-defined]
    return (await session.execute(stmt)).scalars().all()


# --- sweeps ----------------------------------------------------------------------------------

async def planned_past_ids(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    stmt = (select(OutreachEvent.id).where(OutreachEvent.status == EventStatus.PLANNED,
                                           OutreachEvent.ends_at < now)  # type: ignore[operator]
            .order_by(OutreachEvent.ends_at).limit(limit))
    return list((await session.execute(stmt)).scalars().all())


async def held_since_ids(session: AsyncSession, before: datetime, limit: int) -> list[uuid.UUID]:
    stmt = (select(OutreachEvent.id).where(OutreachEvent.status == EventStatus.HELD,
                                           OutreachEvent.ends_at < before)  # type: ignore[operator]
            .order_by(OutreachEvent.ends_at).limit(limit))
    return list((await session.execute(stmt)).scalars().all())


async def announced_between_ids(session: AsyncSession, start: datetime, end: datetime,
                                limit: int) -> list[uuid.UUID]:
    stmt = (select(OutreachEvent.id).where(OutreachEvent.status == EventStatus.ANNOUNCED,
                                           OutreachEvent.starts_at >= start,  # type: ignore[operator]
                                           OutreachEvent.starts_at < end)  # type: ignore[operator]
            .order_by(OutreachEvent.starts_at).limit(limit))
    return list((await session.execute(stmt)).scalars().all())

