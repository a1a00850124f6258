"""Outreach figures: one event's report, and the supervisors' and mentors' figures per
province and Thai fiscal year (1 Oct – 30 Sep). Read-only; every figure counts the rows
it names (attendance records, cases carrying the event, assignments)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock.business import BANGKOK
from domain.outreach import figures_repository as figures_sql
from domain.outreach import repository
from domain.outreach.models import EventStatus, OutreachEvent
from domain.users.models import Role, User
from domain.users.principal import Principal

MAX_PARTICIPATION_PAGE = 500


@dataclass(frozen=True)
class ServedRow:
    org_unit_code: str
    service_code: str
    records: int
    people_served: int
    men: int
    women: int
    other_gender: int
    age_under_25: int
    age_25_to_59: int
    age_60_plus: int


@dataclass(frozen=True)
class EventCaseRow:
    case_id: uuid.UUID
    reference: str
    category_code: str
    status: str
    satisfaction: int | None


@dataclass(frozen=True)
class EventReport:
    event: OutreachEvent
    served: list[ServedRow]
    people_served: int
    cases: list[EventCaseRow]
    cases_by_status: dict[str, int]
    satisfaction_count: int
    satisfaction_average: Decimal | None
    volunteers_assigned: int
    volunteers_prepared: int
    volunteers_attended: int
    people_invited: int


async def event_report(session: AsyncSession, principal: Principal, event_id: uuid.UUID) -> EventReport | None:
    """The report of an event the principal may see (null otherwise)."""
    event = await repository.visible_event(session, principal, event_id)
    if event is None:
        return None
    served = [ServedRow(r[0], r[1], int(r[2]), *(int(v or 0) for v in r[3:]))
              for r in await repository.served_by_offer(session, event.id)]
    cases = [EventCaseRow(c.id, c.reference, c.category_code, c.status, c.satisfaction)
             for c in await repository.cases_of_event(session, event.id)]
    scores = [c.satisfaction for c in cases if c.satisfaction is not None]
    average = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else None
    volunteers = [v for v, _ in await repository.assigned(session, [event.id])]
    return EventReport(
        event=event, served=served, people_served=sum(r.people_served for r in served), cases=cases,
        cases_by_status=dict(Counter(c.status for c in cases)), satisfaction_count=len(scores),
        satisfaction_average=average, volunteers_assigned=len(volunteers),
        volunteers_prepared=sum(1 for v in volunteers if v.venue_ready or (v.people_invited or 0) > 0),
        volunteers_attended=sum(1 for v in volunteers if v.attended_at is not None),
        people_invited=sum(v.people_invited or 0 for v in volunteers))


# --- supervisors and mentors -----------------------------------------------------------------

def scope_prefix(principal: Principal) -> str | None:
    """The area prefix a principal reads figures of ("" the whole country; None nothing)."""
    if principal.role is Role.ADMIN:
        return ""
    if principal.role is Role.SUPERVISOR:
        return principal.area_code or ""
    if principal.role in (Role.COORDINATOR, Role.MENTOR):
        return principal.province_code
    return None


def asked_prefix(principal: Principal, area_code: str | None) -> str | None:
    """The area asked for, if it lies in the principal's scope (None: outside it)."""
    scope = scope_prefix(principal)
    if scope is None:
        return None
    wanted = area_code or scope
    if wanted.startswith(scope):
        return wanted
    return None


def fiscal_year_bounds(fiscal_year_be: int) -> tuple[datetime, datetime]:
    """1 October of the year before to 1 October of the year, in Bangkok."""
    year_ce = fiscal_year_be - 543
    return (datetime.combine(datetime(year_ce - 1, 10, 1).date(), time(0), tzinfo=BANGKOK),
            datetime.combine(datetime(year_ce, 10, 1).date(), time(0), tzinfo=BANGKOK))


@dataclass(frozen=True)
class ProvinceRow:
    province_code: str
    name_th: str
    name_en: str
    by_status: dict[str, int]
    people_served: int
    cases_filed: int

    @property
    def planned(self) -> int:
        return sum(n for s, n in self.by_status.items() if s != EventStatus.CANCELLED)

    @property
    def held(self) -> int:
        return sum(self.by_status.get(s, 0) for s in (EventStatus.HELD, EventStatus.REPORTED))


@dataclass(frozen=True)
class DistrictRow:
    district_code: str
    name_th: str
    name_en: str
    needs_recorded: int
    people_in_need: int
    events_held: int


@dataclass(frozen=True)
class OutreachFigures:
    area_code: str
    fiscal_year: int
    provinces: list[ProvinceRow] = field(default_factory=list)
    districts: list[DistrictRow] = field(default_factory=list)


async def outreach_figures(session: AsyncSession, principal: Principal, area_code: str | None,
                           fiscal_year: int) -> OutreachFigures | None:
    """Events per province (planned, held, people served, cases filed) and needs recorded vs
    events held per district, in a fiscal year; null when the area is outside one's scope."""
    if principal.role is Role.MENTOR:
        return None
    prefix = asked_prefix(principal, area_code)
    if prefix is None:
        return None
    statuses: dict[str, dict[str, int]] = {}
    for province, status, count in await figures_sql.events_by_province(session, prefix, fiscal_year):
        statuses.setdefault(province, {})[status] = count
    served = await figures_sql.served_by_province(session, prefix, fiscal_year)
    cases = await figures_sql.cases_by_province(session, prefix, fiscal_year)
    province_codes = sorted(set(statuses) | set(served) | set(cases))
    start, end = fiscal_year_bounds(fiscal_year)
    needs = await figures_sql.needs_by_district(session, prefix, start, end)
    held = await figures_sql.held_by_district(session, prefix, fiscal_year)
    district_codes = sorted(set(needs) | set(held))
    # the names of every row's area, in one query (a code the area table lacks is named by itself)
    names = await figures_sql.area_names(session, {*province_codes, *district_codes})
    provinces = [ProvinceRow(p, *names.get(p, (p, p)), statuses.get(p, {}), served.get(p, 0), cases.get(p, 0))
                 for p in province_codes]
    districts = [DistrictRow(d, *names.get(d, (d, d)), *needs.get(d, (0, 0)), held.get(d, 0))
                 for d in district_codes]
    return OutreachFigures(prefix, fiscal_year, provinces, districts)


@dataclass(frozen=True)
class ParticipationRow:
    volunteer: User
    events_assigned: int
    events_prepared: int
    meetings_assigned: int
    meetings_attended: int


async def volunteer_participation(session: AsyncSession, principal: Principal, area_code: str | None,
                                  fiscal_year: int, first: int = 100, offset: int = 0) -> list[ParticipationRow]:
    """Each active volunteer's participation in a fiscal year: mobile units assigned and
    prepared (checklist), meetings and training assigned and attended. Mentors: their own
    volunteers. Outside one's scope: nobody."""
    prefix = asked_prefix(principal, area_code)
    if prefix is None:
        return []
    mentor = principal.user_id if principal.role is Role.MENTOR else None
    rows = await figures_sql.participation(session, prefix, fiscal_year, mentor, first, offset)
    return [ParticipationRow(r[0], *(int(v or 0) for v in r[1:])) for r in rows]


async def participation_of(session: AsyncSession, user_ids: list[uuid.UUID], start: datetime | None = None,
                           end: datetime | None = None) -> dict[uuid.UUID, tuple[int, int]]:
    """(mobile units prepared, meetings and training attended) per volunteer id given, over
    events not cancelled starting in [start, end); ids with neither are absent (read as 0, 0).
    No scope check: the caller has already chosen whom it may show."""
    return await figures_sql.participation_of(session, user_ids, start, end)
