"""Helpers for the access, bad-input and query-count tests: users, cases in a given state,
snapshots that show whether anything changed.

Everything goes over HTTP as a client would, except creating extra users (no mutation for
that yet) and bulk filing (see `file_cases_directly`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from domain.calendar import government_calendar
from domain.cases import repository, service
from domain.settings import Settings
from domain.cases.commands import CaseChange, CitizenDetails, OpenCase, ReferralChange
from domain.cases.models import Case as CaseRow
from domain.cases.models import CaseEvent as CaseEventRow
from domain.cases.models import Referral as ReferralRow
from domain.cases.state import ReferralAction
from domain.db import Database
from domain.demo import DEMO_PASSWORD
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.models import Role
from domain.users.principal import Principal
from domain.users.service import NewUser, create_user
from tests.helpers import gql, login

NATIONAL_ID = "1101700207366"
NATIONAL_ID_WHOLE = "1-1017-00207-36-6"
NATIONAL_ID_MASKED = "x-xxxx-xxxxx-36-6"
PHONE = "081-234-5678"
CITIZEN_NAME = "สมชาย ใจดี"
SAMPLE_CASES = Path(__file__).resolve().parents[3] / "shared" / "data" / "sample_cases.jsonl"

FILER = "vol.naimueang"  # files every case in these tests, in sub-district 430101

# Users that do not exist in the demo organisation: made by the test that needs them
# (the fixtures delete every non-demo user after each test).
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
}


def sample_descriptions() -> list[dict[str, Any]]:
    """The Thai sample cases of the shared data set, as they are."""
    with SAMPLE_CASES.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def description_for(category_code: str) -> str:
    for sample in sample_descriptions():
        if sample["categoryCode"] == category_code:
            return str(sample["description"])
    return str(sample_descriptions()[0]["description"])


class Tokens:
    """Bearer tokens by username, signing in once per user per test database.

    Tokens stay valid across tests (same secret, demo users are kept), and argon2 makes
    every sign-in cost tens of milliseconds; extra users are made and signed in afresh.
    """

    _cache: dict[tuple[str, str], str] = {}

    def __init__(self, client: httpx.AsyncClient, db: Database) -> None:
        self.client, self.db = client, db

    async def __call__(self, username: str) -> str:
        if username in EXTRA_USERS:
            await ensure_user(self.db, username)
            return await login(self.client, username)
        key = (self.db.url, username)
        if key not in self._cache:
            self._cache[key] = await login(self.client, username)
        return self._cache[key]


async def ensure_user(db: Database, username: str) -> None:
    async with UnitOfWork(db) as uow:
        if await users.by_username(uow.session, username) is None:
            await create_user(uow.session, EXTRA_USERS[username], datetime.now(UTC))


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


def case_input(category_code: str = "UNPAID_WAGES", subdistrict_code: str = "430101",
               **overrides: Any) -> dict[str, Any]:
    """A valid `OpenCaseInput`; override any top-level key."""
    value: dict[str, Any] = {
        "categoryCode": category_code,
        "subdistrictCode": subdistrict_code,
        "description": description_for(category_code),
        "citizen": {"fullName": CITIZEN_NAME, "nationalId": NATIONAL_ID, "phone": PHONE,
                    "consent": True},
        "fileAnyway": True,  # one sample citizen files many cases here
    }
    value.update(overrides)
    return value


async def file_case(client: httpx.AsyncClient, token: str, category_code: str = "UNPAID_WAGES",
                    subdistrict_code: str = "430101", **overrides: Any) -> dict[str, Any]:
    """File a case over HTTP and return it (`id`, `status`, `version`, `referrals`)."""
    body = await gql(client, OPEN_CASE, {"input": case_input(category_code, subdistrict_code,
                                                             **overrides)}, token)
    assert "errors" not in body, body
    result = body["data"]["openCase"]
    assert result["__typename"] == "OpenCaseSuccess", result
    case: dict[str, Any] = result["case"]
    return case


async def act(client: httpx.AsyncClient, token: str, document: str,
              variables: dict[str, Any]) -> dict[str, Any]:
    """Run a mutation that must succeed; its result object."""
    body = await gql(client, document, variables, token)
    assert "errors" not in body, body
    (result,) = body["data"].values()
    assert str(result["__typename"]).endswith("Success"), result
    return dict(result)


CASE_SNAPSHOT = """
query Snapshot($id: ID!) {
  case(id: $id) {
    status version satisfaction closedAt
    events { id type }
    referrals { id status version current reason orgUnit { code } }
  }
}
"""


async def snapshot(client: httpx.AsyncClient, admin_token: str, case_id: str) -> dict[str, Any]:
    """Everything a change would touch, read by the admin (who sees every case whole)."""
    body = await gql(client, CASE_SNAPSHOT, {"id": case_id}, admin_token)
    assert "errors" not in body, body
    case: dict[str, Any] | None = body["data"]["case"]
    assert case is not None, f"the admin cannot see case {case_id}"
    return case


async def row_counts(db: Database) -> tuple[int, int, int]:
    """(cases, referrals, events) in the database."""
    async with db.read_sessions() as session:
        counts = []
        for model in (CaseRow, ReferralRow, CaseEventRow):
            stmt = select(func.count()).select_from(model)
            counts.append(int((await session.execute(stmt)).scalar_one()))
    return counts[0], counts[1], counts[2]


DSD_CATEGORIES = frozenset({"VOCATIONAL_TRAINING", "SKILL_STANDARD_TEST"})


@dataclass(frozen=True)
class Filed:
    case_id: uuid.UUID
    referral_ids: tuple[uuid.UUID, ...]


async def _principal(db: Database, username: str) -> Principal:
    async with db.read_sessions() as session:
        user = await users.by_username(session, username)
    assert user is not None, username
    return Principal.of(user)


async def file_cases_directly(db: Database, count: int, *, accept_every: int = 3,
                              note_every: int = 4) -> list[Filed]:
    """File `count` cases through the domain service (much faster than HTTP), by both demo
    volunteers, over the categories of the Thai sample data (but DSD's); accept the referral
    of every `accept_every`-th case as its office would, and add a note to every
    `note_every`-th case (0: none)."""
    now = datetime.now(UTC)
    calendar = government_calendar()
    # DSD-43 has no officer in the demo organisation: leave its categories out, so that
    # every referral can be accepted
    samples = [s for s in sample_descriptions() if s["categoryCode"] not in DSD_CATEGORIES]
    volunteers = {"430101": await _principal(db, "vol.naimueang"),
                  "430102": await _principal(db, "vol.michai")}
    officers: dict[str, Principal] = {}
    for username in ("ops.nongkhai", "dlpw.nongkhai", "sso.nongkhai", "doe.nongkhai"):
        principal = await _principal(db, username)
        assert principal.org_unit_code is not None
        officers[principal.org_unit_code] = principal
    filed: list[Filed] = []
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
            case = await service.open_case(uow, volunteers[area], command, now, calendar,
                                           Settings().vault)
            await uow.flush()
            referrals = list(await _referrals(uow, case.id))
            if i % accept_every == 0:
                for referral in referrals:
                    await service.act_on_referral(uow, officers[referral.org_unit_code],
                                                  ReferralAction.ACCEPT,
                                                  ReferralChange(referral.id), now, calendar)
            filed.append(Filed(case.id, tuple(r.id for r in referrals)))
    if note_every:
        async with UnitOfWork(db) as uow:
            for i, f in enumerate(filed):
                if i % note_every == 0:
                    area = "430101" if i % 2 == 0 else "430102"
                    await service.add_note(uow, volunteers[area],
                                           CaseChange(f.case_id, text="แจ้งผู้ขอรับบริการแล้ว"), now)
    return filed


async def _referrals(uow: UnitOfWork, case_id: uuid.UUID) -> list[ReferralRow]:
    return list(await repository.referrals_of(uow.session, [case_id]))
