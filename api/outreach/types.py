"""Outreach in the schema: services, needs of the area, events, attendance, figures."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain.outreach import figures
from domain.outreach.events import EventDetail
from domain.outreach.models import AreaNeed as AreaNeedRow
from domain.outreach.models import EventKind, EventStatus
from domain.outreach.models import EventVolunteer as EventVolunteerRow
from domain.outreach.models import OutreachService as OutreachServiceRow
from domain.outreach.models import ServiceAttendance as ServiceAttendanceRow
from domain.outreach.needs import NeedRow
from domain.users.models import User as UserRow

OutreachEventKind = strawberry.enum(EventKind, name="OutreachEventKind", description=(
    "MOBILE_UNIT หน่วยบริการเคลื่อนที่, NETWORK_MEETING การประชุมเครือข่าย, TRAINING การอบรม."))
OutreachEventStatus = strawberry.enum(EventStatus, name="OutreachEventStatus", description=(
    "PLANNED → ANNOUNCED → HELD → REPORTED, or CANCELLED with a reason."))


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(description="A service offered at events (the national list and the province's own).")
class OutreachService:
    code: str = strawberry.field(description="Stable code, e.g. SECTION_40_ENROLMENT.")
    name_th: str = strawberry.field(description="Name in Thai.")
    name_en: str = strawberry.field(description="Name in English.")
    agency_code: str | None = strawberry.field(description="The agency that usually offers it.")
    province_code: str | None = strawberry.field(description="The province that added it; null: national.")

    @classmethod
    def of(cls, row: OutreachServiceRow) -> OutreachService:
        return cls(code=row.code, name_th=row.name_th, name_en=row.name_en, agency_code=row.agency_code,
                   province_code=row.province_code)


@strawberry.type(description="A need of the area (ความต้องการของพื้นที่) a volunteer recorded.")
class AreaNeed:
    id: strawberry.ID = strawberry.field(description="Stable id (the client's `clientId` when it chose one).")
    subdistrict_code: str = strawberry.field(description="6-digit sub-district code.")
    district_code: str = strawberry.field(description="4-digit district code.")
    service_code: str = strawberry.field(description="The service people ask for.")
    people_count: int = strawberry.field(description="Roughly how many people.")
    note: str | None = strawberry.field(description="The volunteer's note.")
    recorded_by_id: strawberry.ID = strawberry.field(description="The volunteer who recorded it.")
    captured_at: datetime = strawberry.field(description="When it was captured on the device.")
    recorded_at: datetime = strawberry.field(description="When the server received it.")

    @classmethod
    def of(cls, row: AreaNeedRow) -> AreaNeed:
        return cls(id=_id(row.id), subdistrict_code=row.subdistrict_code, district_code=row.district_code,
                   service_code=row.service_code, people_count=row.people_count, note=row.note,
                   recorded_by_id=_id(row.recorded_by_id), captured_at=row.captured_at,
                   recorded_at=row.recorded_at)


@strawberry.type(description="Needs of one sub-district for one service, summed.")
class AreaNeedTableRow:
    subdistrict_code: str = strawberry.field(description="6-digit sub-district code.")
    district_code: str = strawberry.field(description="4-digit district code.")
    service_code: str = strawberry.field(description="The service.")
    records: int = strawberry.field(description="How many needs were recorded.")
    people: int = strawberry.field(description="People in need, summed over the records.")

    @classmethod
    def of(cls, row: NeedRow) -> AreaNeedTableRow:
        return cls(subdistrict_code=row.subdistrict_code, district_code=row.district_code,
                   service_code=row.service_code, records=row.records, people=row.people)


@strawberry.type(description="The services one attending office offers at an event.")
class EventOffice:
    org_unit_code: str = strawberry.field(description="The office, e.g. SSO-43.")
    service_codes: list[str] = strawberry.field(description="The services it offers there.")


@strawberry.type(description="A volunteer assigned to an event, with their checklist and attendance.")
class EventVolunteer:
    user_id: strawberry.ID = strawberry.field(description="The volunteer's user id.")
    username: str = strawberry.field(description="Sign-in name.")
    display_name: str = strawberry.field(description="Name shown to others.")
    area_code: str | None = strawberry.field(description="The volunteer's area.")
    venue_ready: bool = strawberry.field(description="Checklist: the venue is ready.")
    people_invited: int | None = strawberry.field(description="Checklist: how many people they invited.")
    checklist_at: datetime | None = strawberry.field(description="When the checklist was last updated.")
    attended_at: datetime | None = strawberry.field(description="Meetings, training: when marked present.")
    topics: str | None = strawberry.field(description="Meetings, training: the topics covered.")

    @classmethod
    def of(cls, row: EventVolunteerRow, user: UserRow) -> EventVolunteer:
        return cls(user_id=_id(user.id), username=user.username, display_name=user.display_name,
                   area_code=user.area_code, venue_ready=row.venue_ready, people_invited=row.people_invited,
                   checklist_at=row.checklist_at, attended_at=row.attended_at, topics=row.topics)


@strawberry.type(description="An outreach event: a mobile service unit, a network meeting or a training.")
class OutreachEvent:
    id: strawberry.ID = strawberry.field(description="Stable id.")
    kind: OutreachEventKind = strawberry.field(description="What kind of event.")
    status: OutreachEventStatus = strawberry.field(description="Where it stands.")
    title: str = strawberry.field(description="Its title.")
    province_code: str = strawberry.field(description="2-digit province code.")
    district_code: str = strawberry.field(description="4-digit district code.")
    subdistrict_code: str = strawberry.field(description="6-digit sub-district code of the venue.")
    venue: str = strawberry.field(description="The venue.")
    starts_at: datetime = strawberry.field(description="When it starts.")
    ends_at: datetime = strawberry.field(description="When it ends.")
    fiscal_year: int = strawberry.field(description="Thai fiscal year (B.E.) of its start.")
    capacity: int | None = strawberry.field(description="How many people it can serve.")
    version: int = strawberry.field(description="Optimistic-concurrency version.")
    announced_at: datetime | None = strawberry.field(description="When it was announced.")
    held_at: datetime | None = strawberry.field(description="When it was marked held.")
    reported_at: datetime | None = strawberry.field(description="When it was reported.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled.")
    report_note: str | None = strawberry.field(description="The coordinator's note on the report.")
    offices: list[EventOffice] = strawberry.field(description="Attending offices and their services.")
    volunteers: list[EventVolunteer] = strawberry.field(description="Volunteers assigned to it.")

    @classmethod
    def of(cls, d: EventDetail) -> OutreachEvent:
        e = d.event
        offices: dict[str, list[str]] = {}
        for offer in d.offers:
            offices.setdefault(offer.org_unit_code, []).append(offer.service_code)
        return cls(
            id=_id(e.id), kind=EventKind(e.kind), status=EventStatus(e.status), title=e.title,
            province_code=e.province_code, district_code=e.district_code, subdistrict_code=e.subdistrict_code,
            venue=e.venue, starts_at=e.starts_at, ends_at=e.ends_at, fiscal_year=e.fiscal_year,
            capacity=e.capacity, version=e.version, announced_at=e.announced_at, held_at=e.held_at,
            reported_at=e.reported_at, cancelled_at=e.cancelled_at, cancel_reason=e.cancel_reason,
            report_note=e.report_note,
            offices=[EventOffice(org_unit_code=u, service_codes=s) for u, s in offices.items()],
            volunteers=[EventVolunteer.of(v, u) for v, u in d.volunteers])


@strawberry.type(description="One batch of people served (ผู้รับบริการ) recorded at a mobile unit.")
class ServiceAttendance:
    id: strawberry.ID = strawberry.field(description="Stable id (the client's `clientId`).")
    event_id: strawberry.ID = strawberry.field(description="The event.")
    org_unit_code: str = strawberry.field(description="The office that served them.")
    service_code: str = strawberry.field(description="The service.")
    people_served: int = strawberry.field(description="How many people were served.")

    @classmethod
    def of(cls, row: ServiceAttendanceRow) -> ServiceAttendance:
        return cls(id=_id(row.id), event_id=_id(row.event_id), org_unit_code=row.org_unit_code,
                   service_code=row.service_code, people_served=row.people_served)


@strawberry.type(description="People served for one service of one office, summed over the batches.")
class ServedFigure:
    org_unit_code: str = strawberry.field(description="The office.")
    service_code: str = strawberry.field(description="The service.")
    records: int = strawberry.field(description="Batches recorded.")
    people_served: int = strawberry.field(description="People served.")
    men: int = strawberry.field(description="Of whom men (where recorded).")
    women: int = strawberry.field(description="Of whom women (where recorded).")
    other_gender: int = strawberry.field(description="Of whom another gender (where recorded).")
    age_under_25: int = strawberry.field(description="Aged under 25 (where recorded).")
    age_25_to_59: int = strawberry.field(description="Aged 25 to 59 (where recorded).")
    age_60_plus: int = strawberry.field(description="Aged 60 and over (where recorded).")


@strawberry.type(description="A case filed at the event and where it stands now.")
class EventCase:
    case_id: strawberry.ID = strawberry.field(description="The case (`case(id)` when you may see it).")
    reference: str = strawberry.field(description="Its reference.")
    category_code: str = strawberry.field(description="Its problem type.")
    status: str = strawberry.field(description="Its status now.")
    satisfaction: int | None = strawberry.field(description="Satisfaction recorded, 1–5.")


@strawberry.type(description="A count per status.")
class StatusCount:
    status: str = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="An event's report: people served, cases filed and where they stand, "
                             "satisfaction, volunteers involved.")
class OutreachEventReport:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    status: OutreachEventStatus = strawberry.field(description="The event's status.")
    people_served: int = strawberry.field(description="People served in all.")
    served: list[ServedFigure] = strawberry.field(description="People served per office and service.")
    cases: list[EventCase] = strawberry.field(description="Cases filed at the event.")
    cases_by_status: list[StatusCount] = strawberry.field(description="Those cases per status now.")
    satisfaction_count: int = strawberry.field(description="Cases with satisfaction recorded.")
    satisfaction_average: Decimal | None = strawberry.field(description="Their average satisfaction.")
    volunteers_assigned: int = strawberry.field(description="Volunteers assigned.")
    volunteers_prepared: int = strawberry.field(description="Of whom filled in the checklist.")
    volunteers_attended: int = strawberry.field(description="Of whom marked present (meetings, training).")
    people_invited: int = strawberry.field(description="People the volunteers invited.")

    @classmethod
    def of(cls, r: figures.EventReport) -> OutreachEventReport:
        return cls(
            event_id=_id(r.event.id), status=EventStatus(r.event.status), people_served=r.people_served,
            served=[ServedFigure(**s.__dict__) for s in r.served],
            cases=[EventCase(case_id=_id(c.case_id), reference=c.reference, category_code=c.category_code,
                             status=c.status, satisfaction=c.satisfaction) for c in r.cases],
            cases_by_status=[StatusCount(status=s, count=n) for s, n in sorted(r.cases_by_status.items())],
            satisfaction_count=r.satisfaction_count, satisfaction_average=r.satisfaction_average,
            volunteers_assigned=r.volunteers_assigned, volunteers_prepared=r.volunteers_prepared,
            volunteers_attended=r.volunteers_attended, people_invited=r.people_invited)


@strawberry.type(description="Events of one province in a fiscal year.")
class ProvinceOutreach:
    province_code: str = strawberry.field(description="2-digit province code.")
    name_th: str = strawberry.field(description="The province's Thai name.")
    name_en: str = strawberry.field(description="The province's English name.")
    planned: int = strawberry.field(description="Events planned (not cancelled).")
    held: int = strawberry.field(description="Events held (HELD or REPORTED).")
    reported: int = strawberry.field(description="Events reported.")
    cancelled: int = strawberry.field(description="Events cancelled.")
    people_served: int = strawberry.field(description="People served at them.")
    cases_filed: int = strawberry.field(description="Cases filed at them.")


@strawberry.type(description="Needs recorded vs events held in one district, in a fiscal year.")
class DistrictOutreach:
    district_code: str = strawberry.field(description="4-digit district code.")
    name_th: str = strawberry.field(description="The district's Thai name.")
    name_en: str = strawberry.field(description="The district's English name.")
    needs_recorded: int = strawberry.field(description="Needs recorded.")
    people_in_need: int = strawberry.field(description="People in need, summed.")
    events_held: int = strawberry.field(description="Events held.")


@strawberry.type(description="Outreach figures of an area and fiscal year.")
class OutreachFigures:
    area_code: str = strawberry.field(description="The area ('' the whole country).")
    fiscal_year: int = strawberry.field(description="Thai fiscal year (B.E.).")
    provinces: list[ProvinceOutreach] = strawberry.field(description="Per province.")
    districts: list[DistrictOutreach] = strawberry.field(description="Per district.")

    @classmethod
    def of(cls, f: figures.OutreachFigures) -> OutreachFigures:
        return cls(area_code=f.area_code, fiscal_year=f.fiscal_year, provinces=[
            ProvinceOutreach(province_code=p.province_code, name_th=p.name_th, name_en=p.name_en,
                             planned=p.planned, held=p.held, reported=p.by_status.get(EventStatus.REPORTED, 0),
                             cancelled=p.by_status.get(EventStatus.CANCELLED, 0),
                             people_served=p.people_served, cases_filed=p.cases_filed) for p in f.provinces],
            districts=[DistrictOutreach(district_code=d.district_code, name_th=d.name_th, name_en=d.name_en,
                                        needs_recorded=d.needs_recorded, people_in_need=d.people_in_need,
                                        events_held=d.events_held)
                       for d in f.districts])


@strawberry.type(description="A volunteer's participation in outreach in a fiscal year.")
class VolunteerParticipation:
    user_id: strawberry.ID = strawberry.field(description="The volunteer's user id.")
    username: str = strawberry.field(description="Sign-in name.")
    display_name: str = strawberry.field(description="Name shown to others.")
    area_code: str | None = strawberry.field(description="The volunteer's area.")
    events_assigned: int = strawberry.field(description="Mobile units assigned to prepare.")
    events_prepared: int = strawberry.field(description="Of which the checklist was filled in.")
    meetings_assigned: int = strawberry.field(description="Meetings and training assigned.")
    meetings_attended: int = strawberry.field(description="Of which attended.")

    @classmethod
    def of(cls, r: figures.ParticipationRow) -> VolunteerParticipation:
        u = r.volunteer
        return cls(user_id=_id(u.id), username=u.username, display_name=u.display_name, area_code=u.area_code,
                   events_assigned=r.events_assigned, events_prepared=r.events_prepared,
                   meetings_assigned=r.meetings_assigned, meetings_attended=r.meetings_attended)
