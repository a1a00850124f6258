"""Rows written when a transaction commits (domain/commit_writes.py): the outbox's jobs, the
access log's CHANGE entries, a filing's history and the rollups' sums go in one round trip with
the commit, and never without it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases.notices import REFERRAL_ROUTED_JOB
from domain.db import Database
from domain.outbox import service as outbox
from domain.outbox.models import OutboxJob
from domain.privacy.models import AccessAction, AccessLogEntry
from domain.uow import UnitOfWork
from tests.factories import file_case_directly

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
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        case, referral = await file_case_directly(db, datetime.now(UTC))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
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
