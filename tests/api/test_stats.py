"""Dashboards over HTTP: every figure against a hand-computed answer, scope, refusals, CSV.

The data set is built with the domain services at fixed moments (Asia/Bangkok, UTC+7) and
read with the app's clock fixed at NOW = Friday 1 May 2026 10:00. It runs on SQLite and on
PostgreSQL; the figures must be the same on both, to the last bit.

Nong Khai (province 43), filed by vol.naimueang (A–D) and vol.michai (F–H):

| case | category            | filed            | office  | what happened                                   | status      |
|------|---------------------|------------------|---------|--------------------------------------------------|-------------|
| A    | UNPAID_WAGES        | Fri 10 Apr 10:00 | DLPW-43 | accepted Thu 16 Apr 10:00, completed Fri 24 Apr 12:30 (15,000.50 THB), satisfaction 4, closed | CLOSED |
| B    | UNPAID_WAGES        | Mon 20 Apr 09:00 | DLPW-43 | accepted Wed 22 Apr 14:30                        | IN_PROGRESS |
| C    | WORK_INJURY         | Tue 7 Apr 16:00  | SSO-43  | accepted Mon 20 Apr 08:30 (late), completed Tue 21 Apr 12:30 (5,000 THB), satisfaction 2 | RESOLVED |
| D    | JOB_SEEKING         | Mon 27 Apr 09:00 | DOE-43  | pending; acceptance due Thu 30 Apr 16:30 passed  | ROUTED      |
| F    | OTHER               | Mon 2 Feb 10:00  | OPS-43  | pending since (both deadlines passed)            | ROUTED      |
| G    | SECTION_40          | Mon 16 Mar 10:00 | SSO-43  | redirected Tue 17 Mar 10:00 to DOE-43, pending there | ROUTED  |
| H    | SKILL_STANDARD_TEST | Wed 1 Apr 10:00  | DSD-43  | declined Thu 2 Apr 10:00                         | NEW         |

Bangkok (province 10), filed by vol.bangkok: E, UNPAID_WAGES, Fri 10 Apr 10:00, DLPW-10,
accepted Fri 17 Apr 10:00 (IN_PROGRESS).

Business time (08:30–16:30 on business days; Songkran 13–15 April are holidays):
A to accept: Fri 6.5 h + Thu 1.5 h = 8 h = 1.0 day; to complete: 6.5 + 8 + 8 + 4×8 + 4 = 58.5 h = 7.3125.
B to accept: 7.5 + 8 + 6 = 21.5 h = 2.6875.  C to accept: 0.5 + 3×8 + 2×8 = 40.5 h = 5.0625;
to complete: 40.5 + 8 + 4 = 52.5 h = 6.5625.  E to accept: 6.5 + 8 + 1.5 = 16 h = 2.0.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import geothai
import httpx
import pytest
from sqlalchemy import select

from domain.cases import closing, filing
from domain.cases.commands import CitizenDetails, CloseCase, OpenCase, RecordSatisfaction
from domain.cases.models import Referral, ReferralOutcome
from domain.cases.state import ReferralAction
from domain.db import Database
from domain.escalations.service import escalate_if_overdue
from domain.jobs import Job
from domain.outbox.models import OutboxJob
from domain.settings import Settings
from domain.stats import exports
from domain.stats.exports import ExportRequest
from domain.stats.models import ExportKind
from domain.uow import UnitOfWork
from domain.users.principal import Principal
from workers import handlers
from tests.factories import CAL, CITIZEN_NAME, act_directly, bkk, ensure_user, principal
from tests.helpers import gql, login

NOW = bkk(2026, 5, 1, 10)
EXTRA = ("vol.bangkok", "dlpw.bangkok", "dsd.nongkhai")  # of tests.factories.EXTRA_USERS


class Recorder:
    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def deliver(self, jobs: list[Job]) -> None:
        self.jobs.extend(jobs)


@dataclass
class World:
    db: Database
    people: dict[str, Principal]
    cases: dict[str, uuid.UUID]


async def _referral(db: Database, case_id: uuid.UUID, unit: str) -> uuid.UUID:
    async with db.read_sessions() as session:
        rows = (await session.execute(select(Referral).where(
            Referral.case_id == case_id, Referral.org_unit_code == unit))).scalars().all()
    return rows[-1].id


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    for username in EXTRA:
        await ensure_user(db, username, bkk(2026, 1, 5, 9))
    names = ["vol.naimueang", "vol.michai", "vol.bangkok", "dlpw.nongkhai", "sso.nongkhai",
             "dsd.nongkhai", "dlpw.bangkok", "ops.nongkhai"]
    people = {n: await principal(db, n) for n in names}
    ids: dict[str, uuid.UUID] = {}

    async def file(key: str, who: str, category: str, subdistrict: str, when: datetime) -> None:
        cmd = OpenCase(client_id=None, category_code=category, subdistrict_code=subdistrict,
                       description="นายจ้างค้างจ่ายค่าจ้าง", citizen=CitizenDetails(CITIZEN_NAME, None, None, True))
        async with UnitOfWork(db) as uow:
            ids[key] = (await filing.open_case(uow, people[who], cmd, when, CAL, Settings().vault)).id

    async def act(key: str, who: str, unit: str, action: ReferralAction, when: datetime, **kw: Any) -> None:
        await act_directly(db, people[who], action, await _referral(db, ids[key], unit), when, CAL, **kw)

    async def satisfy(key: str, score: int, when: datetime) -> None:
        async with UnitOfWork(db) as uow:
            await closing.record_satisfaction(uow, people["vol.naimueang"], RecordSatisfaction(ids[key], score),
                                              when)

    await file("F", "vol.michai", "OTHER", "430102", bkk(2026, 2, 2, 10))
    await file("G", "vol.michai", "SECTION_40", "430102", bkk(2026, 3, 16, 10))
    await act("G", "sso.nongkhai", "SSO-43", ReferralAction.REDIRECT, bkk(2026, 3, 17, 10),
              org_unit_code="DOE-43", reason="เป็นเรื่องของจัดหางาน")
    await file("H", "vol.michai", "SKILL_STANDARD_TEST", "430102", bkk(2026, 4, 1, 10))
    await act("H", "dsd.nongkhai", "DSD-43", ReferralAction.REJECT, bkk(2026, 4, 2, 10), reason="ซ้ำ")
    await file("C", "vol.naimueang", "WORK_INJURY", "430101", bkk(2026, 4, 7, 16))
    await file("A", "vol.naimueang", "UNPAID_WAGES", "430101", bkk(2026, 4, 10, 10))
    await file("E", "vol.bangkok", "UNPAID_WAGES", "100101", bkk(2026, 4, 10, 10))
    await act("A", "dlpw.nongkhai", "DLPW-43", ReferralAction.ACCEPT, bkk(2026, 4, 16, 10))
    await act("E", "dlpw.bangkok", "DLPW-10", ReferralAction.ACCEPT, bkk(2026, 4, 17, 10))
    await file("B", "vol.naimueang", "UNPAID_WAGES", "430101", bkk(2026, 4, 20, 9))
    await act("C", "sso.nongkhai", "SSO-43", ReferralAction.ACCEPT, bkk(2026, 4, 20, 8, 30))
    await act("C", "sso.nongkhai", "SSO-43", ReferralAction.COMPLETE, bkk(2026, 4, 21, 12, 30),
              outcome=ReferralOutcome.RESOLVED, amount_recovered_thb=Decimal("5000"))
    await act("B", "dlpw.nongkhai", "DLPW-43", ReferralAction.ACCEPT, bkk(2026, 4, 22, 14, 30))
    await act("A", "dlpw.nongkhai", "DLPW-43", ReferralAction.COMPLETE, bkk(2026, 4, 24, 12, 30),
              outcome=ReferralOutcome.RESOLVED, amount_recovered_thb=Decimal("15000.50"))
    await satisfy("A", 4, bkk(2026, 4, 24, 15))
    async with UnitOfWork(db) as uow:
        await closing.close_case(uow, people["vol.naimueang"], CloseCase(ids["A"]), bkk(2026, 4, 25, 9))
    await satisfy("C", 2, bkk(2026, 4, 22, 9))
    await file("D", "vol.naimueang", "JOB_SEEKING", "430101", bkk(2026, 4, 27, 9))
    yield World(db, people, ids)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its clock fixed at NOW."""
    from api.app import create_app

    app = create_app(settings, clock=lambda: NOW)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


STATS = """
query Stats($groupBy: [CaseDimension!]!, $filter: CaseFilterInput) {
  caseStats(groupBy: $groupBy, filter: $filter) {
    groupBy asOf
    rows {
      keys { dimension code labelTh labelEn }
      caseCount referralCount
      acceptedWithinDeadline acceptanceCounted acceptedWithinDeadlineShare
      resolvedWithinDeadline resolutionCounted resolvedWithinDeadlineShare
      medianBusinessDaysToAccept p90BusinessDaysToAccept
      medianBusinessDaysToResolve p90BusinessDaysToResolve
      openByAge { days0To7 days8To30 days31To60 over60Days }
      amountRecoveredThb satisfactionCount meanSatisfaction
    }
  }
}
"""


async def stats(client: httpx.AsyncClient, username: str, group_by: list[str],
                filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    token = await login(client, username)
    body = await gql(client, STATS, {"groupBy": group_by, "filter": filter}, token)
    assert "errors" not in body, body
    rows: list[dict[str, Any]] = body["data"]["caseStats"]["rows"]
    return rows


def by_code(rows: list[dict[str, Any]]) -> dict[tuple[str | None, ...], dict[str, Any]]:
    return {tuple(k["code"] for k in r["keys"]): r for r in rows}


NONG_KHAI_TOTAL = {
    "keys": [], "caseCount": 7, "referralCount": 8,
    # Accepted: A, B on time, C late; pending past the deadline: D, F, G's DOE-43 leg.
    "acceptedWithinDeadline": 2, "acceptanceCounted": 6, "acceptedWithinDeadlineShare": 2 / 6,
    # Completed: A, C on time; open past the resolution deadline: F (due 17 Mar).
    "resolvedWithinDeadline": 2, "resolutionCounted": 3, "resolvedWithinDeadlineShare": 2 / 3,
    "medianBusinessDaysToAccept": 2.6875,  # of 1.0, 2.6875, 5.0625
    "p90BusinessDaysToAccept": pytest.approx(2.6875 + 0.8 * (5.0625 - 2.6875), abs=1e-12),
    "medianBusinessDaysToResolve": 6.9375,  # of 6.5625, 7.3125
    "p90BusinessDaysToResolve": pytest.approx(6.5625 + 0.9 * 0.75, abs=1e-12),
    # Open: D 4 days; B 11, H 30; G 46; F 88.
    "openByAge": {"days0To7": 1, "days8To30": 2, "days31To60": 1, "over60Days": 1},
    "amountRecoveredThb": "20000.50", "satisfactionCount": 2, "meanSatisfaction": 3.0,
}


async def test_totals_of_a_province_supervisor_match_the_hand_computed_figures(
        client: httpx.AsyncClient, world: World) -> None:
    (row,) = await stats(client, "sup.nongkhai", [])
    assert row == NONG_KHAI_TOTAL


async def test_national_totals_include_bangkok(client: httpx.AsyncClient, world: World) -> None:
    (row,) = await stats(client, "sup.national", [])
    assert row["caseCount"] == 8 and row["referralCount"] == 9
    assert (row["acceptedWithinDeadline"], row["acceptanceCounted"]) == (3, 7)
    assert row["medianBusinessDaysToAccept"] == (2.0 + 2.6875) / 2  # of 1.0, 2.0, 2.6875, 5.0625
    assert row["openByAge"] == {"days0To7": 1, "days8To30": 3, "days31To60": 1, "over60Days": 1}
    assert row["amountRecoveredThb"] == "20000.50"


async def test_a_province_supervisor_sees_the_sum_over_their_province_only(
        client: httpx.AsyncClient, world: World) -> None:
    national = by_code(await stats(client, "sup.national", ["PROVINCE"]))
    assert set(national) == {("10",), ("43",)}
    assert national[("10",)]["caseCount"] == 1
    assert national[("10",)]["medianBusinessDaysToAccept"] == 2.0
    assert national[("10",)]["keys"] == [{"dimension": "PROVINCE", "code": "10",
                                          "labelTh": "กรุงเทพมหานคร", "labelEn": "Bangkok"}]
    (mine,) = await stats(client, "sup.nongkhai", [])
    assert {**national[("43",)], "keys": []} == mine
    by_status = await stats(client, "sup.nongkhai", ["PROVINCE", "STATUS"])
    assert {r["keys"][0]["code"] for r in by_status} == {"43"}
    assert sum(r["caseCount"] for r in by_status) == 7
    assert sum(r["referralCount"] for r in by_status) == 8
    # A coordinator sees their province, and asking for another one gives nothing.
    (coordinator,) = await stats(client, "ops.nongkhai", [])
    assert coordinator == mine
    assert await stats(client, "ops.nongkhai", [], {"provinceCode": "10"}) == []


async def test_grouped_by_status(client: httpx.AsyncClient, world: World) -> None:
    rows = by_code(await stats(client, "sup.nongkhai", ["STATUS"]))
    assert {k: r["caseCount"] for k, r in rows.items()} == {
        ("CLOSED",): 1, ("IN_PROGRESS",): 1, ("NEW",): 1, ("RESOLVED",): 1, ("ROUTED",): 3}
    routed = rows[("ROUTED",)]  # D, F, G (G has two legs)
    assert routed["referralCount"] == 4
    assert (routed["acceptedWithinDeadline"], routed["acceptanceCounted"]) == (0, 3)
    assert routed["medianBusinessDaysToAccept"] is None
    assert routed["openByAge"] == {"days0To7": 1, "days8To30": 0, "days31To60": 1, "over60Days": 1}
    assert routed["keys"][0]["labelTh"] == "ส่งต่อแล้ว" and routed["keys"][0]["labelEn"] == "routed"
    closed = rows[("CLOSED",)]  # A
    assert closed["medianBusinessDaysToAccept"] == 1.0
    assert closed["medianBusinessDaysToResolve"] == 7.3125
    assert closed["amountRecoveredThb"] == "15000.50" and closed["meanSatisfaction"] == 4.0
    resolved = rows[("RESOLVED",)]  # C
    assert resolved["medianBusinessDaysToAccept"] == 5.0625
    assert resolved["p90BusinessDaysToResolve"] == 6.5625
    assert (resolved["acceptedWithinDeadline"], resolved["acceptanceCounted"]) == (0, 1)


async def test_grouped_by_office_counts_a_redirected_case_in_both_offices(
        client: httpx.AsyncClient, world: World) -> None:
    rows = by_code(await stats(client, "sup.nongkhai", ["ORG_UNIT"]))
    assert {k: (r["caseCount"], r["referralCount"]) for k, r in rows.items()} == {
        ("DLPW-43",): (2, 2), ("SSO-43",): (2, 2), ("DOE-43",): (2, 2), ("OPS-43",): (1, 1),
        ("DSD-43",): (1, 1)}
    dlpw = rows[("DLPW-43",)]  # A, B
    assert dlpw["medianBusinessDaysToAccept"] == (1.0 + 2.6875) / 2
    assert dlpw["amountRecoveredThb"] == "15000.50"
    assert dlpw["keys"][0]["labelEn"] == "Provincial Labour Protection and Welfare Office, Nong Khai"
    agencies = by_code(await stats(client, "sup.nongkhai", ["AGENCY"]))
    assert {k: r["caseCount"] for k, r in agencies.items()} == {
        ("DLPW",): 2, ("SSO",): 2, ("DOE",): 2, ("OPS",): 1, ("DSD",): 1}
    assert agencies[("SSO",)]["keys"][0]["labelEn"] == "Social Security Office"


async def test_grouped_by_category_month_and_fiscal_year(client: httpx.AsyncClient, world: World) -> None:
    rows = by_code(await stats(client, "sup.nongkhai", ["CATEGORY", "MONTH"]))
    assert {k: r["caseCount"] for k, r in rows.items()} == {
        ("JOB_SEEKING", "2026-04"): 1, ("OTHER", "2026-02"): 1, ("SECTION_40", "2026-03"): 1,
        ("SKILL_STANDARD_TEST", "2026-04"): 1, ("UNPAID_WAGES", "2026-04"): 2,
        ("WORK_INJURY", "2026-04"): 1}
    wages = rows[("UNPAID_WAGES", "2026-04")]
    assert wages["keys"][0]["labelTh"] == "ค่าจ้างค้างจ่าย"
    assert wages["keys"][1] == {"dimension": "MONTH", "code": "2026-04", "labelTh": "เมษายน 2569",
                                "labelEn": "April 2026"}
    (year,) = await stats(client, "sup.nongkhai", ["FISCAL_YEAR"])
    assert year["keys"][0]["code"] == "2569" and year["caseCount"] == 7
    levels = by_code(await stats(client, "sup.nongkhai", ["ESCALATION_LEVEL"]))
    assert list(levels) == [("0",)]


async def test_grouped_by_district_and_subdistrict(client: httpx.AsyncClient, world: World) -> None:
    rows = by_code(await stats(client, "sup.national", ["SUBDISTRICT"]))
    assert {k: r["caseCount"] for k, r in rows.items()} == {("100101",): 1, ("430101",): 4, ("430102",): 3}
    assert rows[("430102",)]["keys"][0]["labelEn"] == "Mi Chai"
    districts = by_code(await stats(client, "sup.nongkhai", ["DISTRICT"]))
    assert list(districts) == [("4301",)]


async def test_the_filter_is_the_same_as_for_cases(client: httpx.AsyncClient, world: World) -> None:
    (row,) = await stats(client, "sup.national", [], {"categoryCode": ["UNPAID_WAGES"]})
    assert row["caseCount"] == 3  # A, B, E
    (row,) = await stats(client, "sup.national", [], {"status": ["ROUTED", "NEW"], "provinceCode": "43"})
    assert row["caseCount"] == 4
    (row,) = await stats(client, "sup.national", [], {"orgUnitCode": "DOE-43"})
    assert row["caseCount"] == 2  # D and G (current leg)


PERIOD_STATS = """
query Period($groupBy: [CaseDimension!]!, $from: DateTime, $to: DateTime) {
  caseStats(groupBy: $groupBy, filedFrom: $from, filedTo: $to) {
    rows { keys { code } caseCount referralCount overdueReferralCount escalatedOpenCaseCount
           medianBusinessDaysToResolve amountRecoveredThb }
  }
}
"""


async def test_overdue_escalated_and_a_period_of_filing(client: httpx.AsyncClient, world: World) -> None:
    """Overdue: current legs past their running deadline now (D, F, G's DOE-43 leg; B is due in
    June). Escalated: open cases at level 1 or more (F, once the sweep has looked at it).
    The period counts cases by when they were received, from inclusive, to exclusive."""
    async with UnitOfWork(world.db) as uow:
        assert await escalate_if_overdue(uow, await _referral(world.db, world.cases["F"], "OPS-43"), NOW, CAL)
    token = await login(client, "sup.nongkhai")

    async def rows(**variables: Any) -> list[dict[str, Any]]:
        body = await gql(client, PERIOD_STATS, {"groupBy": [], **variables}, token)
        assert "errors" not in body, body
        found: list[dict[str, Any]] = body["data"]["caseStats"]["rows"]
        return found

    (everything,) = await rows()
    assert (everything["overdueReferralCount"], everything["escalatedOpenCaseCount"]) == (3, 1)
    (april,) = await rows(**{"from": "2026-04-01T00:00:00+07:00", "to": "2026-05-01T00:00:00+07:00"})
    assert (april["caseCount"], april["referralCount"]) == (5, 5)  # H, C, A, B, D
    assert april["overdueReferralCount"] == 1 and april["escalatedOpenCaseCount"] == 0  # D
    assert april["medianBusinessDaysToResolve"] == 6.9375 and april["amountRecoveredThb"] == "20000.50"
    (march,) = await rows(**{"from": "2026-03-01T00:00:00+07:00", "to": "2026-04-01T00:00:00+07:00"})
    assert (march["caseCount"], march["referralCount"], march["overdueReferralCount"]) == (1, 2, 1)  # G
    # H was filed at 10:00 on 1 April: a period ending then leaves it out, one starting then keeps it.
    assert await rows(**{"from": "2026-04-01T10:00:00+07:00", "to": "2026-04-01T10:00:00+07:00"}) == []
    by_status = {r["keys"][0]["code"]: r["caseCount"] for r in await rows(
        groupBy=["STATUS"], **{"from": "2026-04-01T10:00:00+07:00", "to": "2026-04-01T10:00:01+07:00"})}
    assert by_status == {"NEW": 1}
    body = await gql(client, PERIOD_STATS, {"groupBy": [], "from": "2026-04-01T00:00:00"}, token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # no time zone


async def test_volunteers_and_officers_are_refused(client: httpx.AsyncClient, world: World) -> None:
    for username in ("vol.naimueang", "dlpw.nongkhai", "mentor.nongkhai"):
        token = await login(client, username)
        body = await gql(client, STATS, {"groupBy": ["PROVINCE"]}, token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    for username in ("vol.naimueang", "dlpw.nongkhai"):
        token = await login(client, username)
        for query in ("{ volunteerActivity { volunteerCount } }", "{ networkCoverage { total { code } } }",
                      "{ routingAccuracy { referralCount } }"):
            body = await gql(client, query, None, token)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (username, query, body)
        body = await gql(client, EXPORT, {"input": {"kind": "CASES"}}, token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    mentor = await login(client, "mentor.nongkhai")
    body = await gql(client, EXPORT, {"input": {"kind": "CASES"}}, mentor)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(client, EXPORT, {"input": {"kind": "VOLUNTEER_ACTIVITY"}}, mentor)
    assert body["data"]["exportCsv"]["export"]["rowCount"] == 2
    body = await gql(client, STATS, {"groupBy": []})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


ACTIVITY = """
query Activity($filter: VolunteerActivityFilterInput) {
  volunteerActivity(filter: $filter) {
    volunteerCount inactive30Days inactive60Days inactive90Days
    volunteers { username areaCode areaNameEn casesFiled openCases lastActivityAt
                 daysSinceLastActivity satisfactionCount meanSatisfaction }
  }
}
"""


async def test_volunteer_activity(client: httpx.AsyncClient, world: World) -> None:
    token = await login(client, "sup.nongkhai")
    period = {"filedFrom": bkk(2026, 4, 1, 0).isoformat(), "filedTo": NOW.isoformat()}
    body = await gql(client, ACTIVITY, {"filter": period}, token)
    assert "errors" not in body, body
    report = body["data"]["volunteerActivity"]
    # vol.michai last acted when filing H (1 Apr 10:00): exactly 30 days before NOW.
    assert (report["volunteerCount"], report["inactive30Days"], report["inactive60Days"],
            report["inactive90Days"]) == (2, 1, 0, 0)
    michai, naimueang = report["volunteers"]  # least recently active first
    assert michai == {"username": "vol.michai", "areaCode": "430102", "areaNameEn": "Mi Chai",
                      "casesFiled": 1, "openCases": 3,
                      "lastActivityAt": bkk(2026, 4, 1, 10).astimezone(timezone.utc).isoformat(),
                      "daysSinceLastActivity": 30, "satisfactionCount": 0, "meanSatisfaction": None}
    assert naimueang["casesFiled"] == 4 and naimueang["openCases"] == 2
    assert naimueang["daysSinceLastActivity"] == 4  # filed D on 27 Apr 09:00
    assert (naimueang["satisfactionCount"], naimueang["meanSatisfaction"]) == (2, 3.0)
    only_inactive = await gql(client, ACTIVITY, {"filter": {"inactiveForDays": 30}}, token)
    assert [v["username"] for v in only_inactive["data"]["volunteerActivity"]["volunteers"]] == ["vol.michai"]
    national = await gql(client, ACTIVITY, None, await login(client, "sup.national"))
    assert national["data"]["volunteerActivity"]["volunteerCount"] == 3
    mentor = await gql(client, ACTIVITY, None, await login(client, "mentor.nongkhai"))
    assert mentor["data"]["volunteerActivity"]["volunteerCount"] == 2
    outside = await gql(client, ACTIVITY, {"filter": {"areaCode": "10"}}, token)
    assert outside["data"]["volunteerActivity"] is None


PAGE = """
query Page($first: Int!, $offset: Int!) {
  volunteerActivity(first: $first, offset: $offset) {
    volunteerCount inactive30Days volunteers { username daysSinceLastActivity casesFiled }
  }
}
"""


async def test_volunteer_activity_pages_in_order(client: httpx.AsyncClient, world: World) -> None:
    """Counted and ordered in SQL, the figures read for the page only: one volunteer a page gives
    the same rows, in the same order, as the whole list — from the rollups (a supervisor) and
    live (a mentor)."""
    for username in ("sup.national", "mentor.nongkhai"):
        token = await login(client, username)
        whole = (await gql(client, PAGE, {"first": 100, "offset": 0}, token))["data"]["volunteerActivity"]
        rows = whole["volunteers"]
        assert len(rows) == whole["volunteerCount"] >= 2, username
        assert [(-r["daysSinceLastActivity"], r["username"]) for r in rows] == sorted(
            (-r["daysSinceLastActivity"], r["username"]) for r in rows)
        paged = []
        for offset in range(len(rows) + 1):
            page = (await gql(client, PAGE, {"first": 1, "offset": offset}, token))["data"]["volunteerActivity"]
            assert (page["volunteerCount"], page["inactive30Days"]) == (whole["volunteerCount"], whole["inactive30Days"])
            paged += page["volunteers"]
        assert paged == rows, username


COVERAGE = """
query Coverage($province: String) {
  networkCoverage(provinceCode: $province) {
    total { code nameEn subdistrictCount coveredCount share }
    provinces { code subdistrictCount coveredCount }
    districts { code nameEn subdistrictCount coveredCount share }
    uncovered { code districtCode }
  }
}
"""


async def test_network_coverage(client: httpx.AsyncClient, world: World) -> None:
    in_province = sum(len(geothai.subdistricts(d.code)) for d in geothai.districts("43"))
    in_mueang = len(geothai.subdistricts("4301"))
    token = await login(client, "sup.nongkhai")
    body = await gql(client, COVERAGE, {"province": "43"}, token)
    assert "errors" not in body, body
    report = body["data"]["networkCoverage"]
    assert report["total"] == {"code": "43", "nameEn": "Nong Khai", "subdistrictCount": in_province,
                               "coveredCount": 2, "share": 2 / in_province}
    mueang = next(d for d in report["districts"] if d["code"] == "4301")
    assert (mueang["subdistrictCount"], mueang["coveredCount"]) == (in_mueang, 2)
    assert sum(d["subdistrictCount"] for d in report["districts"]) == in_province
    uncovered = {u["code"] for u in report["uncovered"]}
    assert len(uncovered) == in_province - 2 and not uncovered & {"430101", "430102"}
    assert (await gql(client, COVERAGE, {"province": None}, token))["data"]["networkCoverage"]["total"][
        "code"] == "43"
    assert (await gql(client, COVERAGE, {"province": "10"}, token))["data"]["networkCoverage"] is None
    national = (await gql(client, COVERAGE, {"province": None}, await login(client, "sup.national")))
    total = national["data"]["networkCoverage"]["total"]
    assert (total["subdistrictCount"], total["coveredCount"]) == (7436, 3)
    assert len(national["data"]["networkCoverage"]["provinces"]) == 77


ROUTING = """
{ routingAccuracy { category { code labelEn } province { code } referralCount rejectedCount
                    redirectedCount rejectedShare redirectedShare
                    flows { kind fromOrgUnit toOrgUnit count } } }
"""


async def test_routing_accuracy(client: httpx.AsyncClient, world: World) -> None:
    body = await gql(client, ROUTING, None, await login(client, "sup.nongkhai"))
    assert "errors" not in body, body
    rows = {(r["category"]["code"], r["province"]["code"]): r for r in body["data"]["routingAccuracy"]}
    assert {k: (r["referralCount"], r["rejectedCount"], r["redirectedCount"]) for k, r in rows.items()} == {
        ("JOB_SEEKING", "43"): (1, 0, 0), ("OTHER", "43"): (1, 0, 0), ("SECTION_40", "43"): (2, 0, 1),
        ("SKILL_STANDARD_TEST", "43"): (1, 1, 0), ("UNPAID_WAGES", "43"): (2, 0, 0),
        ("WORK_INJURY", "43"): (1, 0, 0)}
    assert rows[("SECTION_40", "43")]["flows"] == [
        {"kind": "REDIRECTED", "fromOrgUnit": "SSO-43", "toOrgUnit": "DOE-43", "count": 1}]
    assert rows[("SECTION_40", "43")]["redirectedShare"] == 0.5
    assert rows[("SKILL_STANDARD_TEST", "43")]["flows"] == [
        {"kind": "REJECTED", "fromOrgUnit": "DSD-43", "toOrgUnit": None, "count": 1}]
    assert rows[("SKILL_STANDARD_TEST", "43")]["rejectedShare"] == 1.0


EXPORT = """
mutation Export($input: ExportCsvInput!) {
  exportCsv(input: $input) {
    __typename
    ... on ExportCsvSuccess { export { id kind status filename rowCount csv } }
    ... on UserError { code message }
  }
}
"""


async def test_small_exports_come_back_at_once(client: httpx.AsyncClient, world: World) -> None:
    token = await login(client, "sup.nongkhai")
    body = await gql(client, EXPORT, {"input": {"kind": "CASES"}}, token)
    assert "errors" not in body, body
    export = body["data"]["exportCsv"]["export"]
    assert export["status"] == "DONE" and export["rowCount"] == 7
    text = export["csv"]
    assert text.startswith("\ufeff")
    lines = text.split("\r\n")
    assert lines[0].startswith("\ufeffเลขที่เรื่อง (reference)")
    assert len(lines) == 1 + 7 + 1  # header, rows, the final line break
    assert CITIZEN_NAME not in text and "นายจ้างค้างจ่าย" not in text  # no personal data, no description
    assert "10/04/2569 10:00" in text and "ค่าจ้างค้างจ่าย" in text and "หนองคาย" in text
    assert "100101" not in text and "กรุงเทพ" not in text  # Bangkok is outside the scope
    again = await gql(client, "query($id: ID!) { statsExport(id: $id) { status csv } }",
                      {"id": export["id"]}, token)
    assert again["data"]["statsExport"] == {"status": "DONE", "csv": text}
    other = await gql(client, "query($id: ID!) { statsExport(id: $id) { status } }",
                      {"id": export["id"]}, await login(client, "sup.national"))
    assert other["data"]["statsExport"] is None  # someone else's export does not exist for you

    body = await gql(client, EXPORT, {"input": {"kind": "CASE_STATS", "groupBy": ["STATUS"]}}, token)
    stats_csv = body["data"]["exportCsv"]["export"]["csv"]
    rows = stats_csv.split("\r\n")
    assert rows[1].startswith("CLOSED,ปิดเรื่อง,1,1,1.0000,1.0000,1.0000,1.0000,7.3125,7.3125,0,0,0,0,15000.50,4.0000")
    for kind in ("VOLUNTEER_ACTIVITY", "NETWORK_COVERAGE", "ROUTING_ACCURACY"):
        body = await gql(client, EXPORT, {"input": {"kind": kind, "areaCode": "43"}}, token)
        assert body["data"]["exportCsv"]["export"]["status"] == "DONE", (kind, body)


async def test_large_exports_become_a_job_that_a_worker_finishes(world: World) -> None:
    db = world.db
    sup = await principal(db, "sup.nongkhai")
    sink = Recorder()
    request = ExportRequest(kind=ExportKind.CASE_STATS, group_by=("PROVINCE", "CATEGORY"))  # type: ignore[arg-type]
    async with UnitOfWork(db, sink) as uow:
        outcome = await exports.request_export(db, sup, request, NOW, CAL, uow, inline_limit=0)
    assert outcome.csv is None and outcome.export.status == "PENDING"
    assert sink.jobs == [Job("stats.generate_export", {"export_id": str(outcome.export.id)})]

    # The worker runs the job by its name, as the outbox hands it over; twice is harmless.
    # Its handler writes through no unit of work of the worker's: its row is marked done after.
    runtime = handlers.Runtime(settings=Settings(database_url=db.url), db=db)
    async with db.read_sessions() as session:
        row = (await session.execute(select(OutboxJob).where(OutboxJob.name == sink.jobs[0].name))).scalar_one()
    for outbox_id in (row.id, None):
        await handlers.run_job(runtime, sink.jobs[0].name, sink.jobs[0].ids, outbox_id)
    async with db.read_sessions() as session:
        assert (await session.get(OutboxJob, row.id, populate_existing=True)).done_at is not None
    done = await exports.find_export(db, sup, outcome.export.id)
    assert done.status == "DONE" and done.row_count == 6
    assert done.content is not None and done.content.startswith(b"\xef\xbb\xbf")
    inline, rows = await exports.build_csv(db, sup, request, NOW, CAL)
    assert done.content.decode("utf-8") == inline and rows == 6
    with pytest.raises(Exception):
        await exports.find_export(db, await principal(db, "sup.national"), outcome.export.id)


async def test_a_holiday_added_by_an_admin_changes_business_days(world: World) -> None:
    """The day table follows the calendar in force, both ways."""
    from datetime import date

    from domain.clock.business import with_changes
    from domain.cases.commands import CaseFilter
    from domain.stats import service
    from domain.stats.rules import CaseDimension

    sup = await principal(world.db, "sup.nongkhai")
    extra = with_changes(added=[date(2026, 4, 16)])  # Thursday 16 April a holiday as well
    (row,) = (await service.case_stats(world.db, sup, CaseFilter(category_codes=("UNPAID_WAGES",)),
                                       [CaseDimension.STATUS], NOW, extra)).rows[:1]
    assert row.keys[0].code == "CLOSED"  # A: Fri 6.5 h, then accepted on the holiday
    assert row.median_business_days_to_accept == 6.5 / 8
    assert row.median_business_days_to_resolve == (6.5 + 8 + 4 * 8 + 4) / 8
    (row,) = (await service.case_stats(world.db, sup, CaseFilter(category_codes=("UNPAID_WAGES",)),
                                       [CaseDimension.STATUS], NOW, CAL)).rows[:1]
    assert row.median_business_days_to_accept == 1.0
