"""All SQL about reference data: areas, agencies, org units, categories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import Area
from domain.categories.models import Category, RoutingRuleRow, SlaPolicy
from domain.org_units.models import Agency, OrgUnit
from domain.quick_reads import select_rows
from domain.reference.models import ReferenceVersion


async def area(session: AsyncSession, code: str) -> Area | None:
    return await session.get(Area, code)


async def version(session: AsyncSession) -> int | None:
    """SQLite: the state reference data is in (`ReferenceVersion`: new at every change); None
    without its row."""
    rows = await select_rows(session, _version(), {}, in_transaction=True)  # read, never changed, by a filing
    if rows is None:
        return (await session.execute(_version())).scalar_one_or_none()  # type: ignore[no-any-return]
    return rows[0][0] if rows else None  # type: ignore[no-any-return]


@cache
def _version() -> Any:
    return select(ReferenceVersion.version).where(ReferenceVersion.id == 1)  # type: ignore[arg-type]


async def org_unit(session: AsyncSession, code: str) -> OrgUnit | None:
    return await session.get(OrgUnit, code)


async def existing_keys(session: AsyncSession, column: Any) -> set[str]:
    """Every value of a key column (what the reference loader need not add again)."""
    return set((await session.execute(select(column))).scalars())


async def routing_rule_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(RoutingRuleRow))).scalar_one())


async def areas_with_parents(session: AsyncSession, codes: Iterable[str]) -> Sequence[Area]:
    """The areas and every parent of each (a sub-district brings its district and province)."""
    wanted = {c[:n] for c in codes for n in (2, 4, 6) if len(c) >= n}
    if not wanted:
        return []
    return (await session.execute(select(Area).where(Area.code.in_(wanted)))).scalars().all()  # type: ignore[attr-defined]


async def search_areas(session: AsyncSession, search: str | None, parent_code: str | None,
                       limit: int) -> Sequence[Area]:
    stmt = select(Area)
    if parent_code is not None:
        stmt = stmt.where(Area.parent_code == parent_code) if parent_code else stmt.where(
            Area.parent_code.is_(None))  # type: ignore[union-attr]
    if search:
        pattern = "%" + search.strip().replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(or_(Area.name_th.ilike(pattern), Area.name_en.ilike(pattern),  # type: ignore[attr-defined]
                              Area.code == search.strip()))
    stmt = stmt.order_by(Area.code).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def org_units(session: AsyncSession, codes: Iterable[str] | None = None,
                    province_code: str | None = None) -> Sequence[OrgUnit]:
    stmt = select(OrgUnit)
    if codes is not None:
        stmt = stmt.where(OrgUnit.code.in_(list(set(codes))))  # type: ignore[attr-defined]
    if province_code is not None:
        stmt = stmt.where(OrgUnit.province_code == province_code)
    return (await session.execute(stmt.order_by(OrgUnit.code))).scalars().all()


async def agencies(session: AsyncSession) -> Sequence[Agency]:
    return (await session.execute(select(Agency).order_by(Agency.code))).scalars().all()


async def categories(session: AsyncSession) -> Sequence[tuple[Category, SlaPolicy | None]]:
    stmt = (select(Category, SlaPolicy)
            .join(SlaPolicy, SlaPolicy.category_code == Category.code, isouter=True)  # type: ignore[arg-type]
            .order_by(Category.sort_order, Category.code))
    return [(c, s) for c, s in (await session.execute(stmt)).all()]
