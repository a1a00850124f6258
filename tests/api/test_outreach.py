"""Outreach over HTTP (issue 16): a volunteer's needs (replayed once), a coordinator plans and
announces an event from them, attendance and a case filed at the event replayed after being
offline arrive once, the report; bad input is a Thai and English error that changes nothing;
each volunteer's participation beside their cases in `volunteerActivity`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain.db import Database
from domain.outreach import attendance
from domain.outreach.commands import RecordMeetingAttendance
from domain.outreach.models import EventKind
from domain.uow import UnitOfWork
from tests.api.access_helpers import Tokens
from tests.factories import bkk, case_input, principal
from tests.helpers import gql
from tests.outreach_factories import plan

NEED = """mutation($input: RecordAreaNeedInput!) { recordAreaNeed(input: $input) { __typename
  ... on RecordAreaNeedSuccess { need { id subdistrictCode peopleCount serviceCode } }
  ... on ValidationError { code field message messageTh } } }"""
TABLE = """query { areaNeedTable(filter: {areaCode: "43"}) { subdistrictCode districtCode serviceCode records people } }"""
PLAN = """mutation($input: PlanEventInput!) { planEvent(input: $input) { __typename
  ... on PlanEventSuccess { event { id status kind version fiscalYear offices { orgUnitCode serviceCodes }
                                    volunteers { username venueReady } } }
  ... on ValidationError { code field message messageTh } } }"""
CHANGE = """mutation($id: ID!%s) { %s(eventId: $id%s) { __typename
  ... on ChangeEventSuccess { event { status version } }
  ... on UserError { code message messageTh } } }"""
ATTEND = """mutation($id: ID!, $input: ServiceAttendanceInput!) { recordServiceAttendance(eventId: $id, input: $input) {
  __typename ... on RecordServiceAttendanceSuccess { attendance { id peopleServed } event { status } }
  ... on UserError { code message messageTh } } }"""
OPEN = """mutation($input: OpenCaseInput!) { openCase(input: $input) { __typename
  ... on OpenCaseSuccess { case { id eventId } } ... on ValidationError { code field messageTh } } }"""
REPORT = """query($id: ID!) { outreachEventReport(eventId: $id) { status peopleServed
  served { orgUnitCode serviceCode peopleServed } cases { caseId status } volunteersAssigned } }"""
EVENTS = """query { outreachEvents { id title } }"""
CHECKLIST = """mutation($id: ID!, $input: EventChecklistInput!) {
  updateEventChecklist(eventId: $id, input: $input) { __typename ... on ValidationError { code messageTh } } }"""
ACTIVITY = """query($filter: VolunteerActivityFilterInput) { volunteerActivity(filter: $filter) {
  volunteers { username casesFiled eventsPrepared meetingsAttended } } }"""
FIGURES = """query($fiscalYear: Int) { outreachFigures(fiscalYear: $fiscalYear) {
  provinces { provinceCode nameTh nameEn planned held cancelled casesFiled } districts { districtCode nameTh nameEn } } }"""


async def _call(client: httpx.AsyncClient, token: str, doc: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = await gql(client, doc, variables, token)
    assert "errors" not in body, body
    (value,) = body["data"].values()
    return dict(value)


def _change(name: str, reason: bool = False) -> str:
    return CHANGE % (", $reason: String!" if reason else "", name, ", reason: $reason" if reason else "")


async def test_needs_to_event_to_report(client: httpx.AsyncClient, db: Database) -> None:
    tokens = Tokens(client, db)
    vol, ops = await tokens("vol.naimueang"), await tokens("ops.nongkhai")
    need_id = str(uuid.uuid4())
    need = {"clientId": need_id, "serviceCode": "SECTION_40_ENROLMENT", "peopleCount": 35,
            "note": "ผู้ค้าขายในตลาดสนใจสมัครมาตรา 40"}
    for _ in range(2):  # sent again after being offline: one need
        result = await _call(client, vol, NEED, {"input": need})
        assert result["need"] == {"id": need_id, "subdistrictCode": "430101", "peopleCount": 35,
                                  "serviceCode": "SECTION_40_ENROLMENT"}
    bad = await _call(client, vol, NEED, {"input": {**need, "clientId": None, "peopleCount": 100_001}})
    assert (bad["code"], bad["field"]) == ("OUT_OF_RANGE", "peopleCount") and bad["messageTh"]
    rows = (await gql(client, TABLE, None, ops))["data"]["areaNeedTable"]
    assert rows == [{"subdistrictCode": "430101", "districtCode": "4301", "serviceCode": "SECTION_40_ENROLMENT",
                     "records": 1, "people": 35}]

    starts = datetime.now(UTC) + timedelta(days=3)
    plan = {"kind": "MOBILE_UNIT", "title": "หน่วยบริการเคลื่อนที่ตำบลในเมือง", "subdistrictCode": "430101",
            "venue": "ศาลาประชาคมหมู่ 3", "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=6)).isoformat(), "capacity": 150,
            "offices": [{"orgUnitCode": "SSO-43", "serviceCodes": ["SECTION_40_ENROLMENT"]}]}
    past = await _call(client, ops, PLAN, {"input": {**plan, "startsAt": "2020-01-01T09:00:00+07:00"}})
    assert (past["code"], past["messageTh"]) == ("EVENT_IN_PAST", "ไม่สามารถวางแผนกิจกรรมย้อนหลังได้")
    office = await _call(client, ops, PLAN, {"input": {**plan, "offices": [{"orgUnitCode": "XYZ-43",
                                                                          "serviceCodes": ["JOB_MATCHING"]}]}})
    assert (office["code"], office["field"]) == ("UNKNOWN_ORG_UNIT", "offices.0.orgUnitCode")
    assert (await gql(client, EVENTS, None, ops))["data"]["outreachEvents"] == []  # nothing was planned
    event = (await _call(client, ops, PLAN, {"input": plan}))["event"]
    assert event["status"] == "PLANNED"
    assert event["offices"] == [{"orgUnitCode": "SSO-43", "serviceCodes": ["SECTION_40_ENROLMENT"]}]
    assert [v["username"] for v in event["volunteers"]] == ["vol.michai", "vol.naimueang"]
    announced = await _call(client, ops, _change("announceEvent"), {"id": event["id"]})
    assert announced["event"]["status"] == "ANNOUNCED"
    again = await _call(client, ops, _change("announceEvent"), {"id": event["id"]})
    assert again["__typename"] == "IllegalTransitionError" and again["messageTh"]

    # at the venue: not the day yet
    early = await _call(client, vol, ATTEND, {"id": event["id"], "input": {
        "orgUnitCode": "SSO-43", "serviceCode": "SECTION_40_ENROLMENT", "peopleServed": 12}})
    assert early["code"] == "EVENT_NOT_OPEN"
    # a case filed from the announced event, sent twice
    client_id = str(uuid.uuid4())
    for _ in range(2):
        filed = await _call(client, vol, OPEN, {"input": case_input("SECTION_40", client_id=client_id,
                                                                    eventId=event["id"])})
        assert filed["case"] == {"id": client_id, "eventId": event["id"]}
    wrong = await _call(client, await tokens("vol.bangkok"), OPEN, {
        "input": case_input("SECTION_40", "100101", eventId=event["id"])})
    assert (wrong["code"], wrong["field"]) == ("EVENT_OUTSIDE_PROVINCE", "eventId")

    cancelled = await _call(client, ops, _change("cancelEvent", reason=True), {"id": event["id"],
                                                                                "reason": "เลื่อนเพราะพายุ"})
    assert cancelled["event"]["status"] == "CANCELLED"
    reported = await _call(client, ops, _change("reportEvent"), {"id": event["id"]})
    assert reported["__typename"] == "IllegalTransitionError"
    assert reported["messageTh"] == "ไม่สามารถรายงานผลกิจกรรมได้ เนื่องจากกิจกรรมอยู่ในสถานะ \"ยกเลิกแล้ว\""

    report = (await gql(client, REPORT, {"id": event["id"]}, await tokens("sso.nongkhai")))["data"]
    assert report["outreachEventReport"] == {"status": "CANCELLED", "peopleServed": 0, "served": [],
                                             "cases": [{"caseId": client_id, "status": "ROUTED"}],
                                             "volunteersAssigned": 2}
    # the DLPW office does not attend: for it the event does not exist
    hidden = (await gql(client, REPORT, {"id": event["id"]}, await tokens("dlpw.nongkhai")))["data"]
    assert hidden["outreachEventReport"] is None

    # a supervisor's figures name each province and district (Thai and English) beside its code
    figures = (await gql(client, FIGURES, {"fiscalYear": event["fiscalYear"]}, await tokens("sup.nongkhai")))
    assert "errors" not in figures, figures
    found = figures["data"]["outreachFigures"]
    assert found["provinces"] == [{"provinceCode": "43", "nameTh": "หนองคาย", "nameEn": "Nong Khai",
                                   "planned": 0, "held": 0, "cancelled": 1, "casesFiled": 1}]
    assert [(d["districtCode"], d["nameTh"], d["nameEn"]) for d in found["districts"]] == [
        ("4301", "เมืองหนองคาย", "Mueang Nong Khai")]


async def test_participation_beside_the_cases_in_volunteer_activity(client: httpx.AsyncClient, db: Database) -> None:
    """vol.naimueang prepares a mobile unit (people invited) and attends a meeting, both on
    Wednesday 8 July 2026; a second mobile unit they prepared is cancelled and does not count.
    vol.michai is assigned to the same events and does neither."""
    tokens = Tokens(client, db)
    now, day = bkk(2026, 7, 6, 10), bkk(2026, 7, 8, 11)
    mobile = await plan(db, now, announce=True)
    dropped = await plan(db, now, announce=True)
    meeting = await plan(db, now, kind=EventKind.NETWORK_MEETING, announce=True)
    vol = await tokens("vol.naimueang")
    for event in (mobile, dropped):
        done = await _call(client, vol, CHECKLIST, {"id": str(event.id), "input": {"venueReady": False,
                                                                                 "peopleInvited": 20}})
        assert done["__typename"] == "UpdateEventChecklistSuccess", done
    cancelled = await _call(client, await tokens("ops.nongkhai"), _change("cancelEvent", reason=True),
                            {"id": str(dropped.id), "reason": "เลื่อนเพราะพายุ"})
    assert cancelled["event"]["status"] == "CANCELLED"
    async with UnitOfWork(db) as uow:  # on the meeting's day (the app's clock is today's)
        await attendance.record_meeting_attendance(
            uow, await principal(db, "vol.naimueang"), RecordMeetingAttendance(None, meeting.id, captured_at=day), day)

    def figures(body: dict[str, Any]) -> dict[str, tuple[int, int]]:
        assert "errors" not in body, body
        return {v["username"]: (v["eventsPrepared"], v["meetingsAttended"])
                for v in body["data"]["volunteerActivity"]["volunteers"]}

    july = {"filedFrom": bkk(2026, 7, 1).isoformat(), "filedTo": bkk(2026, 8, 1).isoformat()}
    august = {"filedFrom": bkk(2026, 8, 1).isoformat(), "filedTo": bkk(2026, 9, 1).isoformat()}
    for reader in ("sup.nongkhai", "mentor.nongkhai"):
        token = await tokens(reader)
        assert figures(await gql(client, ACTIVITY, {"filter": july}, token)) == {
            "vol.naimueang": (1, 1), "vol.michai": (0, 0)}
        assert figures(await gql(client, ACTIVITY, None, token)) == {"vol.naimueang": (1, 1), "vol.michai": (0, 0)}
        assert figures(await gql(client, ACTIVITY, {"filter": august}, token)) == {
            "vol.naimueang": (0, 0), "vol.michai": (0, 0)}
    # the period's end is exclusive, on the event's start (Wednesday 8 July 10:00)
    before = {"filedFrom": july["filedFrom"], "filedTo": bkk(2026, 7, 8, 10).isoformat()}
    assert figures(await gql(client, ACTIVITY, {"filter": before}, await tokens("sup.nongkhai")))[
        "vol.naimueang"] == (0, 0)
    # the CSV of volunteer activity carries them too
    export = await gql(client, """mutation($input: ExportCsvInput!) { exportCsv(input: $input) {
        ... on ExportCsvSuccess { export { status csv } } } }""",
                       {"input": {"kind": "VOLUNTEER_ACTIVITY", **july}}, await tokens("sup.nongkhai"))
    assert "errors" not in export, export
    lines = export["data"]["exportCsv"]["export"]["csv"].split("\r\n")
    assert lines[0].endswith("เตรียมหน่วยบริการ (mobile units prepared),เข้าประชุม/อบรม (meetings attended)")
    assert any(line.startswith("vol.naimueang,") and line.endswith(",1,1") for line in lines)
