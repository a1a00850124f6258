"""Outreach on both databases (issue 16): planning and its refusals, the state machine through
the service, needs, attendance, cases filed at an event, and the report's figures equal to the
rows they count. Bad input changes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from domain.cases.commands import CitizenDetails, OpenCase
from domain.cases.models import Case
from domain.db import Database
from domain.errors import AccessDenied, DomainError, IllegalTransition, NotFound, ValidationFailed
from domain.outbox.models import OutboxJob
from domain.outreach import attendance, events, figures, filing, needs
from domain.outreach.commands import (Offer, PlanEvent, RecordMeetingAttendance, RecordNeed,
                                      RecordServiceAttendance, UpdateChecklist)
from domain.outreach.models import (AreaNeed, EventKind, EventStatus, EventVolunteer, OutreachEvent,
                                    ServiceAttendance)
from domain.outreach.rules import Breakdown, EventAction
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.factories import CAL, bkk, ensure_user, national_id, principal
from tests.outreach_factories import need, plan

NOW = bkk(2026, 7, 6, 10)  # Monday; events start on Wednesday 8 July 10:00
DAY = bkk(2026, 7, 8, 11)


async def _count(db: Database, model: type) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _act(db: Database, event_id: uuid.UUID, action: EventAction, now: datetime, who: str = "ops.nongkhai",
               **kw: object) -> OutreachEvent:
    async with UnitOfWork(db) as uow:
        return await events.act_on_event(uow, await principal(db, who), event_id, action, now, **kw)  # type: ignore[arg-type]


def _plan_cmd(**overrides: object) -> PlanEvent:
    values: dict[str, object] = dict(
        kind=EventKind.MOBILE_UNIT, title="ออกหน่วยบริการเคลื่อนที่", subdistrict_code="430101",
        venue="ศาลาประชาคม", starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=2, hours=6),
        offers=(Offer("DLPW-43", ("LABOUR_RIGHTS_ADVICE",)),))
    values.update(overrides)
    return PlanEvent(**values)  # type: ignore[arg-type]


# --- planning ---------------------------------------------------------------------------------

async def test_a_planned_event_has_its_offers_and_the_volunteers_around_the_venue(db: Database) -> None:
    event = await plan(db, NOW)
    assert event.status == EventStatus.PLANNED and event.fiscal_year == 2569
    async with db.read_sessions() as session:
        found = await events.find_event(session, await principal(db, "ops.nongkhai"), event.id)
    assert found is not None
    assert {(o.org_unit_code, o.service_code) for o in found.offers} == {
        ("DLPW-43", "LABOUR_RIGHTS_ADVICE"), ("SSO-43", "SECTION_40_ENROLMENT")}
    # default: the active volunteers of district 4301 (430101 and its neighbour 430102)
    assert sorted(u.username for _, u in found.volunteers) == ["vol.michai", "vol.naimueang"]


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"starts_at": NOW - timedelta(hours=1)}, "startsAt", "EVENT_IN_PAST"),
    ({"subdistrict_code": "999999"}, "subdistrictCode", "UNKNOWN_SUBDISTRICT"),
    ({"subdistrict_code": "100101", "offers": ()}, "subdistrictCode", "OUTSIDE_AREA"),
    ({"offers": (Offer("DLPW-99", ("LABOUR_RIGHTS_ADVICE",)),)}, "offices.0.orgUnitCode", "UNKNOWN_ORG_UNIT"),
    ({"offers": (Offer("DLPW-10", ("LABOUR_RIGHTS_ADVICE",)),)}, "offices.0.orgUnitCode", "OFFICE_OUTSIDE_AREA"),
    ({"offers": (Offer("DLPW-43", ("NO_SUCH_SERVICE",)),)}, "offices.0.serviceCodes", "UNKNOWN_SERVICE"),
    ({"offers": ()}, "offices", "REQUIRED"),
    ({"capacity": 100_001}, "capacity", "OUT_OF_RANGE"),
    ({"volunteer_usernames": ("dlpw.nongkhai",)}, "volunteerUsernames", "NOT_A_VOLUNTEER"),
])
async def test_bad_plans_are_refused_in_thai_and_english_and_change_nothing(
        db: Database, overrides: dict[str, object], field: str, code: str) -> None:
    before = await _count(db, OutreachEvent)
    with pytest.raises(ValidationFailed) as caught:
        async with UnitOfWork(db) as uow:
            await events.plan_event(uow, await principal(db, "ops.nongkhai"), _plan_cmd(**overrides), NOW)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert caught.value.message and caught.value.message_th
    assert await _count(db, OutreachEvent) == before


async def test_only_coordinators_and_admins_plan(db: Database) -> None:
    for who in ("vol.naimueang", "dlpw.nongkhai", "sup.nongkhai", "mentor.nongkhai"):
        with pytest.raises(AccessDenied):
            async with UnitOfWork(db) as uow:
                await events.plan_event(uow, await principal(db, who), _plan_cmd(), NOW)
    async with UnitOfWork(db) as uow:
        assert (await events.plan_event(uow, await principal(db, "admin"), _plan_cmd(), NOW)).province_code == "43"


async def test_the_same_client_id_plans_once(db: Database) -> None:
    client_id = uuid.uuid4()
    for _ in range(2):
        async with UnitOfWork(db) as uow:
            event = await events.plan_event(uow, await principal(db, "ops.nongkhai"),
                                            _plan_cmd(client_id=client_id), NOW)
        assert event.id == client_id
    assert await _count(db, OutreachEvent) == 1


# --- the state machine through the service -----------------------------------------------------

async def test_planned_announced_held_reported(db: Database) -> None:
    event = await plan(db, NOW)
    event = await _act(db, event.id, EventAction.ANNOUNCE, NOW)
    assert event.status == EventStatus.ANNOUNCED and event.version == 2
    async with db.read_sessions() as session:
        jobs = (await session.execute(select(OutboxJob).where(OutboxJob.name == events.ANNOUNCED_JOB))).scalars().all()
    assert [j.ids for j in jobs] == [{"event_id": str(event.id)}]
    with pytest.raises(ValidationFailed, match="started"):
        await _act(db, event.id, EventAction.MARK_HELD, NOW)
    event = await _act(db, event.id, EventAction.MARK_HELD, DAY)
    event = await _act(db, event.id, EventAction.REPORT, DAY + timedelta(days=1), note="สรุปผลการออกหน่วย")
    assert event.status == EventStatus.REPORTED and event.report_note == "สรุปผลการออกหน่วย"
    for action in EventAction:
        with pytest.raises(IllegalTransition):
            await _act(db, event.id, action, DAY + timedelta(days=2), reason="ฝนตกหนัก")


async def test_a_cancelled_event_is_not_reported_and_nothing_changes(db: Database) -> None:
    event = await plan(db, NOW, announce=True)
    with pytest.raises(ValidationFailed):
        await _act(db, event.id, EventAction.CANCEL, NOW, reason="  ")
    event = await _act(db, event.id, EventAction.CANCEL, NOW, reason="น้ำท่วมสถานที่จัด")
    assert event.status == EventStatus.CANCELLED and event.cancel_reason == "น้ำท่วมสถานที่จัด"
    with pytest.raises(IllegalTransition) as caught:
        await _act(db, event.id, EventAction.REPORT, DAY)
    assert "ยกเลิกแล้ว" in caught.value.message_th
    async with db.read_sessions() as session:
        row = await session.get(OutreachEvent, event.id)
    assert row is not None and row.status == EventStatus.CANCELLED and row.reported_at is None


async def test_another_provinces_coordinator_finds_no_event(db: Database) -> None:
    event = await plan(db, NOW)
    await ensure_user(db, "ops.bangkok")
    with pytest.raises(NotFound):
        await _act(db, event.id, EventAction.ANNOUNCE, NOW, who="ops.bangkok")


# --- needs -------------------------------------------------------------------------------------

async def test_needs_are_recorded_once_per_client_id_in_ones_own_area(db: Database) -> None:
    volunteer = await principal(db, "vol.naimueang")
    client_id = uuid.uuid4()
    cmd = RecordNeed(client_id, "SECTION_40_ENROLMENT", 40, note="ผู้ประกอบอาชีพอิสระสนใจสมัครมาตรา 40")
    for _ in range(2):
        async with UnitOfWork(db) as uow:
            row = await needs.record_need(uow, volunteer, cmd, NOW)
    assert row.id == client_id and row.subdistrict_code == "430101" and row.district_code == "4301"
    assert await _count(db, AreaNeed) == 1
    with pytest.raises(ValidationFailed) as caught:  # another volunteer, the same client id
        async with UnitOfWork(db) as uow:
            await needs.record_need(uow, await principal(db, "vol.michai"), cmd, NOW)
    assert caught.value.code == "CLIENT_ID_CONFLICT"
    for bad, code in ((RecordNeed(None, "SECTION_40_ENROLMENT", 1, subdistrict_code="430102"), "OUTSIDE_AREA"),
                      (RecordNeed(None, "NO_SUCH", 1), "UNKNOWN_SERVICE"),
                      (RecordNeed(None, "JOB_MATCHING", -1), "OUT_OF_RANGE"),
                      (RecordNeed(None, "JOB_MATCHING", 100_001), "OUT_OF_RANGE"),
                      (RecordNeed(None, "JOB_MATCHING", 1, captured_at=NOW + timedelta(hours=1)), "INVALID_INPUT")):
        with pytest.raises(ValidationFailed) as caught:
            async with UnitOfWork(db) as uow:
                await needs.record_need(uow, volunteer, bad, NOW)
        assert caught.value.code == code
    assert await _count(db, AreaNeed) == 1


async def test_the_needs_table_sums_what_volunteers_recorded(db: Database) -> None:
    await need(db, NOW, people=30)
    await need(db, NOW, people=12)
    await need(db, NOW, volunteer="vol.michai", people=5, service="JOB_MATCHING")
    async with db.read_sessions() as session:
        rows = await needs.need_table(session, await principal(db, "ops.nongkhai"), "43", None)
        own = await needs.list_needs(session, await principal(db, "vol.michai"), None, None, 50, 0)
        officer = await needs.need_table(session, await principal(db, "dlpw.nongkhai"), None, None)
    assert [(r.subdistrict_code, r.district_code, r.service_code, r.records, r.people) for r in rows] == [
        ("430101", "4301", "SECTION_40_ENROLMENT", 2, 42), ("430102", "4301", "JOB_MATCHING", 1, 5)]
    assert [n.people_count for n in own] == [5] and officer == []


# --- attendance, cases at the event, the report --------------------------------------------------

def _served(event_id: uuid.UUID, people: int, unit: str = "DLPW-43", service: str = "LABOUR_RIGHTS_ADVICE",
            client_id: uuid.UUID | None = None, **breakdown: int) -> RecordServiceAttendance:
    return RecordServiceAttendance(client_id or uuid.uuid4(), event_id, unit, service, people,
                                   Breakdown(**breakdown), captured_at=DAY)


async def _record(db: Database, who: str, cmd: RecordServiceAttendance, now: datetime = DAY) -> ServiceAttendance:
    async with UnitOfWork(db) as uow:
        return await attendance.record_service_attendance(uow, await principal(db, who), cmd, now)


async def test_attendance_opens_on_the_day_and_makes_the_event_held(db: Database) -> None:
    event = await plan(db, NOW, announce=True, volunteers=("vol.naimueang",))
    with pytest.raises(ValidationFailed) as caught:  # the day before
        await _record(db, "vol.naimueang", RecordServiceAttendance(None, event.id, "DLPW-43", "LABOUR_RIGHTS_ADVICE",
                                                                    3, captured_at=NOW), NOW)
    assert caught.value.code == "EVENT_NOT_OPEN"
    client_id = uuid.uuid4()
    for _ in range(2):  # an offline replay is stored once
        row = await _record(db, "vol.naimueang", _served(event.id, 25, client_id=client_id, men=10, women=15))
    assert row.id == client_id and await _count(db, ServiceAttendance) == 1
    async with db.read_sessions() as session:
        stored = await session.get(OutreachEvent, event.id)
    assert stored is not None and stored.status == EventStatus.HELD
    refusals = [
        ("vol.michai", _served(event.id, 1), NotFound),  # not assigned: the event is not theirs to see
        ("vol.naimueang", _served(event.id, 100_001), ValidationFailed),
        ("vol.naimueang", _served(event.id, -1), ValidationFailed),
        ("vol.naimueang", _served(event.id, 5, men=6), ValidationFailed),
        ("vol.naimueang", _served(event.id, 1, unit="DOE-43"), ValidationFailed),
        ("vol.naimueang", _served(event.id, 1, service="JOB_MATCHING"), ValidationFailed),
        ("sso.nongkhai", _served(event.id, 1), ValidationFailed),  # another office's service
        ("sup.nongkhai", _served(event.id, 1), AccessDenied),
    ]
    for who, cmd, error in refusals:
        with pytest.raises(error):
            await _record(db, who, cmd)
    assert await _count(db, ServiceAttendance) == 1
    await _record(db, "sso.nongkhai", _served(event.id, 40, unit="SSO-43", service="SECTION_40_ENROLMENT"))
    await _record(db, "ops.nongkhai", _served(event.id, 5))


async def test_attendance_at_a_cancelled_or_reported_event_is_refused(db: Database) -> None:
    event = await plan(db, NOW, announce=True)
    await _act(db, event.id, EventAction.CANCEL, NOW, reason="ยกเลิกเพราะพายุ")
    with pytest.raises(ValidationFailed) as caught:
        await _record(db, "vol.naimueang", _served(event.id, 3))
    assert caught.value.code == "EVENT_NOT_OPEN"


async def _file(db: Database, event_id: uuid.UUID | None, who: str = "vol.naimueang", subdistrict: str = "430101",
                n: int = 0) -> Case:
    cmd = OpenCase(client_id=uuid.uuid4(), category_code="SECTION_40", subdistrict_code=subdistrict,
                   description="ผู้ขอรับบริการต้องการสมัครประกันสังคมมาตรา 40",
                   citizen=CitizenDetails(full_name="สมหญิง ทดสอบ", national_id=national_id(f"3430100{n:05d}"),
                                          phone=None, consent=True),
                   file_anyway=True, event_id=event_id)
    return await filing.file_case(lambda: UnitOfWork(db), await principal(db, who), cmd, DAY, CAL,
                                  Settings().vault)


async def test_cases_filed_at_an_event_carry_it_and_bad_links_are_refused(db: Database) -> None:
    planned = await plan(db, NOW)
    event = await plan(db, NOW, announce=True)
    case = await _file(db, event.id)
    assert case.event_id == event.id
    await ensure_user(db, "vol.bangkok")
    before = await _count(db, Case)
    for event_id, who, sub, code in ((event.id, "vol.bangkok", "100101", "EVENT_OUTSIDE_PROVINCE"),
                                     (planned.id, "vol.naimueang", "430101", "EVENT_NOT_OPEN"),
                                     (uuid.uuid4(), "vol.naimueang", "430101", "UNKNOWN_EVENT")):
        with pytest.raises(ValidationFailed) as caught:
            await _file(db, event_id, who, sub)
        assert (caught.value.field, caught.value.code) == ("eventId", code)
        assert caught.value.message_th
    assert await _count(db, Case) == before


async def test_the_report_counts_exactly_the_attendance_and_cases_of_the_event(db: Database) -> None:
    event = await plan(db, NOW, announce=True)
    other = await plan(db, NOW, announce=True)
    batches = [("vol.naimueang", _served(event.id, 25, men=10, women=15, age_60_plus=4)),
               ("vol.michai", _served(event.id, 7, age_under_25=2)),
               ("sso.nongkhai", _served(event.id, 40, unit="SSO-43", service="SECTION_40_ENROLMENT")),
               ("vol.naimueang", _served(other.id, 99))]
    for who, cmd in batches:
        await _record(db, who, cmd)
    cases = [await _file(db, event.id, n=i) for i in range(3)]
    await _file(db, other.id, n=9)
    await _file(db, None, n=8)
    async with UnitOfWork(db) as uow:
        await uow.session.execute(update(Case).where(Case.id.in_([cases[0].id, cases[1].id]))  # type: ignore[attr-defined]
                                  .values(satisfaction=4))
        await uow.session.execute(update(Case).where(Case.id == cases[1].id).values(satisfaction=5))
    async with UnitOfWork(db) as uow:
        await events.update_checklist(uow, await principal(db, "vol.michai"),
                                      UpdateChecklist(event.id, True, 35), NOW)
    async with db.read_sessions() as session:
        report = await figures.event_report(session, await principal(db, "ops.nongkhai"), event.id)
        stored = (await session.execute(select(ServiceAttendance).where(ServiceAttendance.event_id == event.id))).scalars().all()
        filed = (await session.execute(select(Case).where(Case.event_id == event.id))).scalars().all()  # type: ignore[arg-type]
    assert report is not None
    assert report.people_served == sum(r.people_served for r in stored) == 72
    by_offer = {(r.org_unit_code, r.service_code): r for r in report.served}
    assert by_offer["DLPW-43", "LABOUR_RIGHTS_ADVICE"].people_served == 32
    assert by_offer["DLPW-43", "LABOUR_RIGHTS_ADVICE"].records == 2
    assert (by_offer["DLPW-43", "LABOUR_RIGHTS_ADVICE"].men, by_offer["DLPW-43", "LABOUR_RIGHTS_ADVICE"].age_under_25) == (10, 2)
    assert by_offer["SSO-43", "SECTION_40_ENROLMENT"].people_served == 40
    assert sorted(c.case_id for c in report.cases) == sorted(c.id for c in filed) == sorted(c.id for c in cases)
    assert report.cases_by_status == {c.status: len(filed) for c in filed}
    assert report.satisfaction_count == 2 and str(report.satisfaction_average) == "4.50"
    assert (report.volunteers_assigned, report.volunteers_prepared, report.people_invited) == (2, 1, 35)
    # the province's figures count the same rows
    async with db.read_sessions() as session:
        f = await figures.outreach_figures(session, await principal(db, "sup.nongkhai"), None, 2569)
        hidden = await figures.outreach_figures(session, await principal(db, "sup.nongkhai"), "10", 2569)
    assert f is not None and hidden is None
    (row,) = f.provinces
    assert (row.province_code, row.planned, row.held, row.people_served, row.cases_filed) == ("43", 2, 2, 171, 4)
    assert [(d.district_code, d.events_held) for d in f.districts] == [("4301", 2)]


async def test_meetings_take_attendance_per_volunteer_and_count_in_participation(db: Database) -> None:
    meeting = await plan(db, NOW, kind=EventKind.NETWORK_MEETING, announce=True, offers=())
    mobile = await plan(db, NOW, announce=True)
    async with UnitOfWork(db) as uow:
        rows = await attendance.record_meeting_attendance(
            uow, await principal(db, "vol.naimueang"),
            RecordMeetingAttendance(uuid.uuid4(), meeting.id, topics="การประชาสัมพันธ์เชิงรุก", captured_at=DAY), DAY)
    assert [r.topics for r in rows] == ["การประชาสัมพันธ์เชิงรุก"]
    with pytest.raises(ValidationFailed) as caught:  # someone else's attendance
        async with UnitOfWork(db) as uow:
            await attendance.record_meeting_attendance(
                uow, await principal(db, "vol.naimueang"),
                RecordMeetingAttendance(None, meeting.id, ("vol.michai",), captured_at=DAY), DAY)
    assert caught.value.code == "NOT_ASSIGNED"
    with pytest.raises(ValidationFailed) as caught:  # people served are for mobile units
        await _record(db, "vol.naimueang", _served(meeting.id, 3))
    assert caught.value.code == "WRONG_EVENT_KIND"
    async with UnitOfWork(db) as uow:
        await events.update_checklist(uow, await principal(db, "vol.naimueang"), UpdateChecklist(mobile.id, True), NOW)
    async with db.read_sessions() as session:
        rows = await figures.volunteer_participation(session, await principal(db, "mentor.nongkhai"), None, 2569)
        none = await figures.volunteer_participation(session, await principal(db, "mentor.nongkhai"), "10", 2569)
        attended = (await session.execute(select(EventVolunteer).where(
            EventVolunteer.attended_at.is_not(None)))).scalars().all()  # type: ignore[union-attr]
    by_name = {r.volunteer.username: r for r in rows}
    naimueang = by_name["vol.naimueang"]
    assert (naimueang.events_assigned, naimueang.events_prepared, naimueang.meetings_assigned,
            naimueang.meetings_attended) == (1, 1, 1, 1) == (1, 1, 1, len(attended))
    assert (by_name["vol.michai"].events_prepared, by_name["vol.michai"].meetings_attended) == (0, 0)
    assert none == []


async def test_domain_errors_carry_thai_and_english(db: Database) -> None:
    event = await plan(db, NOW)
    with pytest.raises(DomainError) as caught:
        async with UnitOfWork(db) as uow:
            await events.update_checklist(uow, await principal(db, "vol.naimueang"),
                                          UpdateChecklist(event.id, True, 100_001), NOW)
    assert caught.value.message_th == "จำนวนต้องอยู่ระหว่าง 0 ถึง 100,000"
