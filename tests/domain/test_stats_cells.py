"""The dashboards' case cells (issue 15, domain/stats/cells.py) against the live path.

A random history is made through the domain services, as people make it: filings in two
provinces over seven months, accepts, holds, completions with baht recovered, rejections,
redirects, closings with satisfaction, reopenings, escalations and an anonymisation. Then
(1) the cells kept by the flush hook are exactly the cells `rebuild` makes from the cases,
and (2) for every question the cells can say, their answer equals the live SQL's.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import combinations

from sqlalchemy import select

from domain.cases import closing, filing, referrals
from domain.cases.commands import (AcceptReferral, CaseFilter, CitizenDetails, CloseCase, CompleteReferral,
                                   HoldReferral, OpenCase, RecordSatisfaction, RedirectReferral,
                                   RejectReferral, ReopenCase)
from domain.cases.models import Case, Referral, ReferralOutcome
from domain.cases.state import CaseStatus, ReferralStatus
from domain.db import Database
from domain.escalations import service as escalations
from domain.privacy import pdpa
from domain.settings import Settings
from domain.stats import cells
from domain.stats.models import StatsCaseCell
from domain.stats.repository import case_group_figures
from domain.stats.rules import CaseDimension
from domain.uow import UnitOfWork
from domain.users.principal import Principal
from tests.factories import CAL, NATIONAL_ID, ensure_user, national_id, principal

NOW = datetime(2026, 11, 20, 7, 15, tzinfo=UTC)  # 14:15 in Bangkok
CATEGORIES = ("UNPAID_WAGES", "UNFAIR_DISMISSAL", "SOCIAL_SECURITY_BENEFITS", "JOB_SEEKING")
D = CaseDimension


async def _history(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    await ensure_user(db, "vol.bangkok")
    await ensure_user(db, "dlpw.bangkok")
    volunteers = [(await principal(db, u), area) for u, area in
                  (("vol.naimueang", "430101"), ("vol.michai", "430102"), ("vol.bangkok", None))]
    staff: dict[str, Principal] = {}
    for username in ("ops.nongkhai", "dlpw.nongkhai", "sso.nongkhai", "doe.nongkhai", "dlpw.bangkok"):
        who = await principal(db, username)
        staff[who.org_unit_code or ""] = who
    vault = Settings().vault
    filed: list[uuid.UUID] = []
    for i in range(70):
        volunteer, area = rng.choice(volunteers)
        at = NOW - timedelta(days=rng.uniform(0, 210))
        at = at.replace(hour=rng.randrange(0, 24), minute=rng.randrange(60))
        at = min(at, NOW - timedelta(minutes=5))
        command = OpenCase(client_id=None, category_code=rng.choice(CATEGORIES),
                           subdistrict_code=area or volunteer.area_code or "", description=f"เรื่องที่ {i}",
                           citizen=CitizenDetails(full_name="สมชาย ทดสอบ",
                                                  national_id=NATIONAL_ID if i % 9 == 0 else national_id(f"1101700{i:05d}"),
                                                  phone="0812345678", consent=True),
                           file_anyway=True)
        async with UnitOfWork(db) as uow:
            case = await filing.open_case(uow, volunteer, command, at, CAL, vault)
        filed.append(case.id)
        later = at + timedelta(hours=rng.uniform(1, 400))
        later = min(later, NOW - timedelta(minutes=1))
        for _ in range(rng.randrange(0, 4)):
            await _act(db, rng, case.id, staff, volunteer, later)
            later = min(later + timedelta(hours=rng.uniform(1, 100)), NOW - timedelta(seconds=30))
    async with UnitOfWork(db) as uow:  # the escalation sweep catches up to now
        for referral_id in await _open_referrals(db):
            await escalations.escalate_if_overdue(uow, referral_id, NOW, CAL)
    admin = await principal(db, "admin")
    async with UnitOfWork(db) as uow:
        await pdpa.anonymise_citizen(uow, admin, vault, NATIONAL_ID, "ขอให้ลบข้อมูล", NOW)


async def _open_referrals(db: Database) -> list[uuid.UUID]:
    async with db.read_sessions() as session:
        rows = await session.execute(select(Referral.id).where(Referral.status.in_(  # type: ignore[attr-defined]
            [ReferralStatus.PENDING, ReferralStatus.ACCEPTED, ReferralStatus.ON_HOLD])))
        return list(rows.scalars())


async def _act(db: Database, rng: random.Random, case_id: uuid.UUID, staff: dict[str, Principal],
               volunteer: Principal, at: datetime) -> None:
    async with db.read_sessions() as session:
        case = await session.get(Case, case_id)
        legs = (await session.execute(select(Referral).where(
            Referral.case_id == case_id, Referral.is_current))).scalars().all()  # type: ignore[arg-type]
    assert case is not None
    try:
        async with UnitOfWork(db) as uow:
            if case.status == CaseStatus.RESOLVED:
                if rng.random() < 0.3:
                    await closing.reopen_case(uow, volunteer, ReopenCase(case_id, "ยังไม่ได้รับเงิน"), at, CAL)
                else:
                    await closing.record_satisfaction(uow, volunteer, RecordSatisfaction(case_id, rng.randint(1, 5)), at)
                    await closing.close_case(uow, volunteer, CloseCase(case_id), at)
                return
            leg = rng.choice(legs) if legs else None
            if leg is None or leg.org_unit_code not in staff:
                return
            officer = staff[leg.org_unit_code]
            if leg.status == ReferralStatus.PENDING:
                roll = rng.random()
                if roll < 0.7:
                    command: object = AcceptReferral(leg.id)
                elif roll < 0.85 and leg.org_unit_code != "DLPW-43":
                    command = RedirectReferral(leg.id, "DLPW-43", "ส่งให้สำนักงานที่รับผิดชอบ")
                else:
                    command = RejectReferral(leg.id, "ไม่อยู่ในอำนาจหน้าที่")
            elif leg.status == ReferralStatus.ACCEPTED:
                command = (HoldReferral(leg.id, "รอเอกสาร") if rng.random() < 0.2 else CompleteReferral(
                    leg.id, ReferralOutcome.RESOLVED, amount_recovered_thb=Decimal(rng.randrange(0, 5_000_000)) / 100))
            else:
                return
            await referrals.act_on_referral(uow, officer, command, at, CAL)  # type: ignore[arg-type]
    except Exception as error:  # a move the state machine refuses is part of a random history
        assert type(error).__name__ in ("IllegalTransition", "AccessDenied", "ValidationFailed"), error


async def _cells(db: Database) -> dict[tuple[object, ...], tuple[int, ...]]:
    async with db.read_sessions() as session:
        rows = (await session.execute(select(StatsCaseCell))).scalars().all()
    return {(r.grain, r.area_code, r.category_code, r.status, r.escalation_level, r.fiscal_year, r.month, r.day):
            (r.case_count, r.recovered_satang, r.satisfaction_count, r.satisfaction_sum)
            for r in rows if r.case_count}


QUESTIONS: list[tuple[tuple[CaseDimension, ...], CaseFilter]] = [
    ((), CaseFilter()),
    *[((dim,), CaseFilter()) for dim in cells.EXPRESSIBLE],
    *[(pair, CaseFilter()) for pair in combinations(sorted(cells.EXPRESSIBLE), 2)],
    ((D.DISTRICT, D.CATEGORY), CaseFilter(area_code="43")),
    ((D.SUBDISTRICT, D.STATUS), CaseFilter(area_code="4301", statuses=(CaseStatus.ROUTED, CaseStatus.IN_PROGRESS))),
    ((D.MONTH,), CaseFilter(category_codes=("UNPAID_WAGES", "JOB_SEEKING"))),
    ((D.PROVINCE, D.ESCALATION_LEVEL), CaseFilter(statuses=(CaseStatus.NEW, CaseStatus.ROUTED))),
]
PERIODS = [(None, None), (datetime(2026, 8, 31, 17, tzinfo=UTC), None),  # from 1 Sep (Bangkok)
           (datetime(2026, 5, 31, 17, tzinfo=UTC), datetime(2026, 9, 30, 17, tzinfo=UTC))]


async def test_cells_kept_in_each_change_equal_a_rebuild_and_answer_as_the_live_sql(db: Database) -> None:
    await _history(db, seed=15)
    kept = await _cells(db)
    provinces = {k[1] for k in kept if k[0] == "P"}
    statuses = {k[3] for k in kept}
    assert provinces == {"10", "43"} and statuses >= {"ROUTED", "IN_PROGRESS", "RESOLVED", "CLOSED"}
    assert any(k[4] > 0 for k in kept) and len({k[6] for k in kept}) >= 6  # escalated; months
    assert sum(v[1] for v in kept.values()) > 0 and sum(v[2] for v in kept.values()) > 0  # baht; ratings
    async with UnitOfWork(db) as uow:
        await cells.rebuild(uow.session)
    assert await _cells(db) == kept

    asked = 0
    for username in ("admin", "ops.nongkhai"):  # the whole country; one province's coordinator
        reader = await principal(db, username)
        for dims, f in QUESTIONS:
            for period in PERIODS:
                async with db.read_sessions() as session:  # "now" moves in the next test
                    from_cells = await cells.case_figures(session, reader, f, dims, NOW, period)
                    live = await case_group_figures(session, reader, f, dims, NOW, period)
                assert from_cells is not None, (dims, f, period)
                assert from_cells == live, (username, dims, f, period)
                asked += 1
    assert asked > 150


async def test_questions_the_cells_cannot_say_go_to_the_live_path(db: Database) -> None:
    mentor, admin = await principal(db, "mentor.nongkhai"), await principal(db, "admin")
    async with db.read_sessions() as session:
        assert await cells.case_figures(session, mentor, CaseFilter(), (), NOW, (None, None)) is None
        for f in (CaseFilter(text="ค่าจ้าง"), CaseFilter(org_unit_code="DLPW-43"), CaseFilter(filed_by_me=True)):
            assert await cells.case_figures(session, admin, f, (), NOW, (None, None)) is None
        assert await cells.case_figures(session, admin, CaseFilter(), (D.ORG_UNIT,), NOW, (None, None)) is None
        mid_month = (datetime(2026, 9, 14, 17, tzinfo=UTC), None)
        assert await cells.case_figures(session, admin, CaseFilter(), (), NOW, mid_month) is None
        assert await cells.case_figures(session, admin, CaseFilter(), (), NOW, PERIODS[1]) == {}


async def test_open_cases_by_age_are_exact_around_every_boundary(db: Database) -> None:
    await _history(db, seed=43)
    async with db.read_sessions() as session:
        received = (await session.execute(select(Case.received_at).where(Case.status.in_(  # type: ignore[attr-defined]
            [CaseStatus.NEW, CaseStatus.ROUTED, CaseStatus.IN_PROGRESS])).order_by(Case.received_at))).scalars().all()
    assert len(received) >= 10
    admin = await principal(db, "admin")
    checked = 0
    for at in received[::max(1, len(received) // 6)]:
        for upper in (7, 30, 60):  # the age buckets' upper bounds, in whole days
            for shift in (timedelta(days=-1), timedelta(hours=-3), timedelta(0), timedelta(hours=3), timedelta(days=1)):
                now = at + timedelta(days=upper + 1) + shift  # the case sits on (or near) a boundary
                for dims in ((), (D.DISTRICT, D.MONTH)):
                    async with db.read_sessions() as session:
                        from_cells = await cells.case_figures(session, admin, CaseFilter(), dims, now, (None, None))
                        live = await case_group_figures(session, admin, CaseFilter(), dims, now, (None, None))
                    assert from_cells == live, (at, upper, shift, dims)
                    checked += 1
    assert checked >= 100
