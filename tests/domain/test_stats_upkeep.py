"""The rollups' upkeep commits with the change it counts, or not at all (domain/stats/upkeep.py,
written in the commit's round trip by domain/commit_writes.py: one statement on PostgreSQL, one
call on aiosqlite's thread on SQLite)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import exc, func, select, text

from domain.cases.models import Case
from domain.db import Database
from domain.stats.cell_models import StatsCaseCell
from tests.factories import file_case_directly

REFUSE = {
    "sqlite": ["CREATE TRIGGER refuse_cells BEFORE INSERT ON stats_case_cell "
               "BEGIN SELECT RAISE(ABORT, 'the cells are refused'); END"],
    "postgresql": ["CREATE FUNCTION refuse_cells() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'the cells are refused'; END $$",
                   "CREATE TRIGGER refuse_cells BEFORE INSERT ON stats_case_cell "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_cells()"],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER IF EXISTS refuse_cells"],
    "postgresql": ["DROP TRIGGER IF EXISTS refuse_cells ON stats_case_cell", "DROP FUNCTION IF EXISTS refuse_cells()"],
}


async def _run(db: Database, statements: list[str]) -> None:
    async with db.write_sessions() as session, session.begin():
        for statement in statements:
            await session.execute(text(statement))


async def _counts(db: Database) -> tuple[int, int]:
    async with db.read_sessions() as session:
        cases = (await session.execute(select(func.count()).select_from(Case))).scalar_one()
        cells = (await session.execute(select(func.coalesce(func.sum(StatsCaseCell.n), 0))
                                       .where(StatsCaseCell.grain == "N", StatsCaseCell.period == "A"))).scalar_one()
    return cases, cells


async def test_a_filing_whose_rollup_write_fails_is_not_saved(db: Database, backend: str) -> None:
    """When the database refuses the cells (here a trigger; a full disk or a lost connection
    in life), the filing fails as a database error, and neither the case nor any cell stays."""
    before = await _counts(db)
    client_id = uuid.uuid4()
    await _run(db, REFUSE[backend])
    try:
        with pytest.raises(exc.DBAPIError) as raised:
            await file_case_directly(db, datetime.now(UTC), client_id=client_id)
    finally:
        await _run(db, ALLOW[backend])
    assert "the cells are refused" in str(raised.value.orig)
    assert "stats_case_cell" in str(raised.value)  # the statement that failed, without its rows
    assert await _counts(db) == before

    await file_case_directly(db, datetime.now(UTC), client_id=client_id)  # once allowed, it files
    assert await _counts(db) == (before[0] + 1, before[1] + 1)


async def test_filings_on_postgresql_add_to_cells_spread_over_slots(db: Database, backend: str) -> None:
    """Every filing in one province adds to the same cells (the nation's, the province's). On
    PostgreSQL each transaction adds to the rows of a slot drawn at random, so concurrent filings
    do not queue for one row's lock until each commits; the figures are the slots' sums. SQLite,
    one writer at a time, keeps every cell in slot 0."""
    before = await _counts(db)
    for _ in range(24):
        await file_case_directly(db, datetime.now(UTC))
    assert await _counts(db) == (before[0] + 24, before[1] + 24)
    async with db.read_sessions() as session:
        slots = set((await session.execute(select(StatsCaseCell.slot).where(
            StatsCaseCell.grain == "N", StatsCaseCell.period == "A", StatsCaseCell.n != 0))).scalars())
    if backend == "postgresql":
        assert len(slots) > 1, slots  # 24 draws of one of 8 slots: one slot alone is 8^-23 likely
    else:
        assert slots == {0}
