"""The dashboards' rollups (issue 15, domain/stats/rollups.py) against the live path.

A random history is made through the domain services, as people make it: filings in two
provinces over seven months (and a few in the last day, their deadlines still ahead), accepts,
holds, completions with baht recovered, rejections, redirects, closings with satisfaction,
reopenings, escalations, a holiday added by an admin (deadlines move), an anonymisation, and
the workers moving the deadlines mark back and forth. Then (1) the cells the flush hook kept are exactly the
cells `rebuild` makes from the case tables, and (2) every question the cells can say gets the
live SQL's answer: counts, baht and shares exactly, percentiles within 0.01 business days.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import combinations
from typing import Any

import pytest
from sqlalchemy import func, select, update

from domain.calendar import service as calendar_service
from domain.cases import closing, filing, referrals
from domain.cases.commands import (AcceptReferral, CaseFilter, CitizenDetails, CloseCase, CompleteReferral,
                                   HoldReferral, OpenCase, RecordSatisfaction, RedirectReferral,
                                   RejectReferral, ReopenCase)
from domain.cases.models import Case, Referral, ReferralOutcome
from domain.cases.state import CaseStatus, ReferralStatus
from domain.clock.business import BusinessCalendar
from domain.db import Database
from domain.escalations import service as escalations
from domain.privacy import pdpa
from domain.settings import Settings
from domain.stats import maintenance, network_repository, rebuild, rollups, rules, service, volunteer_rollups
from domain.stats.cell_models import (StatsCaseCell, StatsCoverage, StatsDurationBin, StatsLastActivity,
                                      StatsOpenDay, StatsOpenReferral, StatsReferralCell, StatsVolunteerCell)
from domain.stats.durations import BOUND_SECONDS
from domain.stats.rules import ALL_FIGURES, CaseDimension, Figure
from domain.uow import UnitOfWork
from domain.users.models import User
from domain.users.principal import Principal
from tests.factories import (CAL, NATIONAL_ID, a_referral_waiting_over_a_holiday, ensure_user, file_cases_directly,
                             national_id, principal)

NOW = datetime(2026, 11, 20, 7, 15, tzinfo=UTC)  # 14:15 in Bangkok
HOLIDAY = date(2026, 11, 10)  # a Tuesday: an added holiday moves open deadlines
CATEGORIES = ("UNPAID_WAGES", "UNFAIR_DISMISSAL", "SOCIAL_SECURITY_BENEFITS", "JOB_SEEKING")
D = CaseDimension
CELL_TABLES = (StatsCaseCell, StatsOpenDay, StatsReferralCell, StatsDurationBin, StatsOpenReferral,
               StatsVolunteerCell, StatsLastActivity, StatsCoverage)


async def _history(db: Database, seed: int) -> BusinessCalendar:
    """A random history; the calendar in force at its end."""
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
    for i in range(70):
        if i in (30, 50):  # the workers move the deadlines mark, back then forth (a clock set back)
            assert await maintenance.pass_deadlines(db, NOW - timedelta(days=60 - i)) is not None
        volunteer, area = rng.choice(volunteers)
        at = NOW - timedelta(days=rng.uniform(0, 210))
        at = min(at.replace(hour=rng.randrange(0, 24), minute=rng.randrange(60)), NOW - timedelta(minutes=5))
        command = OpenCase(client_id=None, category_code=rng.choice(CATEGORIES),
                           subdistrict_code=area or volunteer.area_code or "", description=f"เรื่องที่ {i}",
                           citizen=CitizenDetails(full_name="สมชาย ทดสอบ",
                                                  national_id=NATIONAL_ID if i % 9 == 0 else national_id(f"1101700{i:05d}"),
                                                  phone="0812345678", consent=True),
                           file_anyway=True)
        async with UnitOfWork(db) as uow:
            case = await filing.open_case(uow, volunteer, command, at, CAL, vault)
        later = min(at + timedelta(hours=rng.uniform(1, 400)), NOW - timedelta(minutes=1))
        for _ in range(rng.randrange(0, 4)):
            await _act(db, rng, case.id, staff, volunteer, later)
            later = min(later + timedelta(hours=rng.uniform(1, 100)), NOW - timedelta(seconds=30))
    for i, hours in enumerate((30, 6, 2)):  # filed lately: deadlines still ahead of NOW
        volunteer, area = volunteers[i % 2]
        command = OpenCase(client_id=None, category_code=CATEGORIES[i], subdistrict_code=area or "",
                           description=f"เรื่องล่าสุดที่ {i}", file_anyway=True,
                           citizen=CitizenDetails(full_name="สมศรี ทดสอบ", national_id=national_id(f"1101800{i:05d}"),
                                                  phone="0812345678", consent=True))
        async with UnitOfWork(db) as uow:
            await filing.open_case(uow, volunteer, command, NOW - timedelta(hours=hours), CAL, vault)
    admin = await principal(db, "admin")
    async with UnitOfWork(db) as uow:  # an admin adds a holiday: open deadlines move
        calendar, _ = await calendar_service.add_holiday(uow, admin, HOLIDAY, "วันหยุดพิเศษ", NOW - timedelta(hours=2))
    async with UnitOfWork(db) as uow:  # the escalation sweep catches up to now
        for referral_id in await _open_referrals(db):
            await escalations.escalate_if_overdue(uow, referral_id, NOW, calendar)
    async with UnitOfWork(db) as uow:
        await pdpa.anonymise_citizen(uow, admin, vault, NATIONAL_ID, "ขอให้ลบข้อมูล", NOW)
    # where a rebuild at NOW puts it, in steps of two referrals (as an upgraded database catches up)
    assert await maintenance.pass_deadlines(db, NOW, step=2) is not None
    return calendar


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


async def _cells(db: Database) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    """Every non-empty cell of every rollup table, by key (a cell spread over slots summed)."""
    out = {}
    async with db.read_sessions() as session:
        for table in CELL_TABLES:
            t = table.__table__  # type: ignore[attr-defined]
            keys = [c for c in t.c if c.primary_key and c.name != "slot"]
            values = [c for c in t.c if not c.primary_key]
            if "slot" in t.c:
                stmt = select(*keys, *[func.sum(v) for v in values]).group_by(*keys)
            else:
                stmt = select(*keys, *values)
            rows = (await session.execute(stmt)).all()
            out[t.name] = {tuple(r[:len(keys)]): tuple(r[len(keys):]) for r in rows if any(r[len(keys):])}
    return out


def _figures(dims: tuple[CaseDimension, ...], f: CaseFilter) -> frozenset[Figure]:
    """All the figures the cells can say for these dimensions and filter."""
    figures = set(ALL_FIGURES)
    if D.STATUS in dims or f.statuses:
        figures -= rules.REFERRAL_FIGURES
    if set(dims) & rules.REFERRAL_DIMENSIONS:
        figures -= rules.CASE_FIGURES
    if D.CATEGORY in dims or f.category_codes:
        figures.discard(Figure.AGES)
    return frozenset(figures)


CELL_DIMS = (D.STATUS, D.CATEGORY, D.PROVINCE, D.DISTRICT, D.FISCAL_YEAR, D.MONTH, D.AGENCY, D.ORG_UNIT)
QUESTIONS: list[tuple[tuple[CaseDimension, ...], CaseFilter]] = [
    ((), CaseFilter()),
    *[((dim,), CaseFilter()) for dim in CELL_DIMS],
    *[(pair, CaseFilter()) for pair in combinations(CELL_DIMS, 2)],
    ((D.DISTRICT, D.CATEGORY), CaseFilter(area_code="43")),
    ((), CaseFilter(area_code="4301")),
    ((D.MONTH,), CaseFilter(area_code="4301")),
    ((D.STATUS,), CaseFilter(area_code="43", statuses=(CaseStatus.ROUTED, CaseStatus.IN_PROGRESS))),
    ((D.MONTH,), CaseFilter(category_codes=("UNPAID_WAGES", "JOB_SEEKING"))),
    ((D.AGENCY,), CaseFilter(area_code="43", category_codes=("UNPAID_WAGES",))),
    ((D.PROVINCE,), CaseFilter(statuses=(CaseStatus.NEW, CaseStatus.ROUTED))),
]
B = timedelta(hours=7)
PERIODS = [(None, None),
           (datetime(2026, 9, 1, tzinfo=UTC) - B, None),  # from 1 Sep (Bangkok)
           (datetime(2026, 6, 1, tzinfo=UTC) - B, datetime(2026, 10, 1, tzinfo=UTC) - B),
           (datetime(2026, 6, 14, 9, 30, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC) - B),  # partial months
           (datetime(2026, 8, 3, tzinfo=UTC) - B, datetime(2026, 8, 20, tzinfo=UTC) - B),  # within a month
           (None, datetime(2026, 10, 1, tzinfo=UTC) - B),
           (datetime(2025, 10, 1, tzinfo=UTC) - B, datetime(2026, 10, 1, tzinfo=UTC) - B)]  # FY 2569


def _same(f: frozenset[Figure], rolled: tuple[dict, dict], live: tuple[dict, dict], where: Any) -> None:
    cases_r, refs_r = rolled
    cases_l, refs_l = live
    if f & rules.CASE_FIGURES:
        assert set(cases_r) == set(cases_l), where
        for key, r in cases_r.items():
            lv = cases_l[key]
            if Figure.CASES in f:
                assert (r.case_count, r.amount_recovered_thb, r.satisfaction_sum, r.satisfaction_count,
                        r.escalated_open) == (lv.case_count, lv.amount_recovered_thb, lv.satisfaction_sum,
                                              lv.satisfaction_count, lv.escalated_open), (where, key)
            if Figure.AGES in f:
                assert r.open_by_age == lv.open_by_age, (where, key)
    if f & rules.REFERRAL_FIGURES:
        assert set(refs_r) == set(refs_l), where
        for key, r in refs_r.items():
            lv = refs_l[key]
            if Figure.REFERRALS in f:
                assert (r.referral_count, r.accepted_on_time, r.resolved_on_time) == (
                    lv.referral_count, lv.accepted_on_time, lv.resolved_on_time), (where, key)
            if Figure.NOW in f:
                assert (r.accept_counted, r.resolve_counted, r.overdue) == (
                    lv.accept_counted, lv.resolve_counted, lv.overdue), (where, key)
            if Figure.DURATIONS in f:
                for a, b in ((r.accept_p50, lv.accept_p50), (r.accept_p90, lv.accept_p90),
                             (r.resolve_p50, lv.resolve_p50), (r.resolve_p90, lv.resolve_p90)):
                    assert (a is None) == (b is None), (where, key)
                    if a is not None:
                        assert abs(a - b) <= BOUND_SECONDS, (where, key, a, b)


async def test_rollups_kept_in_each_change_equal_a_rebuild_and_answer_as_the_live_sql(db: Database) -> None:
    first_key = await service.ensure_calendar(db, CAL)
    async with UnitOfWork(db) as uow:  # an empty database's cells, bins kept for this calendar
        await rebuild.rebuild(uow.session, first_key, NOW)
    calendar = await _history(db, seed=15)
    kept = await _cells(db)
    cases = kept["stats_case_cell"]
    assert {k[2] for k in cases if k[0] == "P"} == {"10", "43"}
    assert {k[4] for k in cases} >= {"ROUTED", "IN_PROGRESS", "RESOLVED", "CLOSED"}
    assert len({k[1] for k in cases}) >= 8 and any(v[4] for v in cases.values())  # months; escalated
    assert kept["stats_duration_bin"] and kept["stats_open_day"] and kept["stats_open_referral"]
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, first_key, NOW)
    assert await _cells(db) == kept

    key = await service.ensure_calendar(db, calendar)
    assert key != first_key
    async with UnitOfWork(db) as uow:  # the holiday moved durations: their bins again
        await rebuild.rebuild_durations(uow.session, key, NOW)
    asked = percentiles = 0
    marked = NOW
    admin, coordinator = await principal(db, "admin"), await principal(db, "ops.nongkhai")
    for i, (dims, f) in enumerate(QUESTIONS):
        figures = _figures(dims, f)
        for j, period in enumerate(PERIODS):
            now = NOW if (i + j) % 2 else NOW + timedelta(days=3, hours=5)
            # the deadlines mark where the rebuild left it, behind and ahead of now
            mark = (NOW, NOW - timedelta(days=9, hours=2), NOW + timedelta(days=12))[(i + 2 * j) % 3]
            if mark != marked:
                assert await maintenance.pass_deadlines(db, mark) is not None
                marked = mark
            # the whole country; every third question also as one province's coordinator
            for reader in (admin, coordinator) if (i + j) % 3 == 0 else (admin,):
                q = rollups.Question(reader, f, dims, figures, period, now)
                if (q.why_not() or "").startswith("percentiles"):  # by district, month, type, office
                    q = rollups.Question(reader, f, dims, figures - {Figure.DURATIONS}, period, now)
                if q.why_not() == "months of districts":
                    continue
                assert q.why_not() is None, (reader.username, dims, f)
                percentiles += Figure.DURATIONS in q.figures
                async with db.read_transactions() as session:  # as the service asks it
                    rolled = await rollups.answer(session, q, key)
                live = await service.live_figures(db, reader, f, dims, now, key, period, q.figures,
                                                  db.read_sessions)
                assert rolled is not None
                _same(q.figures, rolled, live, (reader.username, dims, f, period, now))
                asked += 1
    assert asked > 300 and percentiles > 20, (asked, percentiles)


async def test_open_cases_by_age_are_exact_around_every_boundary(db: Database) -> None:
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, await service.ensure_calendar(db, CAL), NOW)
    calendar = await _history(db, seed=43)
    key = await service.ensure_calendar(db, calendar)
    async with db.read_sessions() as session:
        received = (await session.execute(select(Case.received_at).where(Case.status.in_(  # type: ignore[attr-defined]
            [CaseStatus.NEW, CaseStatus.ROUTED, CaseStatus.IN_PROGRESS])).order_by(Case.received_at))).scalars().all()
    assert len(received) >= 10
    admin = await principal(db, "admin")
    figures = frozenset({Figure.AGES, Figure.NOW})
    checked = 0
    for at in received[::max(1, len(received) // 3)]:
        for upper in (7, 30, 60):  # the age buckets' upper bounds, in whole days
            for shift in (timedelta(days=-1), timedelta(hours=-3), timedelta(0), timedelta(hours=3), timedelta(days=1)):
                now = at + timedelta(days=upper + 1) + shift  # the case sits on (or near) a boundary
                for dims in ((), (D.PROVINCE, D.MONTH), (D.DISTRICT,)):
                    q = rollups.Question(admin, CaseFilter(), dims, figures, (None, None), now)
                    async with db.read_transactions() as session:  # as the service asks it
                        rolled = await rollups.answer(session, q, key)
                    live = await service.live_figures(db, admin, CaseFilter(), dims, now, key, (None, None), figures,
                                               db.read_sessions)
                    assert rolled is not None
                    _same(figures, rolled, live, (at, upper, shift, dims))
                    checked += 1
    assert checked >= 100


async def test_questions_the_cells_cannot_say_are_answered_live(db: Database) -> None:
    admin = await principal(db, "admin")
    cannot = [
        (CaseFilter(text="ค่าจ้าง"), (), ALL_FIGURES, "filter"),
        (CaseFilter(org_unit_code="DLPW-43"), (), ALL_FIGURES, "filter"),
        (CaseFilter(filed_by_me=True), (), ALL_FIGURES, "filter"),
        (CaseFilter(area_code="430101"), (), ALL_FIGURES, "scope"),
        (CaseFilter(), (D.SUBDISTRICT,), ALL_FIGURES, "dimension"),
        (CaseFilter(), (D.ESCALATION_LEVEL,), ALL_FIGURES, "dimension"),
        (CaseFilter(), (D.STATUS,), ALL_FIGURES, "referrals by case status"),
        (CaseFilter(), (D.AGENCY,), ALL_FIGURES, "cases by office"),
        (CaseFilter(), (D.CATEGORY,), frozenset({Figure.AGES}), "ages by problem type"),
        (CaseFilter(area_code="43"), (D.DISTRICT, D.MONTH), frozenset({Figure.CASES}), "months of districts"),
        (CaseFilter(), (D.AGENCY,), frozenset({Figure.DURATIONS}),
         "percentiles other than a nation's or province's by fiscal year"),
        (CaseFilter(area_code="4301"), (), frozenset({Figure.DURATIONS}),
         "percentiles other than a nation's or province's by fiscal year"),
    ]
    for f, dims, figures, why in cannot:
        assert rollups.Question(admin, f, dims, figures, (None, None), NOW).why_not() == why
    # Through the service: the answer says where it came from, and is the same either way.
    stats = await service.case_stats(db, admin, CaseFilter(), [D.ESCALATION_LEVEL], NOW, CAL)
    assert stats.source == "LIVE"
    stats = await service.case_stats(db, admin, CaseFilter(), [D.PROVINCE], NOW, CAL,
                                     figures=frozenset({Figure.CASES}))
    assert stats.source == "ROLLUP"


async def test_the_deadlines_mark_moves_while_cases_are_filed_and_accepted(db: Database) -> None:
    """The workers move the mark while people file and accept (concurrently on PostgreSQL, where
    a filing counts against the mark its process last saw and corrects it when it had moved):
    the cells kept are exactly those a rebuild makes at the mark's last place."""
    key = await service.ensure_calendar(db, CAL)
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, key, NOW - timedelta(days=6))
    volunteer, officer = await principal(db, "vol.naimueang"), await principal(db, "dlpw.nongkhai")
    vault = Settings().vault

    async def file_and_accept(i: int) -> None:
        at = NOW - timedelta(days=8) + timedelta(hours=9 * i)
        command = OpenCase(client_id=None, category_code=CATEGORIES[i % 4], subdistrict_code="430101",
                           description=f"เรื่องพร้อมกันที่ {i}", file_anyway=True,
                           citizen=CitizenDetails(full_name="สมหมาย ทดสอบ", national_id=national_id(f"1101900{i:05d}"),
                                                  phone="0812345678", consent=True))
        async with UnitOfWork(db) as uow:
            case = await filing.open_case(uow, volunteer, command, at, CAL, vault)
        if i % 3:
            async with db.read_sessions() as session:
                leg = (await session.execute(select(Referral.id).where(
                    Referral.case_id == case.id, Referral.org_unit_code == "DLPW-43"))).scalar_one_or_none()
            if leg is not None:
                async with UnitOfWork(db) as uow:
                    await referrals.act_on_referral(uow, officer, AcceptReferral(leg), at + timedelta(hours=2), CAL)

    async def sweeps() -> None:
        for mark in (NOW - timedelta(days=4), NOW - timedelta(days=7), NOW - timedelta(days=1), NOW):
            await asyncio.sleep(0.05)
            assert await maintenance.pass_deadlines(db, mark, step=3) is not None

    await asyncio.gather(sweeps(), *[file_and_accept(i) for i in range(20)])
    kept = await _cells(db)
    assert sum(v[0] for k, v in kept["stats_referral_cell"].items() if k[:2] == ("N", "A")) >= 20
    assert any(v[5] or v[6] or v[7] for v in kept["stats_referral_cell"].values())  # deadlines passed
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, key, NOW)
    assert await _cells(db) == kept


async def test_an_acceptance_after_a_holiday_change_is_binned_with_the_new_calendar(db: Database) -> None:
    """An admin adds a holiday while a referral waits; its acceptance, after the holiday, takes
    a business day less with the new calendar. (On PostgreSQL the acceptance counts against the
    calendar its process last saw, the old one, and `write` corrects the bins when it finds the
    calendar changed.) The bins kept are those a rebuild makes with the new calendar."""
    # Filed on a Friday at 10:00, a holiday added on the Tuesday after, the bins rebuilt for it.
    leg, calendar = await a_referral_waiting_over_a_holiday(db, "110190077777", NOW)
    officer = await principal(db, "dlpw.nongkhai")
    accepted_at = datetime(2026, 11, 11, 3, 0, tzinfo=UTC)  # the Wednesday after the holiday
    async with UnitOfWork(db) as uow:
        await referrals.act_on_referral(uow, officer, AcceptReferral(leg), accepted_at, calendar)
    kept = (await _cells(db))["stats_duration_bin"]
    days = sorted(k[5] for k, v in kept.items() if k[:5] == ("N", "A", "", "A", "C") for _ in range(v[0]))
    assert days == [2]  # Friday 10:00 → Wednesday 10:00 is three business days less the holiday
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild_durations(uow.session, await service.ensure_calendar(db, calendar), NOW)
    assert (await _cells(db))["stats_duration_bin"] == kept


async def test_the_check_logs_drift_and_khortor_rebuild_stats_repairs_it(
        db: Database, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    await file_cases_directly(db, 12)
    assert await maintenance.refresh_durations(db, CAL, NOW) is not None  # none were kept yet
    assert await maintenance.refresh_durations(db, CAL, NOW) is None  # up to date
    assert await maintenance.check(db, CAL, NOW, sample=3) == []
    async with UnitOfWork(db) as uow:  # a cell goes wrong (as a write outside the ORM would make it)
        await uow.session.execute(update(StatsCaseCell).where(
            StatsCaseCell.grain == "N", StatsCaseCell.period == "A").values(n=StatsCaseCell.n + 1))
    with caplog.at_level(logging.ERROR, logger="khortor.stats"):
        drifts = await maintenance.check(db, CAL, NOW, sample=3)
    assert drifts and {d.area for d in drifts} == {""}  # the nation's cells only
    assert "case_count" in {d.figure for d in drifts} <= {"case_count", "open_by_age"}
    assert "stats rollup drift: area=nation" in caplog.text
    env = {**os.environ, "KHORTOR_DATABASE_URL": db_url}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "api.cli", "rebuild-stats"],
                                   env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rebuilt the dashboards' rollups: stats_case_cell" in done.stdout
    assert await maintenance.check(db, CAL, NOW, sample=3) == []


async def test_volunteer_activity_from_the_rollups_equals_the_live_figures(db: Database) -> None:
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, await service.ensure_calendar(db, CAL), NOW)
    await _history(db, seed=7)
    kept = await _cells(db)
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, await service.ensure_calendar(db, CAL), NOW)
    rebuilt = await _cells(db)
    for table in ("stats_volunteer_cell", "stats_last_activity"):
        assert kept[table] and kept[table] == rebuilt[table], table
    compared = 0
    for username in ("admin", "ops.nongkhai", "sup.nongkhai", "sup.national"):
        reader = await principal(db, username)
        for area in (None, "43", "4301", "10"):
            for period in PERIODS:
                async with db.read_sessions() as session:
                    rolled = await volunteer_rollups.volunteer_figures(session, reader, area, *period)
                    live = await network_repository.volunteer_figures(session, reader, area, *period)
                assert rolled is not None, username
                assert rolled == live, (username, area, period)
                compared += 1
                if username == "admin" and area is None and period == (None, None):
                    assert sum(v.cases_filed for v in rolled) == 73 and all(v.last_activity_at for v in rolled
                                                                            if v.cases_filed)
    assert compared == 4 * 4 * len(PERIODS)
    mentor = await principal(db, "mentor.nongkhai")
    async with db.read_sessions() as session:  # a mentor's scope is their volunteers: live
        assert await volunteer_rollups.volunteer_figures(session, mentor, None, None, None) is None


async def test_network_coverage_from_the_rollups_follows_every_volunteer_change(db: Database) -> None:
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, await service.ensure_calendar(db, CAL), NOW)
    async with UnitOfWork(db) as uow:  # volunteers join, move, leave and come back, through the ORM
        for i, area in enumerate(("430103", "430103", "430201", "100101", "4301")):
            uow.session.add(User(username=f"vol.cover.{i}", password_hash="x", display_name=f"อสร. {i}",
                                 role="VOLUNTEER", area_code=area, created_at=NOW))
    async with UnitOfWork(db) as uow:
        moved = (await uow.session.execute(select(User).where(User.username == "vol.cover.2"))).scalar_one()
        moved.area_code = "430104"
        gone = (await uow.session.execute(select(User).where(User.username == "vol.cover.3"))).scalar_one()
        gone.is_active = False
        officer = (await uow.session.execute(select(User).where(User.username == "vol.cover.0"))).scalar_one()
        officer.role = "OFFICER"
    kept = (await _cells(db))["stats_coverage"]
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, await service.ensure_calendar(db, CAL), NOW)
    assert (await _cells(db))["stats_coverage"] == kept
    covered = {}
    for prefix in ("", "43", "4301", "10"):
        async with db.read_sessions() as session:
            covered[prefix] = await volunteer_rollups.covered_subdistricts(session, prefix)
            live = await network_repository.covered_subdistricts(session, prefix)
        assert covered[prefix] == live, prefix
    assert {"430103", "430104"} <= covered[""] and "430201" not in covered[""]  # moved away
    assert "100101" not in covered["10"]  # left
