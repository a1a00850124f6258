"""Rows written when a transaction commits (domain/commit_writes.py): the outbox's jobs, the
access log's CHANGE entries, a filing's history and the rollups' sums go in one round trip with
the commit, and never without it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import filing, referrals
from domain.cases.commands import AcceptReferral, CitizenDetails, EmployerDetails, OpenCase
from domain.cases.models import Case, CaseEvent, Referral
from domain.cases.notices import REFERRAL_ROUTED_JOB
from domain import commit_writes
from domain.db import Database
from domain.outbox import service as outbox
from domain.outbox.models import OutboxJob
from domain.privacy.models import AccessAction, AccessLogEntry
from domain.settings import Settings
from domain.stats import maintenance
from domain.uow import ConcurrentUpdate, UnitOfWork
from tests.databases import statements_sent
from tests.factories import CAL, file_case_directly, national_id, principal

JOB = "test.commit_writes"


async def _jobs(db: Database) -> list[dict]:
    async with db.read_sessions() as session:
        rows = (await session.execute(select(OutboxJob.ids).where(OutboxJob.name == JOB)
                                      .order_by(OutboxJob.id))).scalars().all()  # type: ignore[arg-type]
    return list(rows)


async def test_queued_jobs_are_written_when_the_transaction_commits_and_never_when_it_rolls_back(
        db: Database) -> None:
    with pytest.raises(ZeroDivisionError):
        async with UnitOfWork(db) as uow:
            uow.enqueue(JOB, case_id="rolled-back")
            await uow.flush()  # a flush in between writes none of them
            1 / 0
    assert await _jobs(db) == []

    async with UnitOfWork(db) as uow:
        uow.enqueue(JOB, case_id="first")
        uow.enqueue(JOB, case_id="ยืนยัน")  # Thai in the JSON column, both databases
        await uow.flush()
        async with db.read_sessions() as other:  # not visible before the commit
            seen = (await other.execute(select(func.count()).select_from(OutboxJob)
                                        .where(OutboxJob.name == JOB))).scalar_one()  # type: ignore[arg-type]
        assert seen == 0
    assert await _jobs(db) == [{"case_id": "first"}, {"case_id": "ยืนยัน"}]


async def test_a_filing_writes_its_job_access_entry_and_rollups_in_one_statement_at_commit(
        db: Database, backend: str) -> None:
    """After the last flush, the commit sends one statement (PostgreSQL) or one call on
    aiosqlite's thread (SQLite, unseen by SQLAlchemy's events) for all of them."""
    with statements_sent(db.engine) as sent:
        case, referral = await file_case_directly(db, datetime.now(UTC))
    writes = [s for s in sent if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "WITH"))
              and any(table in s for table in ("outbox_job", "access_log", "stats_case_cell"))]
    if backend == "postgresql":
        assert len(writes) == 1 and all(t in writes[0] for t in ("outbox_job", "access_log", "stats_case_cell",
                                                                 "case_event"))
    else:
        assert writes == []  # none through SQLAlchemy: all in the commit's one call
    async with db.read_sessions() as session:
        actions = (await session.execute(select(AccessLogEntry.action).where(AccessLogEntry.case_id == case.id))
                   ).scalars().all()
        jobs = (await session.execute(select(OutboxJob.name).where(
            OutboxJob.ids["referral_id"].as_string() == str(referral.id)))).scalars().all()  # type: ignore[index]
    assert AccessAction.CHANGE in actions
    assert jobs == [REFERRAL_ROUTED_JOB]


async def test_a_session_that_would_not_write_them_refuses_to_queue(db: Database) -> None:
    async with AsyncSession(db.engine) as session:  # not one of the Database's sessions
        with pytest.raises(RuntimeError, match="open it from a Database"):
            outbox.enqueue(session, JOB, case_id="lost")
    assert await _jobs(db) == []


def _whole_filing() -> OpenCase:
    """A filing with every kind of value its case's row holds: sealed bytes, an amount, instants,
    ids, flags and Thai text."""
    return OpenCase(client_id=uuid.uuid4(), category_code="UNPAID_WAGES", subdistrict_code="430101",
                    description="นายจ้างค้างจ่ายค่าจ้างสองเดือน โทร 081-234-5678",
                    citizen=CitizenDetails("สมหญิง ใจงาม", national_id("310170020345"), "0812345678", True),
                    employer=EmployerDetails("บริษัท ทดสอบ จำกัด", None, "12 หมู่ 3 ตำบลในเมือง"),
                    captured_at=datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=UTC),
                    shared_with_volunteers=True, file_anyway=True, amount_claimed_thb=Decimal("12345.67"))


def _columns(row: object) -> dict[str, object]:
    return {c.key: getattr(row, c.key) for c in type(row).__table__.columns}  # type: ignore[attr-defined]


async def test_a_filings_case_and_referral_are_inserted_at_commit_as_they_were_held(db: Database) -> None:
    """The filing's case and referral are written in the commit's round trip
    (`insert_at_commit`): not before the commit, every column stored as the rows held it, and
    detached afterwards, as a flushed row is once its session closes."""
    volunteer = await principal(db, "vol.naimueang")
    now = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    async with UnitOfWork(db) as uow:
        case = await filing.open_case(uow, volunteer, _whole_filing(), now, CAL, Settings().vault)
        assert inspect(case).transient and not uow.session.new  # held for the commit
        async with db.read_sessions() as other:
            assert await other.get(Case, case.id) is None
    held = _columns(case)
    assert inspect(case).detached
    async with db.read_sessions() as session:
        stored = await session.get(Case, case.id)
        referrals = (await session.execute(select(Referral).where(Referral.case_id == case.id))).scalars().all()
    assert stored is not None and len(referrals) == 1
    assert _columns(stored) == held
    assert held["amount_claimed_thb"] == Decimal("12345.67") and held["status"] == "ROUTED"
    assert isinstance(held["citizen_name_sealed"], bytes) and held["citizen_name_sealed"]
    assert held["captured_at"] == datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=UTC)
    assert _columns(referrals[0])["case_id"] == case.id and referrals[0].status == "PENDING"


async def test_a_filing_rolled_back_inserts_nothing(db: Database) -> None:
    volunteer = await principal(db, "vol.naimueang")
    before = await _count(db, Case)
    with pytest.raises(ZeroDivisionError):
        async with UnitOfWork(db) as uow:
            case = await filing.open_case(uow, volunteer, _whole_filing(), datetime.now(UTC), CAL,
                                          Settings().vault)
            1 / 0
    assert inspect(case).transient  # never stored
    assert await _count(db, Case) == before
    assert await _count(db, Referral, Referral.case_id == case.id) == 0  # type: ignore[arg-type]


async def _count(db: Database, model: type, *where: Any) -> int:
    async with db.read_sessions() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()  # type: ignore[arg-type]


# --- changed rows updated at commit (`update_at_commit`) -----------------------------------------

def _writes_to(sent: list[str], table: str) -> list[str]:
    return [s for s in sent if s.lstrip().upper().startswith(("UPDATE", "WITH")) and f"UPDATE {table} " in s]


async def test_an_action_on_a_referral_updates_it_and_its_case_at_commit_as_they_were_held(
        db: Database, backend: str) -> None:
    """An acceptance's referral and case are written in the commit's round trip, not flushed:
    nothing stored before the commit, every column stored as the rows held it, the rows clean
    afterwards (as after a flush), and the rollups still exact."""
    now = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    case, referral = await file_case_directly(db, now)
    officer = await principal(db, "dlpw.nongkhai")
    with statements_sent(db.engine) as sent:
        async with UnitOfWork(db) as uow:
            accepted = await referrals.act_on_referral(uow, officer, AcceptReferral(referral.id),
                                                       now + timedelta(hours=1), CAL)
            held_case = await uow.session.get(Case, case.id)
            assert inspect(accepted).modified and held_case is not None and inspect(held_case).modified
            assert _writes_to(sent, "referral") == [] and _writes_to(sent, "case_file") == []
            async with db.read_sessions() as other:  # nothing stored yet
                assert (await other.get(Referral, referral.id)).status == "PENDING"  # type: ignore[union-attr]
    assert not inspect(accepted).modified and not inspect(held_case).modified  # as a flush leaves them
    if backend == "postgresql":  # in the commit's one statement, with the history and the rollups
        updates = _writes_to(sent, "referral")
        assert len(updates) == 1 and "UPDATE case_file " in updates[0] and "INSERT INTO case_event" in updates[0]
    else:
        assert _writes_to(sent, "referral") == []  # in the commit's one call on aiosqlite's thread
    async with db.read_sessions() as session:
        stored = await session.get(Referral, referral.id)
        stored_case = await session.get(Case, case.id)
    assert stored is not None and stored_case is not None
    assert _columns(stored) == _columns(accepted)
    assert _columns(stored_case) == _columns(held_case)
    assert (stored.status, stored.version, stored.assigned_to_id) == ("ACCEPTED", referral.version + 1,
                                                                      officer.user_id)
    assert stored.accepted_at == now + timedelta(hours=1) and stored_case.status == "IN_PROGRESS"
    assert await maintenance.check(db, CAL, now + timedelta(hours=1), sample=1) == []


async def test_a_held_row_changed_since_it_was_read_refuses_the_commit(db: Database) -> None:
    """Written where its id and the version it was read at still match, as a flush writes it:
    when the row moved meanwhile, nothing of the transaction is kept and the officer is told
    someone else changed it."""
    now = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    _, referral = await file_case_directly(db, now)
    officer = await principal(db, "dlpw.nongkhai")
    with statements_sent(db.engine) as sent:
        with pytest.raises(ConcurrentUpdate):
            async with UnitOfWork(db) as uow:
                await referrals.act_on_referral(uow, officer, AcceptReferral(referral.id), now, CAL)
                # another writer's change, past the ORM (whose rows are held, not flushed)
                await uow.session.execute(update(Referral.__table__).where(  # type: ignore[attr-defined]
                    Referral.__table__.c.id == referral.id).values(version=referral.version + 7))  # type: ignore[attr-defined]
    assert not [s for s in sent if s.lstrip().upper().startswith("UPDATE REFERRAL SET STATUS")]  # held, not flushed
    async with db.read_sessions() as session:
        stored = await session.get(Referral, referral.id)
    assert stored is not None and (stored.status, stored.version) == ("PENDING", referral.version)
    assert await _count(db, CaseEvent, CaseEvent.referral_id == referral.id,  # type: ignore[arg-type]
                        CaseEvent.type == "ACCEPTED") == 0


async def test_held_changes_read_over_before_the_commit_refuse_it(db: Database) -> None:
    """A query with `populate_existing` puts the stored values back into a held row: its
    changes would be lost while its history commits. The commit is refused instead."""
    now = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    case, referral = await file_case_directly(db, now)
    officer = await principal(db, "dlpw.nongkhai")
    with pytest.raises(RuntimeError, match="read over"):
        async with UnitOfWork(db) as uow:
            await referrals.act_on_referral(uow, officer, AcceptReferral(referral.id), now, CAL)
            await uow.session.execute(select(Referral).where(Referral.id == referral.id)  # type: ignore[arg-type]
                                      .execution_options(populate_existing=True))
    async with db.read_sessions() as session:
        stored = await session.get(Referral, referral.id)
    assert stored is not None and stored.status == "PENDING"
    assert await _count(db, CaseEvent, CaseEvent.case_id == case.id,  # type: ignore[arg-type]
                        CaseEvent.type == "ACCEPTED") == 0


async def test_only_rows_read_in_the_session_are_held(db: Database) -> None:
    async with UnitOfWork(db) as uow:
        with pytest.raises(ValueError, match="persistent"):
            commit_writes.update_at_commit(uow.session, [Referral(case_id=uuid.uuid4(), org_unit_code="DLPW-43")])


async def test_held_rows_are_flushed_with_anything_else_left_to_flush(db: Database) -> None:
    """When the session has more to flush at the commit (here a new history entry added to it),
    the held rows go with that flush, through the ORM, and its hooks count them once."""
    now = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    case, referral = await file_case_directly(db, now)
    officer = await principal(db, "dlpw.nongkhai")
    with statements_sent(db.engine) as sent:
        async with UnitOfWork(db) as uow:
            accepted = await referrals.act_on_referral(uow, officer, AcceptReferral(referral.id), now, CAL)
            uow.session.add(CaseEvent(case_id=case.id, type="NOTE_ADDED", at=now, actor_id=officer.user_id,
                                      note="โทรหานายจ้างแล้ว", internal=True))
    flushed = [s for s in sent if s.lstrip().upper().startswith("UPDATE REFERRAL ")]
    assert len(flushed) == 1  # the ORM's own UPDATE, in the flush
    async with db.read_sessions() as session:
        stored = await session.get(Referral, referral.id)
    assert stored is not None and _columns(stored) == _columns(accepted) and stored.status == "ACCEPTED"
    assert await maintenance.check(db, CAL, now, sample=1) == []
