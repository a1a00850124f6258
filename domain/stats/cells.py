"""Case cells (issue 15, docs/rollups.md): the case figures of the dashboards, summed ahead.

Every change of a case adds its new contribution to its cells and takes its old one away,
in the same flush (`upkeep`, a `before_flush` hook that domain/bootstrap.py gives every
database), so the cells are exact whenever the transaction commits, and roll back with it.
`rebuild` makes them again from the case table (`khortor rebuild-stats`). `case_figures`
answers `caseStats`' case half from them when the question can be said in cells, else None
(the live path answers): a mentor's scope, the office, text and filed-by-me filters, and a
period that does not start and end on Bangkok month boundaries are not.

Open cases are kept by their Bangkok day of receipt, because their age is asked as of now;
the (at most three) days that straddle an age boundary are counted live, case by case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, delete, func, insert, literal, select
from sqlalchemy import inspect as orm_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from domain.cases.commands import CaseFilter
from domain.cases.models import Case
from domain.cases.state import OPEN_CASE_STATUSES
from domain.stats import rules
from domain.stats.models import StatsCaseCell
from domain.stats.repository import CaseGroupFigures, Period, case_group_figures
from domain.stats.rules import CaseDimension
from domain.users.principal import Principal

GRAINS = (("P", 2), ("D", 4), ("S", 6))
OPEN = frozenset(s.value for s in OPEN_CASE_STATUSES)
BANGKOK = timedelta(hours=7)
FIELDS = ("province_code", "district_code", "subdistrict_code", "category_code", "status",
          "escalation_level", "fiscal_year", "received_at", "amount_recovered_thb", "satisfaction")
KEY = ("grain", "area_code", "category_code", "status", "escalation_level", "fiscal_year", "month", "day")
VALUES = ("case_count", "recovered_satang", "satisfaction_count", "satisfaction_sum")
EXPRESSIBLE = frozenset({CaseDimension.STATUS, CaseDimension.CATEGORY, CaseDimension.PROVINCE,
                         CaseDimension.DISTRICT, CaseDimension.SUBDISTRICT,
                         CaseDimension.ESCALATION_LEVEL, CaseDimension.FISCAL_YEAR, CaseDimension.MONTH})
_table = StatsCaseCell.__table__  # type: ignore[attr-defined]


# --- upkeep ---------------------------------------------------------------------------------------

def _cells(values: dict[str, Any], sign: int) -> Iterable[tuple[tuple[Any, ...], tuple[int, ...]]]:
    local = values["received_at"].astimezone(UTC) + BANGKOK
    day = local.strftime("%Y-%m-%d") if values["status"] in OPEN else ""
    amount = values["amount_recovered_thb"]
    satang = int((Decimal(amount) * 100).to_integral_value()) if amount is not None else 0
    satisfaction = values["satisfaction"]
    figures = (sign, sign * satang, sign * (satisfaction is not None), sign * (satisfaction or 0))
    areas = {"P": values["province_code"], "D": values["district_code"], "S": values["subdistrict_code"]}
    for grain, _ in GRAINS:
        yield ((grain, areas[grain], values["category_code"], values["status"],
                int(values["escalation_level"]), int(values["fiscal_year"]), local.strftime("%Y-%m"), day),
               figures)


def _now_values(row: Case) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FIELDS}


def _old_values(row: Case) -> dict[str, Any]:
    attrs = orm_inspect(row).attrs
    old = {}
    for name in FIELDS:
        history = attrs[name].history
        old[name] = history.deleted[0] if history.deleted else getattr(row, name)
    return old


def upkeep(session: Session, _context: Any, _instances: Any) -> None:
    """The flush hook: the cells of every case added or changed in this flush move with it."""
    deltas: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(values: dict[str, Any], sign: int) -> None:
        for key, figures in _cells(values, sign):
            totals = deltas[key]
            for i, value in enumerate(figures):
                totals[i] += value

    for row in session.new:
        if isinstance(row, Case):
            add(_now_values(row), +1)
    for row in session.dirty:
        if isinstance(row, Case) and session.is_modified(row, include_collections=False):
            old, new = _old_values(row), _now_values(row)
            if old != new:
                add(old, -1)
                add(new, +1)
    for row in session.deleted:
        if isinstance(row, Case):
            add(_old_values(row), -1)
    rows = [dict(zip(KEY + VALUES, key + tuple(v), strict=True))
            for key, v in sorted(deltas.items()) if any(v)]  # one order: no deadlock between two
    if rows:
        session.connection().execute(_upsert(session.get_bind().dialect.name), rows)


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    """The one statement of the upkeep, built once per dialect (building it cost more than
    running it)."""
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(_table)
    return stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_={name: _table.c[name] + stmt.excluded[name] for name in VALUES})


# --- rebuild --------------------------------------------------------------------------------------

def _local(column: Any, dialect: str, pattern: str) -> Any:
    if dialect == "postgresql":
        sql = {"%Y-%m": "YYYY-MM", "%Y-%m-%d": "YYYY-MM-DD"}[pattern]
        return func.to_char(func.timezone("Asia/Bangkok", column), sql)
    return func.strftime(pattern, column, "+7 hours")


async def rebuild(session: AsyncSession) -> int:
    """Make every cell again from the case table (in the caller's transaction); the cells."""
    dialect = session.get_bind().dialect.name
    await session.execute(delete(StatsCaseCell))
    is_open = Case.status.in_(sorted(OPEN))  # type: ignore[attr-defined]
    month = _local(Case.received_at, dialect, "%Y-%m")
    day = case((is_open, _local(Case.received_at, dialect, "%Y-%m-%d")), else_="")
    satang = func.coalesce(func.sum(cast(func.round(Case.amount_recovered_thb * 100), BigInteger)), 0)
    for grain, _ in GRAINS:
        area = {"P": Case.province_code, "D": Case.district_code, "S": Case.subdistrict_code}[grain]
        keys = [literal(grain), area, Case.category_code, Case.status, Case.escalation_level,
                Case.fiscal_year, month, day]
        chosen = select(*keys, func.count(), satang, func.count(Case.satisfaction),
                        func.coalesce(func.sum(Case.satisfaction), 0)).group_by(*keys[1:])
        await session.execute(insert(StatsCaseCell).from_select(list(KEY + VALUES), chosen))
    return int((await session.execute(select(func.count()).select_from(StatsCaseCell))).scalar_one())


# --- answers --------------------------------------------------------------------------------------

def _month_start(instant: datetime | None) -> str | None:
    """"YYYY-MM" when `instant` is the first instant of a Bangkok month, else None."""
    if instant is None:
        return None
    local = instant.astimezone(UTC) + BANGKOK
    if (local.day, local.hour, local.minute, local.second, local.microsecond) != (1, 0, 0, 0, 0):
        return None
    return local.strftime("%Y-%m")


def _area(principal: Principal, f: CaseFilter) -> str | None:
    """The one area prefix the question is about ("" = the country), or None if it cannot be
    said as a prefix (a scope other than an area, or a filter outside the scope)."""
    scope = rules.area_scope(principal)
    if scope is None:
        return None
    return rules.narrow_area(scope, f.area_code) if f.area_code else scope


async def case_figures(session: AsyncSession, principal: Principal, f: CaseFilter,
                       dims: Sequence[CaseDimension], now: datetime, period: Period,
                       ) -> dict[tuple[Any, ...], CaseGroupFigures] | None:
    """The case half of `caseStats` from the cells, or None when cells cannot say it."""
    if not set(dims) <= EXPRESSIBLE or f.org_unit_code or f.text or f.filed_by_me:
        return None
    area = _area(principal, f)
    start, end = period
    first, last = _month_start(start), _month_start(end)
    if area is None or (start is not None and first is None) or (end is not None and last is None):
        return None
    needed = max([len(area), 2] + [{CaseDimension.DISTRICT: 4, CaseDimension.SUBDISTRICT: 6}.get(d, 2)
                                   for d in dims])
    grain = next(g for g, n in GRAINS if n >= needed)
    c = _table.c
    group = [_dimension(dim, c) for dim in dims]
    where = [c.grain == grain]
    if area:
        where.append(c.area_code.startswith(area) if len(area) < needed else c.area_code == area)
    if f.statuses:
        where.append(c.status.in_([s.value for s in f.statuses]))
    if f.category_codes:
        where.append(c.category_code.in_(list(f.category_codes)))
    if first is not None:
        where.append(c.month >= first)
    if last is not None:
        where.append(c.month < last)
    is_open = c.status.in_(sorted(OPEN))
    stmt = select(*group, func.sum(c.case_count), func.sum(c.recovered_satang),
                  func.sum(c.satisfaction_count), func.sum(c.satisfaction_sum),
                  func.sum(case((and_(is_open, c.escalation_level > 0), c.case_count), else_=0))
                  ).where(*where)
    if group:
        stmt = stmt.group_by(*group)
    out: dict[tuple[Any, ...], CaseGroupFigures] = {}
    n = len(group)
    for row in (await session.execute(stmt)).all():
        if not row[n]:
            continue
        out[tuple(row[:n])] = CaseGroupFigures(
            case_count=int(row[n]), amount_recovered_thb=(Decimal(int(row[n + 1])) / 100).quantize(Decimal("0.01")),
            satisfaction_count=int(row[n + 2]), satisfaction_sum=int(row[n + 3]), escalated_open=int(row[n + 4]))
    await _open_by_age(session, principal, f, dims, now, period, stmt.where(is_open), group, out, c)
    return out


def _dimension(dim: CaseDimension, c: Any) -> Any:
    if dim is CaseDimension.PROVINCE:
        return func.substr(c.area_code, 1, 2)
    if dim is CaseDimension.DISTRICT:
        return func.substr(c.area_code, 1, 4)
    return {CaseDimension.SUBDISTRICT: c.area_code, CaseDimension.STATUS: c.status,
            CaseDimension.CATEGORY: c.category_code, CaseDimension.ESCALATION_LEVEL: c.escalation_level,
            CaseDimension.FISCAL_YEAR: c.fiscal_year, CaseDimension.MONTH: c.month}[dim]


async def _open_by_age(session: AsyncSession, principal: Principal, f: CaseFilter,
                       dims: Sequence[CaseDimension], now: datetime, period: Period, open_cells: Any,
                       group: list[Any], out: dict[tuple[Any, ...], CaseGroupFigures], c: Any) -> None:
    """Open cases by age: whole days from the cells, the days on a boundary case by case."""
    bounds = rules.age_bounds(now)
    straddling: set[str] = set()
    for bound in bounds:  # the day holding a boundary (even at its very start) is counted live
        straddling.add((bound.astimezone(UTC) + BANGKOK).strftime("%Y-%m-%d"))
    stmt = open_cells.with_only_columns(*group, c.day, func.sum(c.case_count))
    stmt = stmt.where(c.day.not_in(sorted(straddling))).group_by(*group, c.day)
    n = len(group)
    ages: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in (await session.execute(stmt)).all():
        begin = datetime.strptime(row[n], "%Y-%m-%d").replace(tzinfo=UTC) - BANGKOK
        # No boundary falls in this day: it lies wholly after a boundary or wholly before it.
        bucket = next((i for i, bound in enumerate(bounds) if begin > bound), len(bounds))
        ages[tuple(row[:n])][bucket] += int(row[n + 1])
    for day in sorted(straddling):
        begin = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC) - BANGKOK
        window = (max(begin, period[0]) if period[0] else begin,
                  min(begin + timedelta(days=1), period[1]) if period[1] else begin + timedelta(days=1))
        if window[0] >= window[1]:
            continue
        live = await case_group_figures(session, principal, f, dims, now, window)
        for key, figures in live.items():
            for i, count in enumerate(figures.open_by_age):
                ages[key][i] += count
    for key, counts in ages.items():
        if key in out:
            out[key].open_by_age = (counts[0], counts[1], counts[2], counts[3])
