"""`caseStats` answered from the rollup cells (issue 15; docs/rollups.md), when they can say it.

`answer` returns None when the question cannot be said in cells, and the live path answers:
 - a scope or filter that is not an area (the office, text or filed-by-me filters), a
   sub-district, or grouping by sub-district or escalation level: narrow or rare questions
   that the case table's indexes answer live in milliseconds;
 - referral figures grouped or filtered by case status, case figures by agency or office
   (cells keep referrals by the case's area, type and period, and cases without offices);
 - open cases by age with problem types (open cases are kept by day, without their type);
 - months of districts (districts keep fiscal years and all time; their months are few cases);
 - percentiles other than the nation's or a province's, all time or by whole fiscal years (finer
   duration bins would hold about one value each), and before the bins are built for the
   calendar in force;
 - cells not built yet (a database migrated with cases in it, until `khortor rebuild-stats`).

What moves with "now" is counted live from the few rows it concerns: open cases received on
the days that straddle an age boundary, open referrals whose deadline passed since the
deadlines mark (domain/stats/deadline_mark.py), which the workers move every sweep period. A period
that starts or ends inside a month is counted live for those days (domain/stats/periods.py).
The caller reads everything in one snapshot, so cells and live parts describe one moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases.commands import CaseFilter
from domain.org_units.models import OrgUnit
from domain.stats import contributions as c
from domain.stats import deadline_mark, periods, repository, rules
from domain.stats.cell_models import (StatsCaseCell, StatsDurationBin, StatsOpenDay, StatsOpenReferral,
                                      StatsReferralCell, StatsRollupState)
from domain.stats.durations import Histogram, percentiles
from domain.stats.repository import CaseGroupFigures, Period, ReferralGroupFigures
from domain.stats.rules import CaseDimension, Figure
from domain.stats.cell_writes import DURATIONS, MARK
from domain.statements import Kept
from domain.users.principal import Principal

D = CaseDimension
CELLS = "cells"
_AREA_DIMS = {D.PROVINCE: 2, D.DISTRICT: 4}
_CELL_DIMS = frozenset({D.STATUS, D.CATEGORY, D.PROVINCE, D.DISTRICT, D.FISCAL_YEAR, D.MONTH,
                        D.AGENCY, D.ORG_UNIT})
_COLUMN = {D.STATUS: "status", D.CATEGORY: "category_code", D.ORG_UNIT: "org_unit_code"}
_OPEN_COLUMN = {D.PROVINCE: "province_code", D.DISTRICT: "district_code", D.CATEGORY: "category_code",
                D.ORG_UNIT: "org_unit_code", D.FISCAL_YEAR: "fiscal_year"}
Key = tuple[Any, ...]
# The cells' statements, by everything they are made of (`_grouped`): a dashboard asks the same
# questions again and again, and building the statement cost a fifth of a `caseStats` request.
_KEPT = Kept(most=512)


class Question:
    """What is asked, checked once: its area, the grain of cells that says it, the period's cut."""

    def __init__(self, principal: Principal, f: CaseFilter, dims: Sequence[CaseDimension],
                 figures: frozenset[Figure], period: Period, now: datetime) -> None:
        self.principal, self.f, self.dims, self.figures = principal, f, tuple(dims), figures
        self.period, self.now = period, now
        self.area = self._area()
        deepest = max([len(self.area or "")] + [_AREA_DIMS.get(d, 0) for d in dims])
        self.grain = {0: "N", 2: "P", 4: "D"}.get(deepest, "")
        self.cut = periods.cut(period[0], period[1], months=D.MONTH in dims, years=D.FISCAL_YEAR in dims)
        if self.grain == "D" and D.MONTH not in dims:  # districts keep no month cells: counted live
            self.cut = periods.without_months(self.cut)

    def _area(self) -> str | None:
        """The one area the question is about ("" = the country): scope and filter together."""
        scope = rules.area_scope(self.principal)
        if scope is None:
            return None
        return rules.narrow_area(scope, self.f.area_code) if self.f.area_code else scope

    def why_not(self) -> str | None:
        """Why cells cannot say this question (None: they can)."""
        f, dims, figures = self.f, set(self.dims), self.figures
        if self.area is None or len(self.area) not in (0, 2, 4) or not self.grain:
            return "scope"
        if f.org_unit_code or f.text or f.filed_by_me:
            return "filter"
        if not dims <= _CELL_DIMS:
            return "dimension"
        if figures & rules.REFERRAL_FIGURES and (D.STATUS in dims or f.statuses):
            return "referrals by case status"
        if figures & rules.CASE_FIGURES and dims & rules.REFERRAL_DIMENSIONS:
            return "cases by office"
        if Figure.AGES in figures and (D.CATEGORY in dims or f.category_codes):
            return "ages by problem type"
        if D.MONTH in dims and self.grain == "D":
            return "months of districts"
        if Figure.DURATIONS in figures and (self.grain == "D" or dims - {D.PROVINCE, D.FISCAL_YEAR}
                                            or f.category_codes
                                            or any(lo.startswith("M") for lo, _ in self.cut.cells)):
            return "percentiles other than a nation's or province's by fiscal year"
        return None


async def state(session: AsyncSession, name: str) -> StatsRollupState | None:
    return await session.get(StatsRollupState, name)


async def answer(session: AsyncSession, q: Question, calendar_key: str,
                 ) -> tuple[dict[Key, CaseGroupFigures], dict[Key, ReferralGroupFigures]] | None:
    """The figures from cells (and the few live rows that move with now), or None."""
    if q.why_not() is not None:
        return None
    states = {s.name: s for s in (await session.execute(select(StatsRollupState))).scalars()}
    if CELLS not in states:
        return None
    if Figure.DURATIONS in q.figures:
        durations = states.get(DURATIONS)
        if durations is None or durations.calendar_key != calendar_key:
            return None
    cases: dict[Key, CaseGroupFigures] = {}
    referrals: dict[Key, ReferralGroupFigures] = {}
    if q.figures & rules.CASE_FIGURES:
        cases = await _cases(session, q)
    if q.figures & rules.REFERRAL_FIGURES:
        mark = states.get(MARK)
        if mark is None or mark.built_at is None:
            return None
        referrals = await _referrals(session, q, calendar_key, mark.built_at)
    return cases, referrals


# --- cells ------------------------------------------------------------------------------------------

def _where(q: Question, t: Any) -> list[Any]:
    """The cells of the question's grain, area, period and filters."""
    where = [t.c.grain == q.grain]
    if q.grain == "D" and len(q.area or "") == 2:
        where.append(func.substr(t.c.area, 1, 2) == q.area)
    elif q.grain != "N" and q.area:
        where.append(t.c.area == q.area)
    if "period" in t.c:
        ranges = [t.c.period == lo if lo == hi else and_(t.c.period >= lo, t.c.period < hi)
                  for lo, hi in q.cut.cells]
        where.append(or_(*ranges) if ranges else t.c.period.is_(None))
    if q.f.category_codes and "category_code" in t.c:
        where.append(t.c.category_code.in_(list(q.f.category_codes)))
    if q.f.statuses and "status" in t.c:
        where.append(t.c.status.in_([s.value for s in q.f.statuses]))
    return where


def _columns(q: Question, t: Any) -> list[Any]:
    """What the cells are grouped by for the question's dimensions (periods mapped after)."""
    out = []
    for dim in q.dims:
        if dim is D.PROVINCE:
            out.append(func.substr(t.c.area, 1, 2) if q.grain == "D" else t.c.area)
        elif dim is D.DISTRICT:
            out.append(t.c.area)
        elif dim in (D.MONTH, D.FISCAL_YEAR):
            out.append(t.c.period if "period" in t.c else t.c.day)
        elif dim is D.AGENCY:
            out.append(OrgUnit.agency_code)
        else:
            out.append(t.c[_COLUMN[dim]])
    return out


def _key(q: Question, values: Sequence[Any], by_day: bool = False) -> Key:
    out = []
    for dim, value in zip(q.dims, values, strict=True):
        if dim in (D.MONTH, D.FISCAL_YEAR):
            month = periods.month_of_day(value) if by_day else (value[1:] if value[0] == "M" else None)
            if dim is D.MONTH:
                value = month
            else:
                value = periods.fiscal_year_of_month(month) if month else int(value[1:])
        out.append(value)
    return tuple(out)


def _shape(q: Question) -> tuple[Any, ...]:
    """Everything of a question that `_where` and `_columns` read."""
    return (q.grain, q.area, q.cut.cells, q.dims, q.f.category_codes, q.f.statuses)


async def _grouped(session: AsyncSession, q: Question, t: Any, sums: Callable[[], list[Any]],
                   extra: Sequence[Any] = (), where: Sequence[Any] = (),
                   kept_as: str | None = None) -> list[tuple[Key, Sequence[Any]]]:
    """Sums of cells by the question's groups (and `extra` columns), keyed as the live path keys.
    With `kept_as` (the sums, `extra` and `where` being the same for that name), the statement is
    built once for each shape of question."""
    def build() -> Any:
        cols = _columns(q, t) + list(extra)
        stmt = select(*cols, *sums()).where(*_where(q, t), *where)
        if D.AGENCY in q.dims:
            stmt = stmt.join(OrgUnit, OrgUnit.code == t.c.org_unit_code)  # type: ignore[arg-type]
        return stmt.group_by(*cols) if cols else stmt

    stmt = build() if kept_as is None else _KEPT.get((kept_as, *_shape(q)), build)
    n, k = len(q.dims), len(q.dims) + len(extra)  # `_columns` gives one column per dimension
    return [(_key(q, row[:n]), row[n:]) for row in (await session.execute(stmt)).all() if any(row[k:])]


# --- cases ------------------------------------------------------------------------------------------

async def _cases(session: AsyncSession, q: Question) -> dict[Key, CaseGroupFigures]:
    t = StatsCaseCell.__table__  # type: ignore[attr-defined]

    def sums() -> list[Any]:
        is_open = t.c.status.in_(sorted(c.OPEN_CASES))
        return [func.sum(t.c[v]) for v in ("n", "satang", "satisfaction_count", "satisfaction_sum",
                                           "escalated_open")] + [func.sum(case((is_open, t.c.n), else_=0))]

    out: dict[Key, CaseGroupFigures] = {}
    open_total: dict[Key, int] = {}
    for key, (n, satang, sat_n, sat_sum, escalated, opened) in await _grouped(session, q, t, sums,
                                                                               kept_as="cases"):
        g = out.setdefault(key, CaseGroupFigures())
        g.case_count += int(n)
        g.amount_recovered_thb += Decimal(int(satang)) / 100
        g.satisfaction_count += int(sat_n)
        g.satisfaction_sum += int(sat_sum)
        g.escalated_open += int(escalated)
        open_total[key] = open_total.get(key, 0) + int(opened)
    if Figure.AGES in q.figures:
        await _ages(session, q, out, open_total)
    for start, end in q.cut.live:  # the period's partial months
        _add_cases(out, await repository.case_group_figures(session, q.principal, q.f, q.dims, q.now, (start, end)))
    for g in out.values():
        g.amount_recovered_thb = g.amount_recovered_thb.quantize(Decimal("0.01"))
    return out


def _add_cases(out: dict[Key, CaseGroupFigures], more: dict[Key, CaseGroupFigures]) -> None:
    for key, m in more.items():
        g = out.setdefault(key, CaseGroupFigures())
        g.case_count += m.case_count
        g.open_by_age = tuple(a + b for a, b in zip(g.open_by_age, m.open_by_age, strict=True))  # type: ignore[assignment]
        g.amount_recovered_thb += m.amount_recovered_thb
        g.satisfaction_sum += m.satisfaction_sum
        g.satisfaction_count += m.satisfaction_count
        g.escalated_open += m.escalated_open


async def _ages(session: AsyncSession, q: Question, out: dict[Key, CaseGroupFigures],
                open_total: dict[Key, int]) -> None:
    """Open cases by age in the cells' part of the period: whole days from `stats_open_day`,
    the days holding an age boundary case by case, everything older than 60 days by difference."""
    bounds = rules.age_bounds(q.now)
    straddling = sorted({c.local_day(b) for b in bounds})
    whole_start, whole_end = q.cut.whole
    if not q.cut.cells:
        return
    t = StatsOpenDay.__table__  # type: ignore[attr-defined]
    lo = max([straddling[0]] + ([c.local_day(whole_start)] if whole_start else []))
    stmt_extra = [t.c.day]
    where_days = [t.c.day >= lo, t.c.day.not_in(straddling)]
    if whole_end is not None:
        where_days.append(t.c.day < c.local_day(whole_end))
    if not {D.MONTH, D.FISCAL_YEAR} & set(q.dims):  # the day's bucket in SQL: a few rows back
        # a day after the one holding a boundary lies wholly after it (see `rules.age_bounds`)
        s7, s30 = (c.local_day(b) for b in bounds[:2])
        stmt_extra = [case((t.c.day > s7, -1), (t.c.day > s30, -2), else_=-3)]
    cols = _columns(q, t) + stmt_extra
    stmt = select(*cols, func.sum(t.c.n)).where(*_where(q, t), *where_days).group_by(*cols)
    counted: dict[Key, list[int]] = {}
    n = len(q.dims)
    for row in (await session.execute(stmt)).all():
        key = _key(q, row[:n], by_day=True)
        if row[n] < 0:
            bucket = -row[n] - 1
        else:
            begin = periods.day_start(row[n])
            bucket = next((i for i, bound in enumerate(bounds) if begin > bound), len(bounds))
        counted.setdefault(key, [0, 0, 0, 0])[bucket] += int(row[n + 1])
    windows = []
    for day in straddling:
        begin = periods.day_start(day)
        window = (max(begin, whole_start) if whole_start else begin,
                  min(begin + timedelta(days=1), whole_end) if whole_end else begin + timedelta(days=1))
        if window[0] < window[1]:
            windows.append(window)
    live = await repository.open_case_ages(session, q.principal, q.f, q.dims, q.now, windows)
    for key, buckets in live.items():
        ages = counted.setdefault(key, [0, 0, 0, 0])
        for i in range(3):
            ages[i] += buckets[i]
    for key, total in open_total.items():
        ages = counted.get(key, [0, 0, 0, 0])
        g = out.setdefault(key, CaseGroupFigures())
        g.open_by_age = (ages[0], ages[1], ages[2], total - ages[0] - ages[1] - ages[2])


# --- referrals --------------------------------------------------------------------------------------

async def _referrals(session: AsyncSession, q: Question, calendar_key: str,
                     mark: datetime) -> dict[Key, ReferralGroupFigures]:
    t = StatsReferralCell.__table__  # type: ignore[attr-defined]
    names = ("n", "accepted", "accepted_on_time", "completed", "resolved_on_time", "pending_passed",
             "open_passed", "current_passed")
    out: dict[Key, ReferralGroupFigures] = {}
    now = Figure.NOW in q.figures
    for key, v in await _grouped(session, q, t, lambda: [func.sum(t.c[x]) for x in names], kept_as="referrals"):
        g = out.setdefault(key, ReferralGroupFigures())
        g.referral_count += int(v[0])
        g.accepted_on_time += int(v[2])
        g.accept_counted += int(v[1]) + (int(v[5]) if now else 0)
        g.resolved_on_time += int(v[4])
        g.resolve_counted += int(v[3]) + (int(v[6]) if now else 0)
        g.overdue += int(v[7]) if now else 0
    if now and q.cut.cells and mark != q.now:  # the deadlines that passed between the mark and now
        for key, (pending, opened, current) in (await _passed_since(session, q, mark)).items():
            g = out.setdefault(key, ReferralGroupFigures())
            g.accept_counted += pending
            g.resolve_counted += opened
            g.overdue += current
    histograms: dict[tuple[Key, str], Histogram] = {}
    if Figure.DURATIONS in q.figures:
        await _coarse(session, q, histograms)
    for start, end in q.cut.live:
        live = await repository.referral_group_figures(session, q.principal, q.f, q.dims, q.now, calendar_key,
                                                       (start, end), with_percentiles=False)
        for key, m in live.items():
            g = out.setdefault(key, ReferralGroupFigures())
            for name in ("referral_count", "accepted_on_time", "accept_counted", "resolved_on_time",
                         "resolve_counted", "overdue"):
                setattr(g, name, getattr(g, name) + getattr(m, name))
        if Figure.DURATIONS in q.figures:
            values = await repository.duration_values(session, q.principal, q.f, q.dims, calendar_key, (start, end))
            for key, (accept, resolve) in values.items():
                histograms.setdefault((key, "A"), Histogram()).add_values(accept)
                histograms.setdefault((key, "R"), Histogram()).add_values(resolve)
    if Figure.DURATIONS in q.figures:
        await _fine(session, q, histograms)
        for (key, measure), h in histograms.items():
            p50, p90 = percentiles(h)
            g = out.setdefault(key, ReferralGroupFigures())
            if measure == "A":
                g.accept_p50, g.accept_p90 = p50, p90
            else:
                g.resolve_p50, g.resolve_p90 = p50, p90
    return out


async def _passed_since(session: AsyncSession, q: Question, mark: datetime) -> dict[Key, tuple[int, int, int]]:
    """Open referrals in the cells' part whose deadline passed between the mark and now (taken
    away when now is before the mark): a few rows, read through the deadlines' indexes on
    `stats_open_referral`."""
    t = StatsOpenReferral.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    keys: list[Any] = []
    for dim in q.dims:
        if dim is D.AGENCY:
            keys.append(OrgUnit.agency_code)
        elif dim is D.MONTH:
            keys.append(repository._month(t.c.received_at, dialect))
        else:
            keys.append(t.c[_OPEN_COLUMN[dim]])
    lo, hi, sign = (mark, q.now, 1) if q.now > mark else (q.now, mark, -1)
    passed = deadline_mark.passed(lo, hi)
    where = [or_(*passed)]
    if q.area:
        where.append((t.c.province_code if len(q.area) == 2 else t.c.district_code) == q.area)
    if q.f.category_codes:
        where.append(t.c.category_code.in_(list(q.f.category_codes)))
    start, end = q.cut.whole
    if start is not None:
        where.append(t.c.received_at >= start)
    if end is not None:
        where.append(t.c.received_at < end)
    stmt = select(*keys, *[repository.sum_if(p) for p in passed]).where(*where)
    if D.AGENCY in q.dims:
        stmt = stmt.join(OrgUnit, OrgUnit.code == t.c.org_unit_code)  # type: ignore[arg-type]
    if keys:
        stmt = stmt.group_by(*keys)
    n = len(keys)
    return {tuple(row[:n]): (sign * int(row[n]), sign * int(row[n + 1]), sign * int(row[n + 2]))
            for row in (await session.execute(stmt)).all()}


async def _coarse(session: AsyncSession, q: Question, histograms: dict[tuple[Key, str], Histogram]) -> None:
    t = StatsDurationBin.__table__  # type: ignore[attr-defined]
    for key, row in await _grouped(session, q, t, lambda: [func.sum(t.c.n)], extra=[t.c.measure, t.c.bin],
                                   where=[t.c.width == "C"], kept_as="coarse"):
        measure, bin_, n = row
        histograms.setdefault((key, measure), Histogram()).add_coarse(int(bin_), int(n))


async def _fine(session: AsyncSession, q: Question, histograms: dict[tuple[Key, str], Histogram]) -> None:
    """The fine bins of the coarse bins the percentiles fall in (a few per group)."""
    t = StatsDurationBin.__table__  # type: ignore[attr-defined]
    for measure in ("A", "R"):
        needed = sorted({b for (_, m), h in histograms.items() if m == measure for b in h.needed()})
        if not needed:
            continue
        per = c.COARSE_SECONDS // c.FINE_SECONDS
        ranges = or_(*[and_(t.c.bin >= b * per, t.c.bin < (b + 1) * per) for b in needed])
        for key, (bin_, n) in await _grouped(session, q, t, lambda: [func.sum(t.c.n)], extra=[t.c.bin],
                                             where=[t.c.width == "F", t.c.measure == measure, ranges]):
            h = histograms.get((key, measure))
            if h is not None:
                h.add_fine(int(bin_), int(n))
