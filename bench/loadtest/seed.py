"""The people of a load run and the referrals whose deadlines come due during it.

Volunteers sit in sub-districts of a few provinces; officers in those provinces' DLPW, SSO,
DOE and DSD offices, so that the routing of SPEC.md §3 sends them what the volunteers file
(problem types that go to the Provincial Labour Office, `OTHER`, are not filed: that office
is the coordinators' triage desk). The escalation probes are cases in Nong Khai, where no
simulated officer works, so they stay PENDING and their ladder runs undisturbed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from domain.areas.models import Area, AreaLevel
from domain.calendar.service import load_calendar
from domain.cases.models import Referral
from domain.db import Database
from domain.cases import deadlines as rules
from domain.cases.clocks import running
from domain.uow import UnitOfWork
from domain.users.models import Role, User
from domain.users.service import NewUser, create_user

SAMPLE_CASES = Path(__file__).resolve().parents[3] / "shared" / "data" / "sample_cases.jsonl"
PROVINCES = ("50", "40", "90", "30")  # Chiang Mai, Khon Kaen, Songkhla, Nakhon Ratchasima
AGENCIES = ("DLPW", "SSO", "DOE", "DSD")
PASSWORD = "load-test-password"
# Given and family names of the demo organisation (domain/demo.py), combined for citizens.
GIVEN = ("สมศรี", "บุญมี", "ประเสริฐ", "วิไลวรรณ", "ธนพล", "กาญจนา", "อนุชา", "สุรชัย", "นภาพร")
FAMILY = ("ใจดี", "ศรีสุข", "มั่นคง", "ทองดี", "แก้วมณี", "พรหมมา", "สุขเจริญ", "วงศ์ใหญ่", "รัตนกุล")
PROBE_AREA = "430101"  # vol.naimueang's sub-district, Nong Khai
PROBE_VOLUNTEER = "vol.naimueang"
LEGAL_PROBE_CATEGORY = "UNPAID_WAGES"  # DLPW-43: a legal clock (calendar time)
ACCEPT_PROBE_CATEGORY = "WORK_INJURY"  # SSO-43: only the acceptance clock (office time)


@dataclass(frozen=True)
class LoadUser:
    username: str
    role: Role
    area_code: str | None = None
    org_unit_code: str | None = None


def descriptions() -> dict[str, list[str]]:
    """The realistic Thai descriptions of the shared sample file, by problem type, as they are."""
    by_category: dict[str, list[str]] = {}
    for line in SAMPLE_CASES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_category.setdefault(row["categoryCode"], []).append(row["description"])
    return by_category


async def subdistricts(db: Database, province: str, count: int) -> list[str]:
    async with db.read_sessions() as session:
        stmt = (select(Area.code).where(Area.level == AreaLevel.SUBDISTRICT,
                                        Area.code.startswith(province))  # type: ignore[attr-defined]
                .order_by(Area.code).limit(count))
        return list((await session.execute(stmt)).scalars())


async def create_load_users(db: Database, volunteers: int, officers: int) -> list[LoadUser]:
    """Volunteers spread over the provinces' first sub-districts; officers round-robin over
    the provinces' DLPW/SSO/DOE/DSD offices, the first officer of each office its head."""
    per_province = -(-volunteers // len(PROVINCES))
    areas = {p: await subdistricts(db, p, per_province) for p in PROVINCES}
    users = [LoadUser(f"load.vol.{i:03d}", Role.VOLUNTEER,
                      area_code=areas[PROVINCES[i % len(PROVINCES)]][i // len(PROVINCES)])
             for i in range(volunteers)]
    units = [f"{a}-{p}" for p in PROVINCES for a in AGENCIES]
    users += [LoadUser(f"load.off.{i:02d}", Role.OFFICER, org_unit_code=units[i % len(units)])
              for i in range(officers)]
    now = datetime.now(UTC)
    heads: set[str] = set()
    async with UnitOfWork(db) as uow:
        for u in users:
            row: User = await create_user(uow.session, NewUser(
                username=u.username, password=PASSWORD, display_name=f"Load test {u.username}",
                role=u.role, area_code=u.area_code, org_unit_code=u.org_unit_code), now)
            if u.org_unit_code and u.org_unit_code not in heads:
                heads.add(u.org_unit_code)
                row.is_unit_head = True
    return users


@dataclass(frozen=True)
class Armed:
    referral_id: uuid.UUID
    kind: rules.DeadlineKind
    due: datetime


async def arm_probes(db: Database, case_ids: list[uuid.UUID], start: datetime,
                     duration: float) -> list[Armed]:
    """Move the deadlines of the probe referrals so that their whole ladder (warning, levels
    1–3) comes due between 5 % and 85 % of the run: deadline at 25–65 %, allowance 20 % of
    the run. Half run on the legal clock (calendar time), half on the acceptance clock
    (office time: outside office hours every level of it falls at once)."""
    span = timedelta(seconds=duration * 0.2)
    armed: list[Armed] = []
    async with db.read_sessions() as session:
        calendar = await load_calendar(session)
    async with UnitOfWork(db) as uow:
        stmt = (select(Referral).where(Referral.case_id.in_(case_ids))  # type: ignore[attr-defined]
                .order_by(Referral.case_id).with_for_update())
        referrals = list((await uow.session.execute(stmt)).scalars())
        for i, referral in enumerate(referrals):
            due = start + timedelta(seconds=duration * (0.25 + 0.40 * i / max(len(referrals) - 1, 1)))
            if referral.legal_due_at is not None:
                referral.legal_from, referral.legal_due_at = due - span, due
                kind = rules.DeadlineKind.LEGAL
            else:
                referral.created_at, referral.accept_due_at = due - span, due
                referral.next_due_at = due
                kind = rules.DeadlineKind.ACCEPT
            referral.next_escalation_at = rules.next_escalation_at(running(referral), {}, calendar)
            armed.append(Armed(referral.id, kind, due))
    return armed
