"""All SQL of the network figures (convention 3): volunteer activity, coverage of sub-districts,
routing accuracy, the case rows of an export and the export records. The case figures are in
domain/stats/repository.py; scope comes from the same `visibility(principal)`."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, Select, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.areas.models import Area
from domain.cases.commands import CaseFilter
from domain.cases.models import Case, CaseEvent, Referral
from domain.cases.repository import visibility
from domain.cases.state import OPEN_CASE_STATUSES, ReferralStatus
from domain.stats.models import StatsExport
from domain.stats.repository import scoped, sum_if
from domain.users.models import Role, User
from domain.users.principal import Principal

# --- volunteers --------------------------------------------------------------------------------

@dataclass
class VolunteerFigures:
    user_id: uuid.UUID
    username: str
    display_name: str
    area_code: str | None
    created_at: datetime
    cases_filed: int = 0
    open_cases: int = 0
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    last_activity_at: datetime | None = None


def _volunteers_in_scope(principal: Principal, area: str | None) -> Select[Any]:
    stmt = select(User.id).where(User.role == Role.VOLUNTEER, User.is_active)
    if principal.role is Role.MENTOR:
        stmt = stmt.where(User.mentor_id == principal.user_id)
    if area:
        stmt = stmt.where(User.area_code.startswith(area))  # type: ignore[union-attr]
    return stmt


_DAY_MICROS = 86_400_000_000


def _micros(column: Any, dialect: str) -> ColumnElement[int]:
    """Microseconds since 1970 of a stored instant, exactly (whole days inactive at a day's edge)."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column) * 1_000_000), BigInteger)
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds, then the six digits
    return cast(func.strftime("%s", column), Integer) * 1_000_000 + cast(func.substr(column, 21, 6), Integer)


def last_activity_live(principal: Principal, area: str | None) -> Any:
    """(actor_id, at) of every volunteer in scope's last history entry, from the case history."""
    return (select(CaseEvent.actor_id.label("actor_id"), func.max(CaseEvent.at).label("at"))  # type: ignore[union-attr]
            .where(CaseEvent.actor_id.in_(_volunteers_in_scope(principal, area)))  # type: ignore[union-attr]
            .group_by(CaseEvent.actor_id).subquery())


@dataclass(frozen=True)
class VolunteerOrder:
    """Who is in scope, how many have been inactive for each threshold, and one page of them,
    least recently active first (whole days since the last activity, then username)."""

    volunteer_count: int
    inactive: dict[int, int]
    page: tuple[uuid.UUID, ...]


async def volunteer_order(session: AsyncSession, principal: Principal, area: str | None, last_activity: Any,
                          now: datetime, thresholds: tuple[int, ...], inactive_for_days: int | None,
                          first: int, offset: int) -> VolunteerOrder:
    """Counted and ordered in SQL: `last_activity` is (actor_id, at) rows — the rollups'
    `stats_last_activity` or `last_activity_live`. Inactive for d days: at least d whole days
    since the last activity (since the account was made when there was none)."""
    dialect = session.get_bind().dialect.name
    t = last_activity.c
    since = func.coalesce(t.at, User.created_at)
    joined = (select(User.id).select_from(User).outerjoin(last_activity, t.actor_id == User.id)
              .where(User.id.in_(_volunteers_in_scope(principal, area))))  # type: ignore[attr-defined]
    counts = (await session.execute(joined.with_only_columns(
        func.count(), *[sum_if(since <= now - timedelta(days=d)) for d in thresholds]))).one()
    micros = int((now - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))
    gap = micros - _micros(since, dialect)
    days = case((gap < 0, 0), else_=gap // _DAY_MICROS)
    listed = joined.order_by(days.desc(), User.username).offset(offset).limit(first)
    if inactive_for_days is not None:
        listed = listed.where(since <= now - timedelta(days=inactive_for_days))
    page = tuple((await session.execute(listed)).scalars())
    return VolunteerOrder(int(counts[0]), {d: int(n) for d, n in zip(thresholds, counts[1:], strict=True)}, page)


async def volunteer_figures(session: AsyncSession, principal: Principal, area: str | None,
                            filed_from: datetime | None, filed_to: datetime | None,
                            only: tuple[uuid.UUID, ...] | None = None) -> list[VolunteerFigures]:
    """Every active volunteer in scope (of `only`, when given), with their cases (in the reader's
    case scope) and last activity."""
    ids = _volunteers_in_scope(principal, area)
    if only is not None:
        ids = ids.where(User.id.in_(only))  # type: ignore[attr-defined]
    users = (await session.execute(
        select(User.id, User.username, User.display_name, User.area_code, User.created_at)
        .where(User.id.in_(ids)).order_by(User.username))).all()  # type: ignore[attr-defined]
    out = {u[0]: VolunteerFigures(u[0], u[1], u[2], u[3], u[4]) for u in users}
    if not out:
        return []
    in_period: list[ColumnElement[bool]] = []
    if filed_from is not None:
        in_period.append(Case.received_at >= filed_from)  # type: ignore[arg-type,operator]
    if filed_to is not None:
        in_period.append(Case.received_at < filed_to)  # type: ignore[arg-type,operator]
    filed = sum_if(and_(*in_period)) if in_period else func.count()
    stmt = (select(Case.filed_by_id, filed,
                   sum_if(Case.status.in_(OPEN_CASE_STATUSES)),  # type: ignore[attr-defined]
                   func.coalesce(func.sum(Case.satisfaction), 0), func.count(Case.satisfaction))
            .where(visibility(principal), Case.filed_by_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(Case.filed_by_id))
    for row in (await session.execute(stmt)).all():
        v = out[row[0]]
        v.cases_filed, v.open_cases = int(row[1]), int(row[2])
        v.satisfaction_sum, v.satisfaction_count = int(row[3]), int(row[4])
    last = (select(CaseEvent.actor_id, func.max(CaseEvent.at))
            .where(CaseEvent.actor_id.in_(ids)).group_by(CaseEvent.actor_id))  # type: ignore[union-attr]
    for actor_id, at in (await session.execute(last)).all():
        out[actor_id].last_activity_at = _aware(at)
    return list(out.values())


def _aware(at: Any) -> datetime | None:
    """max() loses the column type on SQLite: parse its text back to an aware UTC datetime."""
    if at is None:
        return None
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at  # type: ignore[no-any-return]


# --- network coverage ----------------------------------------------------------------------------

AREAS_KEPT_SECONDS = 3600.0  # areas change only with `khortor migrate` (the official list), never in use
_areas: dict[tuple[str, str], tuple[float, list[tuple[str, str, str, str | None, str]]]] = {}


async def areas_under(session: AsyncSession, prefix: str) -> list[tuple[str, str, str, str | None, str]]:
    """(code, name_th, name_en, parent_code, level) of every area whose code starts with `prefix`.

    Areas are reference data (8,441 rows, loaded by `khortor migrate`; nobody edits them in the
    product): a process keeps what it read for an hour, so a national coverage question does not
    read them all again (~20 ms)."""
    key = (str(session.get_bind().url), prefix)
    kept = _areas.get(key)
    if kept is not None and time.monotonic() - kept[0] < AREAS_KEPT_SECONDS:
        return kept[1]
    stmt = select(Area.code, Area.name_th, Area.name_en, Area.parent_code, Area.level)
    if prefix:
        stmt = stmt.where(Area.code.startswith(prefix))  # type: ignore[attr-defined]
    rows = [tuple(r) for r in (await session.execute(stmt.order_by(Area.code))).all()]
    _areas[key] = (time.monotonic(), rows)  # type: ignore[assignment]
    return rows  # type: ignore[return-value]


async def covered_subdistricts(session: AsyncSession, prefix: str) -> set[str]:
    """Sub-districts with at least one active volunteer assigned to them."""
    stmt = (select(User.area_code).distinct()
            .where(User.role == Role.VOLUNTEER, User.is_active,
                   func.length(User.area_code) == 6))
    if prefix:
        stmt = stmt.where(User.area_code.startswith(prefix))  # type: ignore[union-attr]
    return {r[0] for r in (await session.execute(stmt)).all()}


# --- routing accuracy ------------------------------------------------------------------------------

async def routing_figures(session: AsyncSession, principal: Principal, f: CaseFilter,
                          ) -> list[tuple[str, str, int, int, int]]:
    """(category, province, referrals, rejected, redirected) for referrals of cases in scope."""
    stmt = scoped(
        select(Case.category_code, Case.province_code, func.count(),
               sum_if(Referral.status == ReferralStatus.REJECTED), sum_if(Referral.status == ReferralStatus.REDIRECTED))
        .select_from(Referral).join(Case, Case.id == Referral.case_id),  # type: ignore[arg-type]
        principal, f).group_by(Case.category_code, Case.province_code)
    return [(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in (await session.execute(stmt)).all()]


async def routing_flows(session: AsyncSession, principal: Principal, f: CaseFilter,
                        ) -> list[tuple[str, str, str, str, str | None, int]]:
    """(category, province, status, from office, to office or None, count) of declined and redirected referrals."""
    successor = aliased(Referral, name="successor")
    stmt = scoped(
        select(Case.category_code, Case.province_code, Referral.status, Referral.org_unit_code,
               successor.org_unit_code, func.count())
        .select_from(Referral).join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
        .outerjoin(successor, and_(successor.predecessor_id == Referral.id,
                                   Referral.status == ReferralStatus.REDIRECTED))
        .where(Referral.status.in_((ReferralStatus.REJECTED, ReferralStatus.REDIRECTED))),  # type: ignore[attr-defined]
        principal, f).group_by(Case.category_code, Case.province_code, Referral.status,
                               Referral.org_unit_code, successor.org_unit_code)
    return [(r[0], r[1], r[2], r[3], r[4], int(r[5])) for r in (await session.execute(stmt)).all()]


# --- case list for export ---------------------------------------------------------------------------

async def count_cases(session: AsyncSession, principal: Principal, f: CaseFilter) -> int:
    inner = scoped(select(Case.id), principal, f)
    return int((await session.execute(select(func.count()).select_from(inner.subquery()))).scalar_one())


async def case_rows_for_export(session: AsyncSession, principal: Principal, f: CaseFilter,
                               ) -> list[tuple[Any, ...]]:
    """Cases in scope, newest first, without any personal data (no citizen, no description)."""
    stmt = scoped(select(
        Case.id, Case.reference, Case.status, Case.category_code, Case.province_code,
        Case.district_code, Case.subdistrict_code, Case.received_at, Case.fiscal_year,
        Case.escalation_level, Case.outcome, Case.amount_recovered_thb, Case.satisfaction,
        Case.resolved_at, Case.closed_at), principal, f)
    stmt = stmt.order_by(Case.received_at.desc(), Case.id.desc())  # type: ignore[attr-defined]
    return [tuple(r) for r in (await session.execute(stmt)).all()]


async def current_offices(session: AsyncSession, principal: Principal, f: CaseFilter,
                          ) -> dict[uuid.UUID, list[str]]:
    stmt = scoped(select(Referral.case_id, Referral.org_unit_code)
                   .select_from(Referral).join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
                   .where(Referral.is_current), principal, f)
    out: dict[uuid.UUID, list[str]] = {}
    for case_id, unit in (await session.execute(stmt.order_by(Referral.org_unit_code))).all():
        out.setdefault(case_id, []).append(unit)
    return out


# --- exports ------------------------------------------------------------------------------------------

async def export_by_id(session: AsyncSession, export_id: uuid.UUID, *, for_update: bool = False) -> StatsExport | None:
    stmt = select(StatsExport).where(StatsExport.id == export_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)

