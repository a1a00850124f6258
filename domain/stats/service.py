"""Read use cases of the dashboards. Each opens short read sessions and asks the repository.

The reads go through `db.report_sessions`: the read replica when KHORTOR_READ_DATABASE_URL is
set (the primary while it is down), else the primary. Only `ensure_calendar`, which may write,
works on the primary.

`caseStats` is answered from the rollup cells (domain/stats/rollups.py: exact, kept in the
transaction of every change) whenever they can say the question, else live from the case
tables; either way only the figures asked for are computed. The live path is the reference the
rollups are tested against.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases.commands import CaseFilter
from domain.clock.business import CALENDAR_YEARS, BusinessCalendar
from domain.db import Database
from domain.errors import AccessDenied
from domain.outreach import figures as outreach_figures
from domain.stats import network_repository, repository, rollups, rules, volunteer_rollups
from domain.stats.cell_models import StatsLastActivity
from domain.stats.results import (AreaCoverage, AreaRef, CaseStats, CaseStatsRow, GroupKey, NetworkCoverage,
                                  RoutingAccuracyRow, RoutingFlow, VolunteerActivity, VolunteerActivityRow)
from domain.stats.rules import ALL_FIGURES, CASE_FIGURES, REFERRAL_FIGURES, CaseDimension, Figure
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal

MAX_VOLUNTEER_PAGE = 1000
_synced: set[tuple[str, int]] = set()


def require_stats_reader(principal: Principal, *, mentors: bool = False) -> None:
    allowed = rules.ACTIVITY_ROLES if mentors else rules.STATS_ROLES
    if principal.role not in allowed:
        raise AccessDenied("Dashboards are for supervisors, coordinators and administrators.")


async def ensure_calendar(db: Database, calendar: BusinessCalendar) -> str:
    """Store `calendar` in `stats_calendar_day` if it is not there yet; returns its key."""
    first, last = date(CALENDAR_YEARS.start, 1, 1), date(CALENDAR_YEARS.stop - 1, 12, 31)
    key = rules.calendar_key(calendar, first, last)
    if (db.url, key) in _synced:
        return key
    days = rules.calendar_days(calendar, first, last)
    async with db.read_sessions() as session:
        stored = await repository.calendar_days_stored(session, key)
    if stored != len(days):
        async with UnitOfWork(db) as uow:
            await repository.add_calendar(uow.session, key, days)
    _synced.add((db.url, key))
    return key


async def _calendar_on_reports(db: Database, key: str) -> bool:
    """Whether the report database has the calendar `key` that `ensure_calendar` stored on the
    primary (a replica may not have replayed it yet: then the primary answers)."""
    if (db.report_url, key) in _synced:
        return True
    async with db.report_sessions() as session:
        stored = await repository.calendar_days_stored(session, key)
        on_reports = session.bind is db.report_engine
    async with db.read_sessions() as session:
        expected = await repository.calendar_days_stored(session, key)
    if stored == expected and on_reports:
        _synced.add((db.report_url, key))
    return stored == expected


# --- caseStats ------------------------------------------------------------------------------

async def case_stats(db: Database, principal: Principal, f: CaseFilter,
                     group_by: Sequence[CaseDimension], now: datetime,
                     calendar: BusinessCalendar, filed_from: datetime | None = None,
                     filed_to: datetime | None = None,
                     figures: frozenset[Figure] = ALL_FIGURES) -> CaseStats:
    """Figures of the cases in scope and filter, received from `filed_from` (inclusive) until
    `filed_to` (exclusive) when given; overdue and escalated are as of `now`. Only the
    `figures` asked for are computed (the others are zero or null)."""
    require_stats_reader(principal)
    period = (filed_from, filed_to)
    dims = rules.dimensions(group_by)
    key = await ensure_calendar(db, calendar)
    reports_ok = await _calendar_on_reports(db, key)
    referral_sessions = db.report_sessions if reports_ok else db.read_transactions
    question = rollups.Question(principal, f, dims, figures, period, now)
    found = None
    if question.why_not() is None:
        async with referral_sessions() as session:
            await one_snapshot(session)
            found = await rollups.answer(session, question, key)
    if found is not None:
        case_figures, referral_figures = found
    else:
        case_figures, referral_figures = await live_figures(db, principal, f, dims, now, key, period, figures,
                                                     referral_sessions)
    keys = sorted(set(case_figures) | set(referral_figures), key=_sort_key)
    labels = await _labels(db, dims, keys)
    rows = []
    for key in keys:
        c = case_figures.get(key) or repository.CaseGroupFigures()
        r = referral_figures.get(key) or repository.ReferralGroupFigures()
        rows.append(CaseStatsRow(
            keys=tuple(_key(dim, value, labels) for dim, value in zip(dims, key, strict=True)),
            case_count=c.case_count, referral_count=r.referral_count,
            accepted_within_deadline=r.accepted_on_time, acceptance_counted=r.accept_counted,
            resolved_within_deadline=r.resolved_on_time, resolution_counted=r.resolve_counted,
            accepted_within_deadline_share=rules.share(r.accepted_on_time, r.accept_counted),
            resolved_within_deadline_share=rules.share(r.resolved_on_time, r.resolve_counted),
            median_business_days_to_accept=rules.business_days(r.accept_p50),
            p90_business_days_to_accept=rules.business_days(r.accept_p90),
            median_business_days_to_resolve=rules.business_days(r.resolve_p50),
            p90_business_days_to_resolve=rules.business_days(r.resolve_p90),
            open_by_age=c.open_by_age, amount_recovered_thb=c.amount_recovered_thb,
            satisfaction_count=c.satisfaction_count,
            mean_satisfaction=rules.mean(c.satisfaction_sum, c.satisfaction_count),
            overdue_referral_count=r.overdue, escalated_open_case_count=c.escalated_open))
    return CaseStats(group_by=dims, rows=tuple(rows), as_of=now, source="ROLLUP" if found is not None else "LIVE")


async def one_snapshot(session: AsyncSession) -> None:
    """Cells and the live rows that move with now, read at one moment (SQLite: one read
    transaction is one snapshot already)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))


async def live_figures(db: Database, principal: Principal, f: CaseFilter, dims: Sequence[CaseDimension],
                now: datetime, key: str, period: repository.Period, figures: frozenset[Figure],
                referral_sessions: Any) -> tuple[dict[tuple[Any, ...], repository.CaseGroupFigures],
                                                 dict[tuple[Any, ...], repository.ReferralGroupFigures]]:
    """The reference: figures from the case tables, two statements on two connections at once."""

    async def cases() -> dict[tuple[Any, ...], repository.CaseGroupFigures]:
        if not figures & CASE_FIGURES:
            return {}
        async with db.report_sessions() as session:
            return await repository.case_group_figures(session, principal, f, dims, now, period)

    async def referrals() -> dict[tuple[Any, ...], repository.ReferralGroupFigures]:
        if not figures & REFERRAL_FIGURES:
            return {}
        async with referral_sessions() as session:
            return await repository.referral_group_figures(
                session, principal, f, dims, now, key, period,
                with_percentiles=Figure.DURATIONS in figures)

    case_figures, referral_figures = await asyncio.gather(cases(), referrals())
    return case_figures, referral_figures


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, "" if v is None else str(v).zfill(12) if isinstance(v, int) else v)
                 for v in key)


_NAMED = {CaseDimension.CATEGORY: repository.category_names,
          CaseDimension.AGENCY: repository.agency_names,
          CaseDimension.ORG_UNIT: repository.org_unit_names,
          CaseDimension.PROVINCE: repository.area_names,
          CaseDimension.DISTRICT: repository.area_names,
          CaseDimension.SUBDISTRICT: repository.area_names}


async def _labels(db: Database, dims: Sequence[CaseDimension],
                  keys: Sequence[tuple[Any, ...]]) -> dict[tuple[CaseDimension, str], tuple[str, str]]:
    out: dict[tuple[CaseDimension, str], tuple[str, str]] = {}
    async with db.report_sessions() as session:
        for i, dim in enumerate(dims):
            lookup = _NAMED.get(dim)
            if lookup is None:
                continue
            found = await lookup(session, {k[i] for k in keys if k[i] is not None})
            out.update({(dim, code): label for code, label in found.items()})
    return out


def _key(dim: CaseDimension, value: Any,
         labels: dict[tuple[CaseDimension, str], tuple[str, str]]) -> GroupKey:
    if value is None:
        return GroupKey(dim, None, "ไม่ระบุ", "none")
    code = str(value)
    if dim is CaseDimension.STATUS:
        th, en = rules.status_label(code)
    elif dim is CaseDimension.ESCALATION_LEVEL:
        th, en = rules.escalation_label(int(value))
    elif dim is CaseDimension.FISCAL_YEAR:
        th, en = rules.fiscal_year_label(int(value))
    elif dim is CaseDimension.MONTH:
        th, en = rules.month_label(code)
    else:
        th, en = labels.get((dim, code), (code, code))
    return GroupKey(dim, code, th, en)


# --- volunteerActivity ---------------------------------------------------------------------------

async def volunteer_activity(db: Database, principal: Principal, *, area_code: str | None,
                             filed_from: datetime | None, filed_to: datetime | None,
                             inactive_for_days: int | None, first: int, offset: int,
                             now: datetime) -> VolunteerActivity | None:
    """Per volunteer in scope; None when the asked area is outside the reader's scope."""
    require_stats_reader(principal, mentors=True)
    if principal.role is Role.MENTOR:
        area = area_code or None
    else:
        scope = rules.area_scope(principal)
        if scope is None:
            raise AccessDenied()
        area = rules.narrow_area(scope, area_code)
        if area is None:
            return None
    async with db.report_sessions() as session:
        await one_snapshot(session)
        # Counted and ordered in SQL; the figures of the page's volunteers only (from the rollups
        # when they can say them).
        rolled = (await rollups.state(session, rollups.CELLS) is not None
                  and volunteer_rollups.case_province(principal) is not None)
        last = (StatsLastActivity.__table__ if rolled  # type: ignore[attr-defined]
                else network_repository.last_activity_live(principal, area))
        order = await network_repository.volunteer_order(
            session, principal, area, last, now, rules.INACTIVITY_THRESHOLDS_DAYS, inactive_for_days, first, offset)
        whole = offset == 0 and inactive_for_days is None and len(order.page) == order.volunteer_count
        only = None if whole else order.page  # every one of them: no list of ids to send
        figures = await volunteer_rollups.volunteer_figures(
            session, principal, area, filed_from, filed_to, only=only) if rolled else None
        if figures is None:
            figures = await network_repository.volunteer_figures(session, principal, area, filed_from, filed_to,
                                                                 only=only)
        by_id = {v.user_id: v for v in figures}
        chosen = [(rules.days_inactive(by_id[i].last_activity_at, by_id[i].created_at, now), by_id[i])
                  for i in order.page]
        areas: dict[str, tuple[str, str]] = {}
        taken: dict[Any, tuple[int, int]] = {}
        if chosen:  # and their outreach participation, in the same period
            areas = await repository.area_names(session, {v.area_code for _, v in chosen if v.area_code})
            taken = await outreach_figures.participation_of(session, list(order.page), filed_from, filed_to)
    page = []
    for n, v in chosen:
        th, en = areas.get(v.area_code or "", (None, None))
        prepared, attended = taken.get(v.user_id, (0, 0))
        page.append(VolunteerActivityRow(
            user_id=v.user_id, username=v.username, display_name=v.display_name,
            area_code=v.area_code, area_label_th=th, area_label_en=en,
            cases_filed=v.cases_filed, open_cases=v.open_cases,
            last_activity_at=v.last_activity_at, days_since_last_activity=n,
            satisfaction_count=v.satisfaction_count,
            mean_satisfaction=rules.mean(v.satisfaction_sum, v.satisfaction_count),
            events_prepared=prepared, meetings_attended=attended))
    inactive = order.inactive
    return VolunteerActivity(volunteer_count=order.volunteer_count, inactive_30_days=inactive[30],
                             inactive_60_days=inactive[60], inactive_90_days=inactive[90],
                             volunteers=tuple(page), as_of=now)


# --- networkCoverage ------------------------------------------------------------------------------

async def network_coverage(db: Database, principal: Principal,
                           province_code: str | None) -> NetworkCoverage | None:
    """Sub-districts with an active volunteer; None when the province is outside scope."""
    require_stats_reader(principal)
    scope = rules.area_scope(principal)
    if scope is None:
        raise AccessDenied()
    wanted = (province_code or "").strip()[:2] or None
    area = rules.narrow_area(scope, wanted)
    if area is None:
        return None
    async with db.report_sessions() as session:
        areas = await network_repository.areas_under(session, area[:2] if area else "")
        if await rollups.state(session, rollups.CELLS) is not None:
            covered = await volunteer_rollups.covered_subdistricts(session, area)
        else:
            covered = await network_repository.covered_subdistricts(session, area)
    names = {code: (th, en) for code, th, en, _, _ in areas}
    subdistricts = [(code, parent) for code, _, _, parent, level in areas
                    if level == "SUBDISTRICT" and code.startswith(area)]
    by_district: dict[str, list[int]] = {}
    by_province: dict[str, list[int]] = {}
    uncovered = []
    for code, parent in subdistricts:
        hit = code in covered
        for bucket, key in ((by_district, code[:4]), (by_province, code[:2])):
            counts = bucket.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += hit
        if not hit:
            th, en = names[code]
            uncovered.append(AreaRef(code, th, en, code[:4]))

    def coverage(bucket: dict[str, list[int]]) -> tuple[AreaCoverage, ...]:
        return tuple(AreaCoverage(code, *names.get(code, (code, code)), total, hit)
                     for code, (total, hit) in sorted(bucket.items()))

    total = AreaCoverage(area or "", *(names.get(area, ("ทั้งประเทศ", "whole country")) if area
                                       else ("ทั้งประเทศ", "whole country")),
                         len(subdistricts), sum(1 for c, _ in subdistricts if c in covered))
    return NetworkCoverage(total=total, provinces=coverage(by_province),
                           districts=coverage(by_district), uncovered=tuple(uncovered))


# --- routingAccuracy --------------------------------------------------------------------------------

async def routing_accuracy(db: Database, principal: Principal, f: CaseFilter) -> tuple[RoutingAccuracyRow, ...]:
    require_stats_reader(principal)
    async with db.report_sessions() as session:
        figures = await network_repository.routing_figures(session, principal, f)
        flows = await network_repository.routing_flows(session, principal, f)
        categories = await repository.category_names(session, {r[0] for r in figures})
        provinces = await repository.area_names(session, {r[1] for r in figures})
    by_group: dict[tuple[str, str], list[RoutingFlow]] = {}
    for category, province, status, source, target, count in flows:
        by_group.setdefault((category, province), []).append(RoutingFlow(status, source, target, count))
    rows = []
    for category, province, total, rejected, redirected in sorted(figures):
        group_flows = sorted(by_group.get((category, province), []),
                             key=lambda fl: (-fl.count, fl.kind, fl.from_org_unit, fl.to_org_unit or ""))
        rows.append(RoutingAccuracyRow(
            category=GroupKey(CaseDimension.CATEGORY, category, *categories.get(category, (category, category))),
            province=GroupKey(CaseDimension.PROVINCE, province, *provinces.get(province, (province, province))),
            referral_count=total, rejected_count=rejected, redirected_count=redirected,
            flows=tuple(group_flows)))
    return tuple(rows)
