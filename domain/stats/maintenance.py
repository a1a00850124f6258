"""Looking after the rollups: build them (`khortor rebuild-stats`), move the deadlines mark (the
workers' `stats.pass_deadlines` sweep), rebuild the duration bins when the business calendar
changed, and check a sample of answers against the live path (the workers'
`stats.check_rollups` sweep), logging any drift.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from domain.cases.commands import CaseFilter
from domain.clock.business import BusinessCalendar
from domain.db import Database
from domain.stats import deadline_mark, rebuild, repository, rollups, service
from domain.stats.cell_models import StatsCaseCell, StatsRollupState
from domain.stats.rollups import CELLS
from domain.stats.rules import ALL_FIGURES, CaseDimension, Figure
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal

log = logging.getLogger("khortor.stats")
NATION = Principal(user_id=uuid.UUID(int=0), username="stats.check", role=Role.ADMIN)  # the check reads all


async def rebuild_all(db: Database, calendar: BusinessCalendar, now: datetime) -> dict[str, int]:
    """Every rollup cell again from the case tables; the cells of each table."""
    key = await service.ensure_calendar(db, calendar)
    async with UnitOfWork(db) as uow:
        counts = await rebuild.rebuild(uow.session, key, now)
        if await uow.session.get(StatsRollupState, CELLS) is None:
            uow.session.add(StatsRollupState(name=CELLS, built_at=now))
    return counts


async def refresh_durations(db: Database, calendar: BusinessCalendar, now: datetime) -> int | None:
    """The duration bins again if they were kept for another calendar (a holiday changed); the
    bins made, or None when they were up to date."""
    key = await service.ensure_calendar(db, calendar)
    async with db.read_sessions() as session:
        if await rebuild.durations_calendar(session) == key:
            return None
    async with UnitOfWork(db) as uow:
        return await rebuild.rebuild_durations(uow.session, key, now)


async def pass_deadlines(db: Database, now: datetime, step: int = deadline_mark.STEP) -> int | None:
    """Move the deadlines mark to now (domain/stats/deadline_mark.py), a transaction per step of
    `step` referrals: the open referrals moved, None when the cells were never built."""
    moved = 0
    while True:
        async with UnitOfWork(db) as uow:
            done = await deadline_mark.move(uow.session, now, step)
        if done is None:
            return None
        moved += done[0]
        if done[1]:
            return moved


@dataclass(frozen=True)
class Drift:
    area: str
    dims: tuple[CaseDimension, ...]
    figure: str
    group: tuple[object, ...]


async def check(db: Database, calendar: BusinessCalendar, now: datetime, *, sample: int = 5,
                rng: random.Random | None = None) -> list[Drift] | None:
    """Ask rollups and live SQL the same questions for the nation and `sample` random provinces;
    every figure that differs is logged and returned. None when the rollups are not built."""
    rng = rng or random.Random()
    key = await service.ensure_calendar(db, calendar)
    async with db.read_sessions() as session:
        if await rollups.state(session, CELLS) is None:
            log.warning("stats rollups not built: dashboards answer live; run `khortor rebuild-stats`")
            return None
        provinces = list((await session.execute(
            select(StatsCaseCell.area).where(StatsCaseCell.grain == "P", StatsCaseCell.period == "A")
            .group_by(StatsCaseCell.area).having(func.sum(StatsCaseCell.n) > 0))).scalars())
        bins_ready = await rebuild.durations_calendar(session) == key
    figures = ALL_FIGURES if bins_ready else ALL_FIGURES - {Figure.DURATIONS}
    drifts: list[Drift] = []
    for area in [""] + rng.sample(provinces, min(sample, len(provinces))):
        for dims in ((), (CaseDimension.CATEGORY,)):
            asked = figures - {Figure.AGES} if dims else figures
            q = rollups.Question(NATION, CaseFilter(area_code=area or None), dims, asked, (None, None), now)
            async with db.read_transactions() as session:  # both in one snapshot: no false drift
                await service.one_snapshot(session)
                rolled = await rollups.answer(session, q, key)
                if rolled is None:
                    continue
                live = (await repository.case_group_figures(session, NATION, q.f, dims, now),
                        await repository.referral_group_figures(session, NATION, q.f, dims, now, key,
                                                                with_percentiles=False))
            drifts += compare(area, dims, asked, rolled, live)
    for d in drifts:
        log.error("stats rollup drift: area=%s dims=%s figure=%s group=%s; run `khortor rebuild-stats`",
                  d.area or "nation", ",".join(d.dims) or "-", d.figure, d.group)
    return drifts


_FIELDS = {Figure.CASES: (0, ("case_count", "amount_recovered_thb", "satisfaction_count", "satisfaction_sum",
                              "escalated_open")),
           Figure.AGES: (0, ("open_by_age",)),
           Figure.REFERRALS: (1, ("referral_count", "accepted_on_time", "resolved_on_time")),
           Figure.NOW: (1, ("accept_counted", "resolve_counted", "overdue"))}


def compare(area: str, dims: tuple[CaseDimension, ...], asked: frozenset[Figure], rolled: tuple[dict, dict],
             live: tuple[dict, dict]) -> list[Drift]:
    """Counts must be equal (percentiles are within their bound by construction)."""
    out = []
    for figure, (half, names) in _FIELDS.items():
        if figure not in asked:
            continue
        for group in sorted(set(rolled[half]) | set(live[half]), key=repr):
            a, b = rolled[half].get(group), live[half].get(group)
            out += [Drift(area, dims, name, group) for name in names
                    if getattr(a, name, None) != getattr(b, name, None)]
    return out
