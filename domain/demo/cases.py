"""Demo cases worth opening (issue 12): realistic cases filed by the demo volunteers through
the domain services, dated over the past months, with referrals in every state.

Each sample (`../shared/data/sample_cases.jsonl`: a problem type, a Thai description, an amount
claimed) is filed by one of the demo volunteers at a past instant, routed as the rules say,
and then taken a step or more along by its office's demo officer, an hour or more apart:
some left pending (the older ones overdue: the escalation sweep fires their ladder when the
workers start), some accepted, on hold for the citizen, completed with an outcome and the baht
recovered (some then rated and closed by the volunteer), declined back to triage, or
redirected. The same seed files the same cases; a database that already holds cases of the
demo volunteers gets none.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.calendar.service import load_calendar
from domain.cases import closing, filing, referrals, repository
from domain.cases.commands import (AcceptReferral, CitizenDetails, CloseCase, CompleteReferral,
                                   HoldReferral, OpenCase, RecordSatisfaction, RedirectReferral,
                                   RejectReferral, ResumeReferral)
from domain.cases.identifiers import national_id_check_digit
from domain.cases.models import Case, Referral, ReferralOutcome
from domain.db import Database
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.principal import Principal
from domain.vault import Vault

VOLUNTEERS = {"vol.naimueang": "430101", "vol.michai": "430102"}
# The demo officer of each office that has one (DSD-43 has none: its referrals stay pending).
WORKERS = {"DLPW-43": "dlpw.nongkhai", "SSO-43": "sso.nongkhai", "DOE-43": "doe.nongkhai"}
REDIRECT_TO = {"DLPW-43": "SSO-43", "SSO-43": "DLPW-43", "DOE-43": "DLPW-43"}
# Where a case ends up, and how often.
FATES = (("pending", 3), ("accepted", 3), ("on_hold", 2), ("completed", 4), ("closed", 3),
         ("declined", 1), ("redirected", 1))
GIVEN = ("สมชาย", "สมหญิง", "บุญเรือน", "ประยูร", "มาลัย", "สุนทร", "จันทร์เพ็ญ", "วีระ", "อำพร", "ทองใบ")
FAMILY = ("ศรีสุข", "ใจดี", "พรมมา", "แก้วกันหา", "บุญมา", "สีหาวงศ์", "ทองคำ", "จันทร์แก้ว")
HOLD_REASON = "รอผู้ขอรับบริการส่งสำเนาสลิปเงินเดือนและสัญญาจ้าง"
DECLINE_REASON = "ไม่อยู่ในอำนาจหน้าที่ของหน่วยงาน"
REDIRECT_REASON = "เรื่องนี้เป็นสิทธิประโยชน์ของหน่วยงานอื่น ส่งต่อให้ดำเนินการ"
STEP = timedelta(hours=3)


@dataclass(frozen=True)
class Sample:
    category_code: str
    description: str
    amount_claimed_thb: int | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Sample:
        return cls(row["categoryCode"], row["description"], row.get("amountClaimedThb"))


def _national_id(rng: random.Random) -> str:
    first12 = str(rng.randint(1, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return first12 + str(national_id_check_digit(first12))


async def _principal(db: Database, username: str) -> Principal:
    async with db.read_sessions() as session:
        user = await users.by_username(session, username)
    if user is None:
        raise LookupError(f"the demo user {username} is missing: run seed-demo first")
    return Principal.of(user)


async def seed_demo_cases(db: Database, samples: Sequence[Sample], count: int, now: datetime,
                          vault: Vault, seed: int = 43) -> int:
    """File `count` demo cases (see the module); how many were filed (0 when the demo
    volunteers already have cases, or nothing to file)."""
    if count <= 0 or not samples:
        return 0
    filers = {name: await _principal(db, name) for name in VOLUNTEERS}
    async with db.read_sessions() as session:
        calendar = await load_calendar(session)
        if await repository.count_filed_by(session, [p.user_id for p in filers.values()]):
            return 0
    workers = {unit: await _principal(db, name) for unit, name in WORKERS.items()}
    rng = random.Random(seed)
    # Oldest first, so references follow the dates they were filed on.
    ages = sorted((timedelta(days=rng.uniform(0.2, 150)) for _ in range(count)), reverse=True)
    fates = [fate for fate, weight in FATES for _ in range(weight)]
    for i, age in enumerate(ages):
        sample = samples[rng.randrange(len(samples))]
        username = rng.choice(sorted(VOLUNTEERS))
        filed_at = now - age
        command = OpenCase(
            client_id=uuid.UUID(int=rng.getrandbits(128), version=4), category_code=sample.category_code,
            subdistrict_code=VOLUNTEERS[username], description=sample.description,
            citizen=CitizenDetails(full_name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                                   national_id=_national_id(rng),
                                   phone=f"08{rng.randint(10_000_000, 99_999_999)}", consent=True),
            captured_at=filed_at, file_anyway=True,
            amount_claimed_thb=(Decimal(sample.amount_claimed_thb)
                                if sample.amount_claimed_thb is not None else None))
        async with UnitOfWork(db) as uow:
            case = await filing.open_case(uow, filers[username], command, filed_at, calendar, vault)
        fate = rng.choice(fates)
        await _take_along(db, case, fate, sample, filed_at, now, workers, filers[username], rng,
                          calendar)
    return count


async def _take_along(db: Database, case: Case, fate: str, sample: Sample, filed_at: datetime,
                      now: datetime, workers: dict[str, Principal], filer: Principal,
                      rng: random.Random, calendar: Any) -> None:
    """Take the case's first referral as far as `fate` says, a step at a time, never past `now`."""
    async with db.read_sessions() as session:
        current = [r for r in await repository.referrals_of(session, [case.id]) if r.is_current]
    if len(current) != 1 or fate == "pending":
        return
    (referral,) = current
    worker = workers.get(referral.org_unit_code)
    at = filed_at
    steps = _steps(fate, referral, sample, rng)
    for actor, command in steps:
        at += STEP * rng.uniform(1, 8)
        if at >= now or worker is None:
            return
        who = filer if actor == "filer" else worker
        async with UnitOfWork(db) as uow:
            if isinstance(command, (CloseCase, RecordSatisfaction)):
                if isinstance(command, CloseCase):
                    await closing.close_case(uow, who, command, at)
                else:
                    await closing.record_satisfaction(uow, who, command, at)
            else:
                await referrals.act_on_referral(uow, who, command, at, calendar)


def _steps(fate: str, referral: Referral, sample: Sample, rng: random.Random) -> list[tuple[str, Any]]:
    rid, case_id = referral.id, referral.case_id
    if fate == "declined":
        return [("worker", RejectReferral(rid, DECLINE_REASON))]
    if fate == "redirected":
        return [("worker", RedirectReferral(rid, REDIRECT_TO.get(referral.org_unit_code, "DLPW-43"),
                                            REDIRECT_REASON))]
    steps: list[tuple[str, Any]] = [("worker", AcceptReferral(rid))]
    if fate == "accepted":
        return steps
    steps.append(("worker", HoldReferral(rid, HOLD_REASON)))
    if fate == "on_hold":
        return steps
    steps.append(("worker", ResumeReferral(rid)))
    outcome = rng.choice([ReferralOutcome.RESOLVED] * 3 + [ReferralOutcome.PARTIALLY_RESOLVED])
    amount = (Decimal(sample.amount_claimed_thb) * Decimal(rng.choice([1, 1, Decimal("0.6")]))
              if sample.amount_claimed_thb else None)
    steps.append(("worker", CompleteReferral(rid, outcome, "ดำเนินการตามคำร้องเรียบร้อย", amount)))
    if fate == "closed":
        steps.append(("filer", RecordSatisfaction(case_id, rng.randint(3, 5))))
        steps.append(("filer", CloseCase(case_id)))
    return steps
