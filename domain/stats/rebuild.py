"""Making the rollup cells again from the case tables (`khortor rebuild-stats`, and the
`stats.rebuild_durations` job after a holiday change): the same sums as domain/stats/upkeep.py,
in SQL, in one pass over the cases and one over the referrals.

Each table is filled at its finest cells (district × month; the duration bins province × month)
from the case tables, then summed up into provinces and the nation, and the months into fiscal
years and all time; the months of districts and of duration bins are then dropped (not kept). The rebuild
holds the rollup tables (PostgreSQL: `LOCK … IN EXCLUSIVE MODE`; SQLite: its write lock), so a
change that commits meanwhile waits and then lands on the rebuilt cells.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (BigInteger, Integer, String, and_, case, cast, delete, func, insert, literal, or_, select,
                        text)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.cases.models import Case, CaseEvent, Referral
from domain.stats import contributions as c
from domain.stats.cell_models import (StatsCaseCell, StatsCoverage, StatsDurationBin, StatsLastActivity,
                                      StatsOpenDay, StatsOpenReferral, StatsReferralCell, StatsRollupState,
                                      StatsVolunteerCell)
from domain.stats.models import StatsCalendarDay
from domain.stats.repository import _local_seconds, _month, _office_seconds
from domain.stats.cell_writes import DURATIONS, FIGURES, KEYS, MARK
from domain.users.models import User

CELL_TABLES = (StatsCaseCell, StatsOpenDay, StatsReferralCell, StatsDurationBin)
TABLES = CELL_TABLES + (StatsOpenReferral, StatsVolunteerCell, StatsLastActivity, StatsCoverage)
_DAY = 86400


def _sum_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _floor_div(x: Any, n: int) -> Any:
    """Floor division of an integer expression on both databases (integer `/` truncates)."""
    return case((x >= 0, x // n), else_=(x - (n - 1)) // n)


async def _lock(session: AsyncSession, tables: tuple[Any, ...]) -> None:
    """The state table first: a change holds its rows `FOR SHARE` (domain/stats/upkeep.py)
    before it writes the cells, so the rebuild waits for it before it takes the cells."""
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(t.__tablename__ for t in tables)
        await session.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


async def _fill(session: AsyncSession, table: Any, chosen: Any) -> None:
    await session.execute(insert(table).from_select(list(KEYS[table] + FIGURES[table]), chosen))


async def _roll_up(session: AsyncSession, table: Any, finest: str = "D") -> None:
    """The finest cells (by month) summed into coarser areas, the months into fiscal years and all
    time; then the months of districts (and of every duration bin) go: those are counted live."""
    t = table.__table__
    keys = [k for k in KEYS[table] if k not in ("grain", "period", "area")]
    sums = [func.sum(t.c[v]) for v in FIGURES[table]]
    has_period = "period" in KEYS[table]
    steps = (("P", "D", func.substr(t.c.area, 1, 2)), ("N", "P", literal("")))
    for grain, source, area in steps[1:] if finest == "P" else steps:
        group = ([t.c.period] if has_period else []) + [area] + [t.c[k] for k in keys]
        cols = [literal(grain)] + group
        await _fill(session, table, select(*cols, *sums).where(t.c.grain == source).group_by(*group))
    if not has_period:
        return
    year = cast(func.substr(t.c.period, 2, 4), Integer) + 543 + case(
        (func.substr(t.c.period, 7, 2) >= "10", 1), else_=0)
    for period in (literal("F") + cast(year, String), literal("A")):
        group = [t.c.grain, period, t.c.area] + [t.c[k] for k in keys]
        await _fill(session, table, select(*group, *sums).where(t.c.period.like("M%")).group_by(*group))
    gone = t.c.period.like("M%") if table is StatsDurationBin else and_(t.c.grain == "D", t.c.period.like("M%"))
    await session.execute(delete(table).where(gone))


async def rebuild(session: AsyncSession, calendar_key: str, now: datetime) -> dict[str, int]:
    """Every cell again, in the caller's transaction; the number of cells of each table."""
    await _lock(session, (StatsRollupState,) + TABLES)
    for table in TABLES:
        await session.execute(delete(table))
    dialect = session.get_bind().dialect.name
    await _cases(session, dialect)
    await _referrals(session, dialect, now)  # the deadlines mark moves to now
    await _open_referrals(session)
    await _volunteers(session, dialect)
    await _fill(session, StatsCoverage, select(User.area_code, func.count()).where(
        User.role == "VOLUNTEER", User.is_active, func.length(User.area_code) == 6).group_by(User.area_code))
    await _durations(session, dialect, calendar_key)
    for table in CELL_TABLES:
        await _roll_up(session, table, finest="P" if table is StatsDurationBin else "D")
    await _set_state(session, DURATIONS, now, calendar_key)
    await _set_state(session, MARK, now)
    return {t.__tablename__: int((await session.execute(select(func.count()).select_from(t))).scalar_one())
            for t in TABLES}


async def rebuild_durations(session: AsyncSession, calendar_key: str, now: datetime) -> int:
    """The duration bins again with another calendar (after a holiday change)."""
    await _lock(session, (StatsRollupState, StatsDurationBin))
    await session.execute(delete(StatsDurationBin))
    await _durations(session, session.get_bind().dialect.name, calendar_key)
    await _roll_up(session, StatsDurationBin, finest="P")
    await _set_state(session, DURATIONS, now, calendar_key)
    return int((await session.execute(select(func.count()).select_from(StatsDurationBin))).scalar_one())


async def durations_calendar(session: AsyncSession) -> str | None:
    stmt = select(StatsRollupState.calendar_key).where(StatsRollupState.name == DURATIONS)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _set_state(session: AsyncSession, name: str, now: datetime, calendar_key: str | None = None) -> None:
    row = await session.get(StatsRollupState, name)
    if row is None:
        session.add(StatsRollupState(name=name, calendar_key=calendar_key, built_at=now))
    else:
        row.calendar_key, row.built_at = calendar_key, now
    await session.flush()


def _month_period(column: Any, dialect: str) -> Any:
    return literal("M") + _month(column, dialect)


async def _cases(session: AsyncSession, dialect: str) -> None:
    is_open = Case.status.in_(sorted(c.OPEN_CASES))  # type: ignore[attr-defined]
    month = _month_period(Case.received_at, dialect)
    group = [month, Case.district_code, Case.category_code, Case.status]
    satang = func.coalesce(func.sum(cast(func.round(Case.amount_recovered_thb * 100), BigInteger)), 0)
    await _fill(session, StatsCaseCell, select(
        literal("D"), *group, func.count(), satang, func.count(Case.satisfaction),
        func.coalesce(func.sum(Case.satisfaction), 0),
        _sum_if(and_(is_open, Case.escalation_level > 0))).group_by(*group))  # type: ignore[operator]
    day = _local_seconds(Case.received_at, dialect) // _DAY  # received_at is after 1970: floor
    group = [Case.district_code, Case.status, day]
    await _fill(session, StatsOpenDay, select(literal("D"), *group, func.count())
                .where(is_open).group_by(*group))


def _running(r: Any) -> tuple[Any, Any, Any]:
    """A referral's running deadlines (acceptance, resolution, its current leg's next), NULL where
    none runs: `contributions.running_deadlines` in SQL."""
    pending = case((and_(r.status == "PENDING", r.accepted_at.is_(None)), r.accept_due_at), else_=None)
    opened = case((and_(r.status.in_(sorted(c.OPEN_REFERRALS)), r.completed_at.is_(None)), r.resolve_due_at),
                  else_=None)
    return pending, opened, case((r.is_current, r.next_due_at), else_=None)


async def _referrals(session: AsyncSession, dialect: str, mark: datetime) -> None:
    r = Referral
    accepted = r.accepted_at.is_not(None)  # type: ignore[union-attr]
    completed = r.completed_at.is_not(None)  # type: ignore[union-attr]
    group = [_month_period(Case.received_at, dialect), Case.district_code, Case.category_code, r.org_unit_code]
    await _fill(session, StatsReferralCell, select(
        literal("D"), *group, func.count(), _sum_if(accepted),
        _sum_if(and_(accepted, r.accepted_at <= r.accept_due_at)),  # type: ignore[operator]
        _sum_if(completed),
        _sum_if(and_(completed, r.completed_at <= r.resolve_due_at)),  # type: ignore[operator]
        *[_sum_if(due < mark) for due in _running(r)],  # deadlines passed by the mark
    ).select_from(r).join(Case, Case.id == r.case_id).group_by(*group))  # type: ignore[arg-type]


async def _volunteers(session: AsyncSession, dialect: str) -> None:
    """Each volunteer's cases by province and month, summed into fiscal years and all time; and
    everyone's last history entry."""
    t = StatsVolunteerCell.__table__  # type: ignore[attr-defined]
    group = [Case.filed_by_id, Case.province_code, _month_period(Case.received_at, dialect)]
    await _fill(session, StatsVolunteerCell, select(
        *group, func.count(), _sum_if(Case.status.in_(sorted(c.OPEN_CASES))),  # type: ignore[attr-defined]
        func.count(Case.satisfaction), func.coalesce(func.sum(Case.satisfaction), 0)).group_by(*group))
    year = cast(func.substr(t.c.period, 2, 4), Integer) + 543 + case(
        (func.substr(t.c.period, 7, 2) >= "10", 1), else_=0)
    sums = [func.sum(t.c[v]) for v in FIGURES[StatsVolunteerCell]]
    for period in (literal("F") + cast(year, String), literal("A")):
        group = [t.c.filed_by_id, t.c.province_code, period]
        await _fill(session, StatsVolunteerCell, select(*group, *sums).where(t.c.period.like("M%")).group_by(*group))
    await session.execute(delete(StatsVolunteerCell).where(t.c.period.like("M%")))  # months: counted live
    await session.execute(insert(StatsLastActivity).from_select(
        ["actor_id", "at"], select(CaseEvent.actor_id, func.max(CaseEvent.at))
        .where(CaseEvent.actor_id.is_not(None)).group_by(CaseEvent.actor_id)))  # type: ignore[union-attr]


async def _open_referrals(session: AsyncSession) -> None:
    r = Referral
    pending, opened, current = _running(r)
    columns = ["referral_id", "province_code", "district_code", "category_code", "org_unit_code", "fiscal_year",
               "received_at", "pending_due", "open_due", "current_due"]
    chosen = (select(r.id, Case.province_code, Case.district_code, Case.category_code, r.org_unit_code,
                     Case.fiscal_year, Case.received_at, pending, opened, current)
              .select_from(r).join(Case, Case.id == r.case_id)  # type: ignore[arg-type]
              .where(or_(pending.is_not(None), opened.is_not(None), current.is_not(None))))
    await session.execute(insert(StatsOpenReferral).from_select(columns, chosen))


async def _durations(session: AsyncSession, dialect: str, calendar_key: str) -> None:
    """Fine bins by province and month from the referrals, coarse bins from the fine ones."""
    r = Referral
    made = aliased(StatsCalendarDay, name="cal_made")
    start = _office_seconds(_local_seconds(r.created_at, dialect), made)
    month = _month_period(Case.received_at, dialect)
    for measure, at in (("A", r.accepted_at), ("R", r.completed_at)):
        end_day = aliased(StatsCalendarDay, name="cal_end")
        local = _local_seconds(at, dialect)
        fine = _floor_div(_office_seconds(local, end_day) - start, c.FINE_SECONDS)
        group = [month, Case.province_code, fine]
        stmt = (select(literal("P"), month, Case.province_code, literal(measure), literal("F"), fine, func.count())
                .select_from(r).join(Case, Case.id == r.case_id)  # type: ignore[arg-type]
                .join(made, and_(made.calendar_key == calendar_key,
                                 made.day_number == _local_seconds(r.created_at, dialect) // _DAY))
                .join(end_day, and_(end_day.calendar_key == calendar_key, end_day.day_number == local // _DAY))
                .where(at.is_not(None)).group_by(*group))  # type: ignore[union-attr]
        await _fill(session, StatsDurationBin, stmt)
    t = StatsDurationBin.__table__  # type: ignore[attr-defined]
    coarse = _floor_div(t.c.bin, c.COARSE_SECONDS // c.FINE_SECONDS)
    group = [t.c.period, t.c.area, t.c.measure, coarse]
    await _fill(session, StatsDurationBin, select(literal("P"), *group[:3], literal("C"), coarse, func.sum(t.c.n))
                .where(t.c.grain == "P", t.c.width == "F").group_by(*group))
