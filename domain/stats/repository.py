"""All SQL of the dashboards (convention 3).

Case scope always comes from `domain.cases.repository.visibility(principal)` and the case
filter from the same function `cases` uses, so a figure never counts a case its reader
could not list. Business time is computed in SQL with the `stats_calendar_day` table
(see `rules.office_seconds`), rows of the calendar in force chosen by its key; percentiles run in SQL on PostgreSQL and in Python on SQLite,
with the same formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (BigInteger, ColumnElement, Float, Integer, Select, String, and_, case, cast, func,
                        or_, select, text)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import literal_column

from domain.areas.models import Area
from domain.cases.commands import CaseFilter
from domain.cases.models import Case, Referral
from domain.cases.repository import filtered, visibility  # the one filter `cases` uses
from domain.cases.state import OPEN_CASE_STATUSES, OPEN_REFERRAL_STATUSES, ReferralStatus
from domain.categories.models import Category
from domain.org_units.models import Agency, OrgUnit
from domain.stats import rules
from domain.stats.models import StatsCalendarDay
from domain.stats.rules import CalendarDay, CaseDimension
from domain.users.principal import Principal

_DAY = 86400
# Sorting a million referrals into groups for the percentiles needs more than the default
# 4 MB of sort memory (measured: 6.9 s with 4 MB, 3.8 s with 64 MB on 1M cases); per query.
PG_WORK_MEM = "64MB"
_OFFICE = rules.OFFICE_DAY_SECONDS
_OPENS = rules.OFFICE_OPENS_SECOND


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


# --- the business-day table ----------------------------------------------------------------

async def calendar_days_stored(session: AsyncSession, key: str) -> int:
    stmt = select(func.count()).select_from(StatsCalendarDay).where(StatsCalendarDay.calendar_key == key)
    return int((await session.execute(stmt)).scalar_one())


async def add_calendar(session: AsyncSession, key: str, days: Sequence[CalendarDay]) -> None:
    """Store one calendar's days under its key; rows already there are left alone (the same
    key always means the same days), so two processes may do it at once."""
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    values = [{"calendar_key": key, "day_number": d.day_number,
               "business_days_before": d.business_days_before, "is_business": d.is_business}
              for d in days]
    for start in range(0, len(values), 2000):
        await session.execute(insert(StatsCalendarDay).values(values[start:start + 2000])
                              .on_conflict_do_nothing(index_elements=["calendar_key", "day_number"]))


# --- expressions ------------------------------------------------------------------------------

def _local_seconds(column: Any, dialect: str) -> ColumnElement[int]:
    """Whole seconds since 1970-01-01 00:00 Bangkok time (UTC+7, no daylight saving)."""
    if dialect == "postgresql":
        seconds: ColumnElement[int] = cast(func.floor(func.extract("epoch", column)), BigInteger)
    else:
        seconds = cast(func.strftime("%s", column), Integer)
    return seconds + rules.BANGKOK_OFFSET_SECONDS


def _office_seconds(local: ColumnElement[int], day: Any) -> ColumnElement[int]:
    """`rules.office_seconds` in SQL, `day` being the joined calendar row of `local`."""
    second = local % _DAY
    into = case((second <= _OPENS, 0), (second >= _OPENS + _OFFICE, _OFFICE), else_=second - _OPENS)
    return day.business_days_before * _OFFICE + case((day.is_business, into), else_=0)


def _month(column: Any, dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Bangkok", column), "YYYY-MM", type_=String)
    return func.strftime("%Y-%m", column, "+7 hours")


_CASE_COLUMNS: dict[CaseDimension, Any] = {
    CaseDimension.STATUS: Case.status,
    CaseDimension.CATEGORY: Case.category_code,
    CaseDimension.PROVINCE: Case.province_code,
    CaseDimension.DISTRICT: Case.district_code,
    CaseDimension.SUBDISTRICT: Case.subdistrict_code,
    CaseDimension.ESCALATION_LEVEL: Case.escalation_level,
    CaseDimension.FISCAL_YEAR: Case.fiscal_year,
}


def _case_dimension(dim: CaseDimension, dialect: str) -> ColumnElement[Any]:
    """The grouping expression of a case dimension (not AGENCY or ORG_UNIT: those are referrals')."""
    if dim is CaseDimension.MONTH:
        return _month(Case.received_at, dialect)
    column: ColumnElement[Any] = _CASE_COLUMNS[dim]
    return column


def _group_key(expr: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """Codes compare byte-wise on PostgreSQL: a locale-aware sort of a million keys costs seconds."""
    if dialect == "postgresql" and isinstance(expr.type, String):
        return expr.collate("C")
    return expr


async def _tune(session: AsyncSession) -> None:
    if _dialect(session) == "postgresql":
        await session.execute(text(f"SET LOCAL work_mem = '{PG_WORK_MEM}'"))


def scoped(stmt: Select[Any], principal: Principal, f: CaseFilter) -> Select[Any]:
    return filtered(stmt.where(visibility(principal)), f, principal)  # type: ignore[arg-type]


Period = tuple[datetime | None, datetime | None]
NO_PERIOD: Period = (None, None)


def in_period(stmt: Select[Any], period: Period) -> Select[Any]:
    """Only cases received from `period[0]` (inclusive) until `period[1]` (exclusive)."""
    start, end = period
    if start is not None:
        stmt = stmt.where(Case.received_at >= start)  # type: ignore[operator]
    if end is not None:
        stmt = stmt.where(Case.received_at < end)  # type: ignore[operator]
    return stmt


def sum_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- caseStats ----------------------------------------------------------------------------------

@dataclass
class CaseGroupFigures:
    case_count: int = 0
    open_by_age: tuple[int, int, int, int] = (0, 0, 0, 0)
    amount_recovered_thb: Decimal = Decimal(0)
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    escalated_open: int = 0


@dataclass
class ReferralGroupFigures:
    referral_count: int = 0
    accepted_on_time: int = 0
    accept_counted: int = 0
    resolved_on_time: int = 0
    resolve_counted: int = 0
    overdue: int = 0
    # In office seconds; filled in SQL (PostgreSQL) or from `durations` (SQLite).
    accept_p50: float | None = None
    accept_p90: float | None = None
    resolve_p50: float | None = None
    resolve_p90: float | None = None


async def case_group_figures(session: AsyncSession, principal: Principal, f: CaseFilter,
                             dims: Sequence[CaseDimension], now: datetime, period: Period = NO_PERIOD,
                             ) -> dict[tuple[Any, ...], CaseGroupFigures]:
    dialect = _dialect(session)
    keys: list[ColumnElement[Any]] = []
    legs = None
    if rules.REFERRAL_DIMENSIONS & set(dims):
        # Each case once per office (or agency) it was sent to.
        leg_cols: list[Any] = [Referral.case_id]
        if CaseDimension.ORG_UNIT in dims:
            leg_cols.append(Referral.org_unit_code.label("org_unit_code"))  # type: ignore[attr-defined]
        if CaseDimension.AGENCY in dims:
            leg_cols.append(OrgUnit.agency_code.label("agency_code"))  # type: ignore[attr-defined]
        legs = (select(*leg_cols).select_from(Referral)
                .join(OrgUnit, OrgUnit.code == Referral.org_unit_code).distinct().subquery("legs"))
    for dim in dims:
        if dim is CaseDimension.ORG_UNIT:
            keys.append(legs.c.org_unit_code)  # type: ignore[union-attr]
        elif dim is CaseDimension.AGENCY:
            keys.append(legs.c.agency_code)  # type: ignore[union-attr]
        else:
            keys.append(_case_dimension(dim, dialect))
    keys = [_group_key(k, dialect) for k in keys]
    b7, b30, b60 = rules.age_bounds(now)
    is_open = Case.status.in_(OPEN_CASE_STATUSES)  # type: ignore[attr-defined]
    received = Case.received_at
    if dialect == "postgresql":
        amount: ColumnElement[Any] = func.coalesce(func.sum(Case.amount_recovered_thb), 0)
    else:  # SQLite has no decimal type: add whole satang, exactly
        amount = func.coalesce(func.sum(cast(func.round(Case.amount_recovered_thb * 100), Integer)), 0)
    stmt = select(
        *keys, func.count(),
        sum_if(and_(is_open, received > b7)),  # type: ignore[operator]
        sum_if(and_(is_open, received <= b7, received > b30)),  # type: ignore[operator]
        sum_if(and_(is_open, received <= b30, received > b60)),  # type: ignore[operator]
        sum_if(and_(is_open, received <= b60)),  # type: ignore[operator]
        amount,
        func.coalesce(func.sum(Case.satisfaction), 0), func.count(Case.satisfaction),
        sum_if(and_(is_open, Case.escalation_level > 0)),  # type: ignore[operator]
    ).select_from(Case)
    if legs is not None:
        stmt = stmt.outerjoin(legs, legs.c.case_id == Case.id)
    stmt = in_period(scoped(stmt, principal, f), period)
    if keys:
        stmt = stmt.group_by(*keys)
    out: dict[tuple[Any, ...], CaseGroupFigures] = {}
    n = len(keys)
    await _tune(session)
    for row in (await session.execute(stmt)).all():
        if row[n] == 0:
            continue  # the empty group of an ungrouped query over no cases
        raw = row[n + 5]
        money = Decimal(raw) if dialect == "postgresql" else Decimal(int(raw)) / 100
        out[tuple(row[:n])] = CaseGroupFigures(
            case_count=int(row[n]), open_by_age=(int(row[n + 1]), int(row[n + 2]),
                                                 int(row[n + 3]), int(row[n + 4])),
            amount_recovered_thb=money.quantize(Decimal("0.01")),
            satisfaction_sum=int(row[n + 6]), satisfaction_count=int(row[n + 7]),
            escalated_open=int(row[n + 8]))
    return out


async def open_case_ages(session: AsyncSession, principal: Principal, f: CaseFilter,
                         dims: Sequence[CaseDimension], now: datetime,
                         windows: Sequence[tuple[datetime, datetime]]) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Open cases received in any of `windows` (a few days), by age as of `now`: the rollups'
    days that straddle an age boundary (read through the partial index on open cases)."""
    if not windows:
        return {}
    dialect = _dialect(session)
    keys = [_group_key(_case_dimension(dim, dialect), dialect) for dim in dims]
    b7, b30, b60 = rules.age_bounds(now)
    received = Case.received_at
    stmt = select(*keys, sum_if(received > b7), sum_if(and_(received <= b7, received > b30)),  # type: ignore[operator]
                  sum_if(and_(received <= b30, received > b60)), sum_if(received <= b60)).where(  # type: ignore[operator]
        Case.status.in_(OPEN_CASE_STATUSES),  # type: ignore[attr-defined]
        or_(*[and_(received >= a, received < b) for a, b in windows]))  # type: ignore[operator]
    stmt = scoped(stmt, principal, f)
    if keys:
        stmt = stmt.group_by(*keys)
    n = len(keys)
    return {tuple(row[:n]): tuple(int(v) for v in row[n:]) for row in (await session.execute(stmt)).all()
            if any(row[n:])}


def _referral_base(session: AsyncSession, principal: Principal, f: CaseFilter,
                   dims: Sequence[CaseDimension], calendar_key: str, period: Period = NO_PERIOD) -> tuple[Select[Any], list[ColumnElement[Any]],
                                                            ColumnElement[Any], ColumnElement[Any]]:
    """Referrals of the cases in scope, with group keys and office-time durations."""
    dialect = _dialect(session)
    keys: list[ColumnElement[Any]] = []
    for dim in dims:
        if dim is CaseDimension.ORG_UNIT:
            keys.append(Referral.org_unit_code)  # type: ignore[arg-type]
        elif dim is CaseDimension.AGENCY:
            keys.append(OrgUnit.agency_code)  # type: ignore[arg-type]
        else:
            keys.append(_case_dimension(dim, dialect))
    keys = [_group_key(k, dialect) for k in keys]
    made, accepted, done = (aliased(StatsCalendarDay, name=n) for n in ("cal_made", "cal_accepted", "cal_done"))
    made_l = _local_seconds(Referral.created_at, dialect)
    accepted_l = _local_seconds(Referral.accepted_at, dialect)
    done_l = _local_seconds(Referral.completed_at, dialect)
    start = _office_seconds(made_l, made)
    to_accept = _office_seconds(accepted_l, accepted) - start
    to_resolve = _office_seconds(done_l, done) - start
    stmt = (select().select_from(Referral)
            .join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
            .outerjoin(made, and_(made.calendar_key == calendar_key, made.day_number == made_l // _DAY))
            .outerjoin(accepted, and_(accepted.calendar_key == calendar_key,
                                      accepted.day_number == accepted_l // _DAY))
            .outerjoin(done, and_(done.calendar_key == calendar_key, done.day_number == done_l // _DAY)))
    if CaseDimension.AGENCY in dims:
        stmt = stmt.join(OrgUnit, OrgUnit.code == Referral.org_unit_code)  # type: ignore[arg-type]
    return in_period(scoped(stmt, principal, f), period), keys, to_accept, to_resolve


async def referral_group_figures(session: AsyncSession, principal: Principal, f: CaseFilter,
                                 dims: Sequence[CaseDimension], now: datetime, calendar_key: str,
                                 period: Period = NO_PERIOD, with_percentiles: bool = True,
                                 ) -> dict[tuple[Any, ...], ReferralGroupFigures]:
    dialect = _dialect(session)
    base, keys, to_accept, to_resolve = _referral_base(session, principal, f, dims, calendar_key, period)
    accepted_on_time = and_(Referral.accepted_at.is_not(None),  # type: ignore[union-attr]
                            Referral.accepted_at <= Referral.accept_due_at)  # type: ignore[operator]
    accept_counted = or_(Referral.accepted_at.is_not(None),  # type: ignore[union-attr]
                         and_(Referral.status == ReferralStatus.PENDING, Referral.accept_due_at < now))
    resolved_on_time = and_(Referral.completed_at.is_not(None),  # type: ignore[union-attr]
                            Referral.completed_at <= Referral.resolve_due_at)  # type: ignore[operator]
    resolve_counted = or_(Referral.completed_at.is_not(None),  # type: ignore[union-attr]
                          and_(Referral.status.in_(OPEN_REFERRAL_STATUSES),  # type: ignore[attr-defined]
                               Referral.resolve_due_at < now))
    # Overdue now: the running deadline of a current leg has passed (the desk's `overdue` filter).
    overdue = and_(Referral.is_current, Referral.next_due_at.is_not(None),  # type: ignore[union-attr]
                   Referral.next_due_at < now)  # type: ignore[operator]
    figures: list[ColumnElement[Any]] = [
        func.count(), sum_if(accepted_on_time), sum_if(accept_counted),
        sum_if(resolved_on_time), sum_if(resolve_counted), sum_if(overdue)]
    in_sql = dialect == "postgresql" and with_percentiles
    if in_sql:  # one sort per measure for both fractions
        fractions = literal_column("ARRAY[0.5, 0.9]::float8[]", type_=ARRAY(Float))
        figures += [func.percentile_cont(fractions, type_=ARRAY(Float)).within_group(d)
                    for d in (to_accept, to_resolve)]
    stmt = base.with_only_columns(*keys, *figures)
    if keys:
        stmt = stmt.group_by(*keys)
    n = len(keys)
    out: dict[tuple[Any, ...], ReferralGroupFigures] = {}
    await _tune(session)
    for row in (await session.execute(stmt)).all():
        if row[n] == 0:
            continue
        g = ReferralGroupFigures(int(row[n]), int(row[n + 1]), int(row[n + 2]),
                                 int(row[n + 3]), int(row[n + 4]), int(row[n + 5]))
        if in_sql:
            g.accept_p50, g.accept_p90 = row[n + 6] or (None, None)
            g.resolve_p50, g.resolve_p90 = row[n + 7] or (None, None)
        out[tuple(row[:n])] = g
    if with_percentiles and not in_sql:
        for key, (accept, resolve) in (await _durations(session, base, keys, to_accept, to_resolve)).items():
            g = out[key]
            accept.sort()
            resolve.sort()
            g.accept_p50, g.accept_p90 = rules.median(accept), rules.percentile_cont(accept, 0.9)
            g.resolve_p50, g.resolve_p90 = rules.median(resolve), rules.percentile_cont(resolve, 0.9)
    return out


async def duration_values(session: AsyncSession, principal: Principal, f: CaseFilter,
                          dims: Sequence[CaseDimension], calendar_key: str, period: Period,
                          ) -> dict[tuple[Any, ...], tuple[list[int], list[int]]]:
    """Every office time to accept and to resolve, by group (the rollups' partial months)."""
    base, keys, to_accept, to_resolve = _referral_base(session, principal, f, dims, calendar_key, period)
    return await _durations(session, base, keys, to_accept, to_resolve)


async def _durations(session: AsyncSession, base: Select[Any], keys: list[ColumnElement[Any]],
                     to_accept: ColumnElement[Any], to_resolve: ColumnElement[Any],
                     ) -> dict[tuple[Any, ...], tuple[list[int], list[int]]]:
    stmt = base.with_only_columns(*keys, to_accept, to_resolve).where(
        or_(Referral.accepted_at.is_not(None), Referral.completed_at.is_not(None)))  # type: ignore[union-attr]
    out: dict[tuple[Any, ...], tuple[list[int], list[int]]] = {}
    n = len(keys)
    for row in (await session.execute(stmt)).all():
        accept, resolve = out.setdefault(tuple(row[:n]), ([], []))
        if row[n] is not None:
            accept.append(int(row[n]))
        if row[n + 1] is not None:
            resolve.append(int(row[n + 1]))
    return out


# --- names for labels -------------------------------------------------------------------------

async def names(session: AsyncSession, model: Any, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    wanted = sorted({c for c in codes if c is not None})
    if not wanted:
        return {}
    stmt = select(model.code, model.name_th, model.name_en).where(model.code.in_(wanted))
    return {r[0]: (r[1], r[2]) for r in (await session.execute(stmt)).all()}


async def category_names(session: AsyncSession, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    return await names(session, Category, codes)


async def agency_names(session: AsyncSession, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    return await names(session, Agency, codes)


async def org_unit_names(session: AsyncSession, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    return await names(session, OrgUnit, codes)


async def area_names(session: AsyncSession, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    return await names(session, Area, codes)
