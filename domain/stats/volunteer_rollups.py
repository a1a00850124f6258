"""`volunteerActivity` and `networkCoverage` from the rollups (issue 15): each volunteer's cases
from `stats_volunteer_cell` (by the case's province and period of receipt), their last activity
from `stats_last_activity`, and active volunteers per sub-district from `stats_coverage`,
instead of grouping every case, every history entry and every volunteer.

It answers for readers whose case scope is the nation or one province (admins, national and
province supervisors, coordinators); a mentor, or a supervisor of a district, is answered live
(`network_repository.volunteer_figures`, the reference). Cells are read in one snapshot with the
live count of a period's partial months.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases.models import Case
from domain.cases.repository import visibility
from domain.stats import periods
from domain.stats.cell_models import StatsCoverage, StatsLastActivity, StatsVolunteerCell
from domain.stats.network_repository import VolunteerFigures, _aware, _volunteers_in_scope
from domain.users.models import Role, User
from domain.users.principal import Principal


def case_province(principal: Principal) -> str | None:
    """"" for a reader who sees every case, the province of one who sees a province's, else None."""
    if principal.role is Role.ADMIN or (principal.role is Role.SUPERVISOR and not principal.area_code):
        return ""
    if principal.role is Role.COORDINATOR and principal.province_code:
        return principal.province_code
    if principal.role is Role.SUPERVISOR and len(principal.area_code or "") == 2:
        return principal.area_code
    return None


async def volunteer_figures(session: AsyncSession, principal: Principal, area: str | None,
                            filed_from: datetime | None, filed_to: datetime | None,
                            only: tuple[uuid.UUID, ...] | None = None) -> list[VolunteerFigures] | None:
    """The same figures as the live `volunteer_figures` (of `only`, when given), or None when the
    reader's scope is not one the cells can say."""
    province = case_province(principal)
    if province is None:
        return None
    ids = _volunteers_in_scope(principal, area)
    if only is not None:
        ids = ids.where(User.id.in_(only))  # type: ignore[attr-defined]
    users = (await session.execute(
        select(User.id, User.username, User.display_name, User.area_code, User.created_at)
        .where(User.id.in_(ids)).order_by(User.username))).all()  # type: ignore[attr-defined]
    out = {u[0]: VolunteerFigures(u[0], u[1], u[2], u[3], u[4]) for u in users}
    if not out:
        return []
    t = StatsVolunteerCell.__table__  # type: ignore[attr-defined]
    where = [t.c.filed_by_id.in_(ids)]
    if province:
        where.append(t.c.province_code == province)
    # Open cases and satisfaction are of all their cases; cases filed, of the period.
    stmt = select(t.c.filed_by_id, func.sum(t.c.n), func.sum(t.c.open), func.sum(t.c.satisfaction_count),
                  func.sum(t.c.satisfaction_sum)).where(*where, t.c.period == "A").group_by(t.c.filed_by_id)
    for user_id, n, opened, sat_n, sat_sum in (await session.execute(stmt)).all():
        v = out[user_id]
        v.cases_filed, v.open_cases = int(n), int(opened)
        v.satisfaction_count, v.satisfaction_sum = int(sat_n), int(sat_sum)
    if filed_from is not None or filed_to is not None:
        for v in out.values():
            v.cases_filed = 0
        cut = periods.without_months(periods.cut(filed_from, filed_to, months=False, years=False))
        ranges = [t.c.period == lo if lo == hi else and_(t.c.period >= lo, t.c.period < hi) for lo, hi in cut.cells]
        if ranges:
            stmt = (select(t.c.filed_by_id, func.sum(t.c.n)).where(*where, or_(*ranges))
                    .group_by(t.c.filed_by_id))
            for user_id, n in (await session.execute(stmt)).all():
                out[user_id].cases_filed += int(n)
        for start, end in cut.live:
            live = (select(Case.filed_by_id, func.count())
                    .where(visibility(principal), Case.filed_by_id.in_(ids),  # type: ignore[attr-defined]
                           Case.received_at >= start, Case.received_at < end)  # type: ignore[operator]
                    .group_by(Case.filed_by_id))
            for user_id, n in (await session.execute(live)).all():
                out[user_id].cases_filed += int(n)
    last = select(StatsLastActivity.actor_id, StatsLastActivity.at).where(
        StatsLastActivity.actor_id.in_(ids))  # type: ignore[attr-defined]
    for actor_id, at in (await session.execute(last)).all():
        out[actor_id].last_activity_at = _aware(at)
    return list(out.values())


async def covered_subdistricts(session: AsyncSession, prefix: str) -> set[str]:
    """Sub-districts with at least one active volunteer (as `network_repository`'s, from cells)."""
    stmt = select(StatsCoverage.subdistrict_code).where(StatsCoverage.volunteers > 0)
    if prefix:
        stmt = stmt.where(StatsCoverage.subdistrict_code.startswith(prefix))  # type: ignore[attr-defined]
    return set((await session.execute(stmt)).scalars())
