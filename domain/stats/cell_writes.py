"""The rollup tables as parts of a commit's one round trip (domain/commit_writes.py): which
columns key a cell and which it sums, and how the upkeep's rows are written
(domain/stats/upkeep.py)."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from domain.commit_writes import ADD, DELETE, LATEST, REPLACE, Part, Read
from domain.stats.cell_models import (SLOTS, StatsCaseCell, StatsCoverage, StatsDurationBin, StatsLastActivity,
                                      StatsOpenDay, StatsOpenReferral, StatsReferralCell, StatsRollupState,
                                      StatsVolunteerCell)

DURATIONS = "durations"
MARK = "deadlines"  # `built_at`: the deadlines passed by then are in the cells (`*_passed`)
KEYS = {  # a cell table → the columns of its key
    StatsCaseCell: ("grain", "period", "area", "category_code", "status"),
    StatsOpenDay: ("grain", "area", "status", "day"),
    StatsReferralCell: ("grain", "period", "area", "category_code", "org_unit_code"),
    StatsDurationBin: ("grain", "period", "area", "measure", "width", "bin"),
    StatsVolunteerCell: ("filed_by_id", "province_code", "period"),
    StatsCoverage: ("subdistrict_code",),
}
FIGURES = {  # a cell table → the columns it sums
    StatsCaseCell: ("n", "satang", "satisfaction_count", "satisfaction_sum", "escalated_open"),
    StatsOpenDay: ("n",),
    StatsReferralCell: ("n", "accepted", "accepted_on_time", "completed", "resolved_on_time", "pending_passed",
                        "open_passed", "current_passed"),
    StatsDurationBin: ("n",),
    StatsVolunteerCell: ("n", "open", "satisfaction_count", "satisfaction_sum"),
    StatsCoverage: ("volunteers",),
}
SPREAD = frozenset({StatsCaseCell, StatsOpenDay, StatsReferralCell, StatsDurationBin})  # a cell: up to `SLOTS` + 1 rows


def written(table: Any) -> tuple[str, ...]:
    """The columns that key a row of `table` as written: the cell's key and its slot if spread."""
    return KEYS[table] + ("slot",) if table in SPREAD else KEYS[table]


def slot(dialect: str) -> int:
    """The slot a transaction adds to: one of `SLOTS` at random on PostgreSQL, where concurrent
    transactions would otherwise wait on each other's rows until each commits; 0 on SQLite."""
    return random.randrange(SLOTS) if dialect == "postgresql" else 0


def correction_slot(dialect: str) -> int:
    """The slot a correction adds to (domain/stats/upkeep.py `collect`): on PostgreSQL one of its
    own, `SLOTS`, which no commit statement writes. A correction is a transaction's second
    statement, made while it holds the cells its commit statement wrote; adding to cells other
    commit statements write, it could wait on one of them while that one waits on a cell it
    holds (a deadlock). Corrections wait only on each other, each taking its cells in one order.
    0 on SQLite (one writer at a time)."""
    return SLOTS if dialect == "postgresql" else 0


OPEN_COLUMNS = tuple(col.name for col in StatsOpenReferral.__table__.c)  # type: ignore[attr-defined]

CELLS = {table: Part(table.__table__, ADD, written(table) + FIGURES[table], written(table))  # type: ignore[attr-defined]
         for table in KEYS}
CLOSED = Part(StatsOpenReferral.__table__, DELETE, ("referral_id",))  # type: ignore[attr-defined]
OPEN = Part(StatsOpenReferral.__table__, REPLACE, OPEN_COLUMNS, ("referral_id",))  # type: ignore[attr-defined]
LAST = Part(StatsLastActivity.__table__, LATEST, ("actor_id", "at"), ("actor_id",))  # type: ignore[attr-defined]
# The calendar key the duration bins are kept for and the deadlines mark: (name, calendar_key, built_at).
STATE = Read(StatsRollupState.__table__, ("name", "calendar_key", "built_at"),  # type: ignore[attr-defined]
             "name", (DURATIONS, MARK))


def add(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Add `rows` (keyed as `written`) to `table`'s cells through SQLAlchemy (a correction, the
    mark's sweep)."""
    if rows:
        connection.execute(upsert(connection.dialect.name, table), rows)


@lru_cache(maxsize=16)
def upsert(dialect: str, table: Any) -> Any:
    """One statement per table and dialect, built once (building it cost more than running it)."""
    t = table.__table__
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(t)
    return stmt.on_conflict_do_update(index_elements=list(written(table)),
                                      set_={name: t.c[name] + stmt.excluded[name] for name in FIGURES[table]})
