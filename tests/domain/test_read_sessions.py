"""What a read sees of a change committed while it runs (domain/db.py). `read_sessions` send
each statement on its own (no BEGIN and ROLLBACK), so a later statement sees a change
committed after an earlier one, as PostgreSQL's READ COMMITTED would show it inside a
transaction too, on both databases; `read_transactions` hold one transaction, and the
dashboards' one snapshot (`one_snapshot`: REPEATABLE READ on PostgreSQL, a BEGIN in WAL mode on
SQLite) keeps the cells and the live rows of an answer at one moment."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from domain.cases.models import CaseSequence
from domain.db import Database
from domain.stats.service import one_snapshot

YEAR = 1999  # a fiscal year no filing uses


async def _counted(session: object) -> int:
    stmt = select(func.count()).select_from(CaseSequence).where(CaseSequence.fiscal_year == YEAR)
    return int((await session.execute(stmt)).scalar_one())  # type: ignore[attr-defined]


async def _commit_one(db: Database, province: str) -> None:
    async with db.write_sessions() as session, session.begin():
        session.add(CaseSequence(province_code=province, fiscal_year=YEAR, last_value=1))


async def test_a_read_session_sees_what_committed_between_its_statements(db: Database) -> None:
    try:
        async with db.read_sessions() as session:
            before = await _counted(session)
            await _commit_one(db, "10")
            after = await _counted(session)
        assert after == before + 1

        async with db.read_transactions() as session:  # the dashboards' snapshot
            await one_snapshot(session)
            before = await _counted(session)
            await _commit_one(db, "11")
            assert await _counted(session) == before
        async with db.read_sessions() as session:
            assert await _counted(session) == before + 1
    finally:
        async with db.write_sessions() as session, session.begin():
            await session.execute(delete(CaseSequence).where(CaseSequence.fiscal_year == YEAR))
