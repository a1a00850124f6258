"""The deadlines mark: the referral cells count the open referrals whose running deadline had
passed by a moment, the `built_at` of the `deadlines` row of `stats_rollup_state`.

The workers' `stats.pass_deadlines` sweep moves the mark to now every sweep period, adding to
the cells the deadlines that passed in between (a few rows of `stats_open_referral`, read
through its deadline indexes). An answer adds, live, the deadlines that passed between the mark
and its own "now" (or takes away those after "now" when the mark is ahead of it, as a clock set
back in a test would have it): exact at any moment, and a few rows to read however many
referrals are open. The upkeep (domain/stats/upkeep.py) counts each change against the mark it
reads `FOR SHARE`; moving it holds the row `FOR UPDATE`, so the two never interleave.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.stats import contributions as c
from domain.stats.cell_models import StatsOpenReferral, StatsReferralCell, StatsRollupState
from domain.stats.cell_writes import MARK, slot, upsert
from domain.stats.upkeep import Deltas

DUES = ("pending_due", "open_due", "current_due")


def passed(lo: datetime, hi: datetime) -> list[Any]:
    """For each running deadline (`DUES`, each with its index): it falls in [lo, hi)."""
    t = StatsOpenReferral.__table__  # type: ignore[attr-defined]
    return [and_(t.c[due] >= lo, t.c[due] < hi) for due in DUES]


def between(lo: datetime, hi: datetime) -> Any:
    """Open referrals with a running deadline in [lo, hi)."""
    return or_(*passed(lo, hi))


STEP = 20_000  # open referrals moved in one transaction at most (the mark's row is held meanwhile)


async def _step_end(session: AsyncSession, lo: datetime, hi: datetime, limit: int) -> datetime:
    """Where a forward move from `lo` stops so that it moves about `limit` referrals: the
    `limit`-th running deadline after `lo` (each deadline column read in order through its index)."""
    t = StatsOpenReferral.__table__  # type: ignore[attr-defined]
    dues = union_all(*[select(t.c[due].label("due")).where(t.c[due] >= lo, t.c[due] < hi) for due in DUES]).subquery()
    stmt = select(dues.c.due).order_by(dues.c.due).offset(limit).limit(1)
    end = (await session.execute(stmt)).scalar_one_or_none()
    return hi if end is None or end <= lo else end


async def move(session: AsyncSession, now: datetime, limit: int = STEP) -> tuple[int, bool] | None:
    """Move the mark toward `now`, in the caller's transaction: the deadlines passed between the
    old mark and the new go into the cells. A forward move stops after about `limit` open
    referrals (a database upgraded with the mark in 1970 catches up in steps, none holding the
    mark's row long). Returns (referrals moved, whether the mark reached `now`), or None when
    there is no mark (cells never built)."""
    stmt = select(StatsRollupState).where(StatsRollupState.name == MARK)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    state = (await session.execute(stmt)).scalar_one_or_none()
    if state is None or state.built_at is None:
        return None
    if state.built_at == now:
        return 0, True
    if now > state.built_at:
        lo, sign = state.built_at, 1
        hi = await _step_end(session, lo, now, limit)
    else:  # a clock set back (tests): all at once
        lo, hi, sign = now, state.built_at, -1
    t = StatsOpenReferral.__table__  # type: ignore[attr-defined]
    rows = [dict(r._mapping) for r in await session.execute(select(t).where(between(lo, hi)))]
    deltas = Deltas()
    for row in rows:
        for key, values in c.passed_cells(row, lo, hi, sign):
            deltas.add(StatsReferralCell, key, values)
    dialect = session.get_bind().dialect.name
    cells = deltas.rows(StatsReferralCell, slot(dialect))
    if cells:
        await session.execute(upsert(dialect, StatsReferralCell), cells)
    state.built_at = hi if sign > 0 else now
    await session.flush()
    return len(rows), state.built_at == now
