"""Outreach queries: thin resolvers over domain/outreach; out of scope reads as missing."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError

from api.cases.inputs import instant_problem
from api.context import Info
from api.errors import bad_input
from api.ids import id_or_nil, optional_code
from api.outreach.inputs import AreaNeedFilterInput, OutreachEventFilterInput, ParticipationFilterInput
from api.outreach.types import (AreaNeed, AreaNeedTableRow, OutreachEvent, OutreachEventReport, OutreachFigures,
                                OutreachService, VolunteerParticipation)
from api.permissions import IsAuthenticated, roles
from domain.clock.thai import fiscal_year_be
from domain.outreach import events, figures, needs, repository
from domain.outreach.models import EventStatus
from domain.users.models import Role

SIGNED_IN = [IsAuthenticated]
NEED_READERS = [IsAuthenticated, roles(Role.VOLUNTEER, Role.MENTOR, Role.COORDINATOR, Role.SUPERVISOR, Role.ADMIN)]
TABLE_READERS = [IsAuthenticated, roles(Role.COORDINATOR, Role.SUPERVISOR, Role.ADMIN)]
PARTICIPATION_READERS = [IsAuthenticated, roles(Role.MENTOR, Role.COORDINATOR, Role.SUPERVISOR, Role.ADMIN)]
MAX_PAGE = 200


def _page(first: int, offset: int) -> None:
    if not 1 <= first <= MAX_PAGE or offset < 0:
        raise bad_input(f"`first` must be between 1 and {MAX_PAGE}; `offset` not negative.",
                        f"`first` ต้องอยู่ระหว่าง 1 ถึง {MAX_PAGE} และ `offset` ต้องไม่ติดลบ")


def _instants(**values: datetime | None) -> None:
    for name, value in values.items():
        problem = instant_problem(value)
        if problem is not None:
            raise bad_input(f"`{name}` {problem[0]}.", f"`{name}` {problem[1]}")


def _fiscal_year(info: Info, value: int | None) -> int:
    year = value if value is not None else fiscal_year_be(info.context.now())
    if not 2500 <= year <= 2700:
        raise GraphQLError("`fiscalYear` is a Thai fiscal year in B.E., e.g. 2569.",
                           extensions={"code": "BAD_USER_INPUT", "messageTh": "ปีงบประมาณต้องเป็น พ.ศ. เช่น 2569"})
    return year


@strawberry.type
class OutreachQueries:
    @strawberry.field(description="Services offered at events: the national list and a province's own.",
                      permission_classes=SIGNED_IN)
    async def outreach_services(self, info: Info, province_code: str | None = None) -> list[OutreachService]:
        province = optional_code(province_code) or info.context.user.province_code
        async with info.context.db.read_sessions() as session:
            rows = await repository.services_for(session, province)
        return [OutreachService.of(r) for r in rows]

    @strawberry.field(description="Needs of the area you may see: a volunteer's own, a mentor's volunteers', "
                                  "the province's (coordinators), in scope (supervisors), newest first.",
                      permission_classes=NEED_READERS)
    async def area_needs(self, info: Info, filter: AreaNeedFilterInput | None = None, first: int = 50,
                         offset: int = 0) -> list[AreaNeed]:
        _page(first, offset)
        f = filter or AreaNeedFilterInput()
        _instants(recordedFrom=f.recorded_from)
        async with info.context.db.read_sessions() as session:
            rows = await needs.list_needs(session, info.context.user, optional_code(f.area_code) or None,
                                          f.recorded_from, first, offset)
        return [AreaNeed.of(r) for r in rows]

    @strawberry.field(description="The coordinators' table of needs: per sub-district (and district) and "
                                  "service, summed. Empty outside your scope.", permission_classes=TABLE_READERS)
    async def area_need_table(self, info: Info, filter: AreaNeedFilterInput | None = None) -> list[AreaNeedTableRow]:
        f = filter or AreaNeedFilterInput()
        _instants(recordedFrom=f.recorded_from)
        async with info.context.db.read_sessions() as session:
            rows = await needs.need_table(session, info.context.user, optional_code(f.area_code) or None,
                                          f.recorded_from)
        return [AreaNeedTableRow.of(r) for r in rows]

    @strawberry.field(description="An event you may see, or null.", permission_classes=SIGNED_IN)
    async def outreach_event(self, info: Info, id: strawberry.ID) -> OutreachEvent | None:
        async with info.context.db.read_sessions() as session:
            found = await events.find_event(session, info.context.user, id_or_nil(id))
        return OutreachEvent.of(found) if found else None

    @strawberry.field(description="Events you may see (coordinators: the province's; officers: those your "
                                  "office attends; volunteers: those you are assigned to), latest first.",
                      permission_classes=SIGNED_IN)
    async def outreach_events(self, info: Info, filter: OutreachEventFilterInput | None = None, first: int = 50,
                              offset: int = 0) -> list[OutreachEvent]:
        _page(first, offset)
        f = filter or OutreachEventFilterInput()
        _instants(startsFrom=f.starts_from, startsTo=f.starts_to)
        async with info.context.db.read_sessions() as session:
            found = await events.list_events(
                session, info.context.user, optional_code(f.area_code) or None,
                [EventStatus(s.value) for s in f.status or ()], f.starts_from, f.starts_to, first, offset)
        return [OutreachEvent.of(d) for d in found]

    @strawberry.field(description="An event's report (people served per service and office, cases filed and "
                                  "where they stand, satisfaction, volunteers), or null.",
                      permission_classes=SIGNED_IN)
    async def outreach_event_report(self, info: Info, event_id: strawberry.ID) -> OutreachEventReport | None:
        async with info.context.db.read_sessions() as session:
            report = await figures.event_report(session, info.context.user, id_or_nil(event_id))
        return OutreachEventReport.of(report) if report else None

    @strawberry.field(description="Events per province (planned, held, people served, cases filed) and needs "
                                  "recorded vs events held per district, in a fiscal year. Null outside your scope.",
                      permission_classes=TABLE_READERS)
    async def outreach_figures(self, info: Info, province_code: str | None = None,
                               fiscal_year: int | None = None) -> OutreachFigures | None:
        year = _fiscal_year(info, fiscal_year)
        async with info.context.db.read_sessions() as session:
            found = await figures.outreach_figures(session, info.context.user, optional_code(province_code) or None,
                                                   year)
        return OutreachFigures.of(found) if found else None

    @strawberry.field(description="Each active volunteer's participation (mobile units prepared, meetings "
                                  "attended) in a fiscal year; mentors: their own volunteers. Shown beside "
                                  "`volunteerActivity`'s cases.", permission_classes=PARTICIPATION_READERS)
    async def volunteer_participation(self, info: Info, filter: ParticipationFilterInput | None = None,
                                      first: int = 100, offset: int = 0) -> list[VolunteerParticipation]:
        _page(first, offset)
        f = filter or ParticipationFilterInput()
        year = _fiscal_year(info, f.fiscal_year)
        async with info.context.db.read_sessions() as session:
            rows = await figures.volunteer_participation(session, info.context.user,
                                                         optional_code(f.area_code) or None, year, first, offset)
        return [VolunteerParticipation.of(r) for r in rows]
