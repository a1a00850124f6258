"""What tests make, in one place: instants in Bangkok time, the calendar, the Thai sample
cases, citizens, extra users, principals, and cases filed and worked either over HTTP (as a
client would) or through the domain services at a chosen instant (much faster, and the clock
is the only fake).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from domain.cases import filing, notes, referrals, repository
from domain.cases.commands import AcceptReferral, AddNote, CitizenDetails, OpenCase
from domain.cases.models import Case, Referral
from domain.cases.notices import CASE_EVENT_JOB
from domain.cases.state import ReferralAction
from domain.calendar import service as calendar_service
from domain.clock.business import BANGKOK, BusinessCalendar, government_calendar
from domain.db import Database
from domain.demo import DEMO_PASSWORD
from domain.outbox.models import OutboxJob
from domain.settings import Settings
from domain.stats import maintenance, rebuild
from domain.stats import service as stats_service
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.models import Role
from domain.users.principal import Principal
from domain.users.service import NewUser, create_user
from tests.helpers import gql
from workers import handlers

# --- time ------------------------------------------------------------------------------------

CAL = government_calendar()  # the calendar in force when no admin changed a day


def bkk(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
        second: int = 0) -> datetime:
    """The instant of a Bangkok wall-clock time, in UTC as the app passes and stores it."""
    return datetime(year, month, day, hour, minute, second, tzinfo=BANGKOK).astimezone(UTC)


# --- sample data -----------------------------------------------------------------------------

SAMPLE_CASES = Path(__file__).resolve().parents[2] / "shared" / "data" / "sample_cases.jsonl"

NATIONAL_ID = "1101700207366"  # valid check digit
PHONE = "081-234-5678"
CITIZEN_NAME = "สมชาย ใจดี"


@cache
def sample_cases() -> tuple[dict[str, Any], ...]:
    """The Thai sample cases of the shared data set, as they are (read once)."""
    with SAMPLE_CASES.open(encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


@cache
def sample_descriptions() -> dict[str, list[str]]:
    """The realistic Thai descriptions of the sample cases, by category."""
    by_category: dict[str, list[str]] = {}
    for row in sample_cases():
        by_category.setdefault(row["categoryCode"], []).append(row["description"])
    return by_category


def description(category: str, index: int = 0) -> str:
    """The `index`-th sample description of `category` (the first sample's when it has none)."""
    found = sample_descriptions().get(category)
    return found[index] if found else str(sample_cases()[0]["description"])


def national_id(first12: str) -> str:
    """`first12` and its check digit: a valid Thai national ID."""
    check = (11 - sum(int(d) * (13 - i) for i, d in enumerate(first12)) % 11) % 10
    return first12 + str(check)


# --- users -----------------------------------------------------------------------------------

# Users that do not exist in the demo organisation: made by the test that needs them
# (the clean-up deletes every row the seed did not write after each test).
EXTRA_USERS: dict[str, NewUser] = {
    "ops.bangkok": NewUser(username="ops.bangkok", password=DEMO_PASSWORD,
                           display_name="เจ้าหน้าที่สำนักงานแรงงานกรุงเทพมหานคร",
                           role=Role.COORDINATOR, area_code="10"),
    "dlpw.bangkok": NewUser(username="dlpw.bangkok", password=DEMO_PASSWORD,
                            display_name="เจ้าหน้าที่ สวัสดิการและคุ้มครองแรงงาน กรุงเทพมหานคร",
                            role=Role.OFFICER, org_unit_code="DLPW-10"),
    "sup.bangkok": NewUser(username="sup.bangkok", password=DEMO_PASSWORD,
                           display_name="ผู้กำกับดูแล กรุงเทพมหานคร", role=Role.SUPERVISOR,
                           area_code="10"),
    "vol.bangkok": NewUser(username="vol.bangkok", password=DEMO_PASSWORD,
                           display_name="อสร. พระบรมมหาราชวัง", role=Role.VOLUNTEER,
                           area_code="100101"),
    # a second officer of DLPW-43, a colleague to give referrals to
    "dlpw.colleague": NewUser(username="dlpw.colleague", password=DEMO_PASSWORD,
                              display_name="ปรีชา ขยันงาน (สวัสดิการและคุ้มครองแรงงานจังหวัดหนองคาย)",
                              role=Role.OFFICER, org_unit_code="DLPW-43"),
    # DSD-43 has no officer in the demo organisation
    "dsd.nongkhai": NewUser(username="dsd.nongkhai", password=DEMO_PASSWORD,
                            display_name="พัฒนาฝีมือแรงงานหนองคาย", role=Role.OFFICER,
                            org_unit_code="DSD-43"),
}


async def ensure_user(db: Database, username: str, now: datetime | None = None) -> None:
    """Create the extra user `username` unless it exists (created at `now`, default: now)."""
    async with UnitOfWork(db) as uow:
        if await users.by_username(uow.session, username) is None:
            await create_user(uow.session, EXTRA_USERS[username], now or datetime.now(UTC))


async def principal(db: Database, username: str) -> Principal:
    """The principal of an existing user, as a signed-in request would have it."""
    async with db.read_sessions() as session:
        user = await users.by_username(session, username)
    assert user is not None, username
    return Principal.of(user)


# --- cases over HTTP -------------------------------------------------------------------------

OPEN_CASE = """
mutation OpenCase($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on OpenCaseSuccess {
      case { id status version referrals { id status current orgUnit { code } } }
    }
    ... on UserError { code message messageTh }
    ... on ValidationError { field }
  }
}
"""


def case_input(category: str = "UNPAID_WAGES", subdistrict: str = "430101", *,
               text: str | None = None, client_id: str | None = None,
               **overrides: Any) -> dict[str, Any]:
    """A valid `OpenCaseInput`: a sample description and a citizen with a valid national ID.

    `text` replaces the description, `client_id` sets `clientId`; override any other
    top-level key by name.
    """
    value: dict[str, Any] = {
        "categoryCode": category,
        "subdistrictCode": subdistrict,
        "description": text if text is not None else description(category),
        "citizen": {"fullName": CITIZEN_NAME, "nationalId": NATIONAL_ID, "phone": PHONE,
                    "consent": True},
        # The same sample citizen files many cases here; the duplicate warning has its own tests.
        "fileAnyway": True,
    }
    if client_id is not None:
        value["clientId"] = client_id
    value.update(overrides)
    return value


async def file_case(client: httpx.AsyncClient, token: str, category: str = "UNPAID_WAGES",
                    subdistrict: str = "430101", **overrides: Any) -> dict[str, Any]:
    """File a case over HTTP and return it (`id`, `status`, `version`, `referrals`)."""
    body = await gql(client, OPEN_CASE, {"input": case_input(category, subdistrict, **overrides)},
                     token)
    assert "errors" not in body, body
    result = body["data"]["openCase"]
    assert result["__typename"] == "OpenCaseSuccess", result
    case: dict[str, Any] = result["case"]
    return case


async def act(client: httpx.AsyncClient, token: str, document: str,
              variables: dict[str, Any]) -> dict[str, Any]:
    """Run a mutation over HTTP that must succeed; its result object."""
    body = await gql(client, document, variables, token)
    assert "errors" not in body, body
    (result,) = body["data"].values()
    assert str(result["__typename"]).endswith("Success"), result
    return dict(result)


# --- cases through the domain services -------------------------------------------------------

# The command of each action on the referral state machine.
REFERRAL_COMMANDS: dict[ReferralAction, Any] = {
    action: command for command, (action, _, _) in referrals.ACTIONS.items()}


async def file_case_directly(db: Database, now: datetime, calendar: object = CAL, *,
                             category: str = "UNPAID_WAGES", client_id: uuid.UUID | None = None,
                             jobs: object = None) -> tuple[Case, Referral]:
    """File a case as vol.naimueang at `now`; returns the case and its referral."""
    volunteer = await principal(db, "vol.naimueang")
    command = OpenCase(client_id=client_id or uuid.uuid4(), category_code=category,
                       subdistrict_code="430101",
                       description="นายจ้างค้างจ่ายค่าจ้างสองเดือน",
                       citizen=CitizenDetails(full_name="สมชาย ทดสอบ",
                                              national_id=national_id("110170020345"),
                                              phone="0812345678", consent=True),
                       file_anyway=True)  # one sample citizen files many cases here
    async with UnitOfWork(db, jobs) as uow:  # type: ignore[arg-type]
        case = await filing.open_case(uow, volunteer, command, now, calendar,  # type: ignore[arg-type]
                                      Settings().vault)
    async with db.read_sessions() as session:
        referral = (await session.execute(
            select(Referral).where(Referral.case_id == case.id))).scalar_one()
    return case, referral


async def act_directly(db: Database, who: str | Principal, action: ReferralAction,
                       referral_id: uuid.UUID, now: datetime, calendar: object = CAL,
                       **change: object) -> Referral:
    """`who` (a username or a principal) takes `action` on the referral at `now`."""
    by = await principal(db, who) if isinstance(who, str) else who
    async with UnitOfWork(db) as uow:
        return await referrals.act_on_referral(
            uow, by, REFERRAL_COMMANDS[action](referral_id, **change), now,
            calendar)  # type: ignore[arg-type]


DSD_CATEGORIES = frozenset({"VOCATIONAL_TRAINING", "SKILL_STANDARD_TEST"})


@dataclass(frozen=True)
class Filed:
    case_id: uuid.UUID
    referral_ids: tuple[uuid.UUID, ...]


async def file_cases_directly(db: Database, count: int, *, accept_every: int = 3,
                              note_every: int = 4) -> list[Filed]:
    """File `count` cases through the domain service (much faster than HTTP), by both demo
    volunteers, over the categories of the Thai sample data (but DSD's); accept the referral
    of every `accept_every`-th case as its office would, and add a note to every
    `note_every`-th case (0: none)."""
    now = datetime.now(UTC)
    # DSD-43 has no officer in the demo organisation: leave its categories out, so that
    # every referral can be accepted
    samples = [s for s in sample_cases() if s["categoryCode"] not in DSD_CATEGORIES]
    volunteers = {"430101": await principal(db, "vol.naimueang"),
                  "430102": await principal(db, "vol.michai")}
    officers: dict[str, Principal] = {}
    for username in ("ops.nongkhai", "dlpw.nongkhai", "sso.nongkhai", "doe.nongkhai"):
        officer = await principal(db, username)
        assert officer.org_unit_code is not None
        officers[officer.org_unit_code] = officer
    case_ids: list[uuid.UUID] = []
    async with UnitOfWork(db) as uow:
        for i in range(count):
            sample = samples[i % len(samples)]
            area = "430101" if i % 2 == 0 else "430102"
            command = OpenCase(
                client_id=None, category_code=sample["categoryCode"], subdistrict_code=area,
                description=sample["description"],
                citizen=CitizenDetails(full_name=CITIZEN_NAME, national_id=NATIONAL_ID,
                                       phone=PHONE, consent=True),
                file_anyway=True,  # one sample citizen files many cases here
            )
            case = await filing.open_case(uow, volunteers[area], command, now, CAL,
                                          Settings().vault)
            case_ids.append(case.id)
    # read once they committed: a filing's rows are written as it commits (domain/commit_writes.py)
    async with db.read_sessions() as session:
        found = list(await repository.referrals_of(session, case_ids))
    offices = {r.id: r.org_unit_code for r in found}  # referral id → its office
    filed = [Filed(case_id, tuple(r.id for r in found if r.case_id == case_id)) for case_id in case_ids]
    # accepted once the filings committed: a filing's history is written as it commits
    # (domain/cases/changes.py `record_at_commit`), and the acceptance's entries come after it
    async with UnitOfWork(db) as uow:
        for i, f in enumerate(filed):
            if i % accept_every == 0:
                for referral_id in f.referral_ids:
                    await referrals.act_on_referral(uow, officers[offices[referral_id]],
                                                    AcceptReferral(referral_id), now, CAL)
    if note_every:
        async with UnitOfWork(db) as uow:
            for i, f in enumerate(filed):
                if i % note_every == 0:
                    area = "430101" if i % 2 == 0 else "430102"
                    await notes.add_note(uow, volunteers[area],
                                         AddNote(f.case_id, "แจ้งผู้ขอรับบริการแล้ว"), now)
    return filed


# --- jobs ------------------------------------------------------------------------------------

async def run_case_event_jobs(db: Database, now: datetime) -> int:
    """Run every `notifications.case_event` job the outbox holds, as a worker would (and
    again, as a redelivered task would); how many notifications the first pass made."""
    async with db.read_sessions() as session:
        jobs = (await session.execute(select(OutboxJob).where(OutboxJob.name == CASE_EVENT_JOB)
                                      .order_by(OutboxJob.id))).scalars().all()  # type: ignore[arg-type]
    offset = (now - datetime.now(now.tzinfo)).total_seconds()
    rt = handlers.Runtime(settings=Settings(database_url=db.url, clock_offset_seconds=offset), db=db)
    made = 0
    for job in jobs:
        if job.done_at is None:
            made += await handlers.run_job(rt, job.name, job.ids, job.id)
    for job in jobs:  # a rerun of each (another worker, a redelivery) tells nobody twice
        assert await handlers.run_job(rt, job.name, job.ids) == 0
    return made


# --- the rollups -----------------------------------------------------------------------------

async def a_referral_waiting_over_a_holiday(db: Database, first12: str,
                                            now: datetime) -> tuple[uuid.UUID, BusinessCalendar]:
    """The rollups built 20 days before `now`; a case filed on Friday 2026-11-06 at 10:00 in
    Bangkok (this process then knows the calendar the bins are kept for); an admin adds a
    holiday on the Tuesday after, and the workers rebuild the bins with the new calendar.
    Returns the Nong Khai labour office's referral, still waiting, and the new calendar."""
    key = await stats_service.ensure_calendar(db, CAL)
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, key, now - timedelta(days=20))
    filed_at = datetime(2026, 11, 6, 3, 0, tzinfo=UTC)
    command = OpenCase(client_id=None, category_code="UNPAID_WAGES", subdistrict_code="430101",
                       description="รอรับเรื่องข้ามวันหยุด", file_anyway=True,
                       citizen=CitizenDetails(full_name="สมหมาย ข้ามวันหยุด", national_id=national_id(first12),
                                              phone="0812345678", consent=True))
    async with UnitOfWork(db) as uow:
        case = await filing.open_case(uow, await principal(db, "vol.naimueang"), command, filed_at, CAL,
                                      Settings().vault)
    async with UnitOfWork(db) as uow:
        calendar, _ = await calendar_service.add_holiday(uow, await principal(db, "admin"), date(2026, 11, 10),
                                                         "วันหยุดพิเศษ", filed_at + timedelta(hours=1))
    assert await maintenance.refresh_durations(db, calendar, now) is not None
    async with db.read_sessions() as session:
        leg = (await session.execute(select(Referral.id).where(
            Referral.case_id == case.id, Referral.org_unit_code == "DLPW-43"))).scalar_one()
    return leg, calendar
