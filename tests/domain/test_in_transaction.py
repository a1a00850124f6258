"""`in_transaction` (domain/uow.py): work the database ended to break a deadlock or a
serialization conflict is run again; nothing else is. The conflicts here are real database
errors with those SQLSTATEs, raised by PostgreSQL itself (a deadlock made between two
transactions is in tests/api/test_transaction_conflicts.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from domain.db import Database
from domain.outbox.models import OutboxJob
from domain.unavailable import database_unavailable, sqlstate
from domain.uow import UnitOfWork, in_transaction

pytestmark = pytest.mark.postgresql_only


def _raise(code: str) -> Any:
    return text(f"DO $$ BEGIN RAISE EXCEPTION 'refused here' USING ERRCODE = '{code}'; END $$")


async def _jobs(db: Database) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(OutboxJob))).scalar_one())


async def test_work_that_conflicts_once_is_run_again_and_kept_once(db: Database) -> None:
    before, calls = await _jobs(db), []

    async def work(uow: UnitOfWork) -> str:
        calls.append(1)
        uow.enqueue("test.job", case_id="x")
        if len(calls) == 1:
            await uow.session.execute(_raise("40P01"))  # deadlock detected
        return "done"

    assert await in_transaction(lambda: UnitOfWork(db), work) == "done"
    assert len(calls) == 2
    assert await _jobs(db) == before + 1  # the first attempt's job went with its transaction


@pytest.mark.parametrize("code", ["40P01", "40001"])
async def test_work_that_keeps_conflicting_is_refused_as_unavailable_after_three_attempts(
        db: Database, code: str) -> None:
    before, calls = await _jobs(db), []

    async def work(uow: UnitOfWork) -> None:
        calls.append(1)
        uow.enqueue("test.job", case_id="x")
        await uow.session.execute(_raise(code))

    with pytest.raises(DBAPIError) as raised:
        await in_transaction(lambda: UnitOfWork(db), work)
    assert len(calls) == 3
    assert sqlstate(raised.value) == code and database_unavailable(raised.value)  # answered 503
    assert await _jobs(db) == before


async def test_other_errors_are_not_run_again(db: Database) -> None:
    calls = []

    async def work(uow: UnitOfWork) -> None:
        calls.append(1)
        await uow.session.execute(_raise("22012"))  # division by zero: a bug, not a conflict

    with pytest.raises(DBAPIError):
        await in_transaction(lambda: UnitOfWork(db), work)
    assert len(calls) == 1


async def test_work_that_committed_is_never_run_again(db: Database) -> None:
    """A conflict after the commit (in what the work reads `after_commit`) cannot undo it: the
    work is not run a second time."""
    before, calls = await _jobs(db), []

    async def after(database: Database) -> None:
        async with database.read_sessions() as session:
            await session.execute(_raise("40001"))

    async def work(uow: UnitOfWork) -> None:
        calls.append(1)
        uow.enqueue("test.job", case_id="x")
        uow.after_commit(after)

    with pytest.raises(DBAPIError):
        await in_transaction(lambda: UnitOfWork(db), work)
    assert len(calls) == 1
    assert await _jobs(db) == before + 1
