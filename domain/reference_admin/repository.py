"""All SQL of an admin's reference-data changes (convention 3)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import Area
from domain.cases.models import Case
from domain.categories.models import Category, RoutingRuleRow, SlaPolicy
from domain.org_units.models import Agency, OrgUnit


async def category_for_update(session: AsyncSession, code: str) -> Category | None:
    stmt = select(Category).where(Category.code == code).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def sla_policy(session: AsyncSession, code: str) -> SlaPolicy | None:
    return await session.get(SlaPolicy, code)


async def category_exists(session: AsyncSession, code: str) -> bool:
    return await session.get(Category, code) is not None


async def next_sort_order(session: AsyncSession) -> int:
    found = (await session.execute(select(func.max(Category.sort_order)))).scalar_one_or_none()
    return int(found or 0) + 1


async def cases_of_category(session: AsyncSession, code: str) -> int:
    stmt = select(func.count()).select_from(Case).where(Case.category_code == code)
    return int((await session.execute(stmt)).scalar_one())


async def delete_category(session: AsyncSession, code: str) -> None:
    """A category no case ever used: its rules, its policy, itself."""
    await session.execute(delete(RoutingRuleRow).where(RoutingRuleRow.category_code == code))
    await session.execute(delete(SlaPolicy).where(SlaPolicy.category_code == code))  # type: ignore[arg-type]
    await session.execute(delete(Category).where(Category.code == code))  # type: ignore[arg-type]


async def agency(session: AsyncSession, code: str) -> Agency | None:
    return await session.get(Agency, code)


async def area(session: AsyncSession, code: str) -> Area | None:
    return await session.get(Area, code)


async def org_unit(session: AsyncSession, code: str) -> OrgUnit | None:
    return await session.get(OrgUnit, code)


async def rule(session: AsyncSession, rule_id: int) -> RoutingRuleRow | None:
    stmt = select(RoutingRuleRow).where(RoutingRuleRow.id == rule_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def rule_in_force(session: AsyncSession, category_code: str, prefix: str) -> RoutingRuleRow | None:
    stmt = select(RoutingRuleRow).where(RoutingRuleRow.category_code == category_code,
                                        RoutingRuleRow.area_prefix == prefix,
                                        RoutingRuleRow.removed_at.is_(None))  # type: ignore[union-attr]
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def rules(session: AsyncSession, category_code: str | None, area_prefix: str | None,
                include_removed: bool, limit: int) -> Sequence[RoutingRuleRow]:
    """Rules by category, then the most specific area first; in force only unless asked.
    `area_prefix` lists the rules that could apply there (the area and its parents) and those
    of areas inside it."""
    stmt = select(RoutingRuleRow)
    if category_code:
        stmt = stmt.where(RoutingRuleRow.category_code == category_code)
    if area_prefix:
        parents = [area_prefix[:n] for n in (0, 2, 4, 6) if n <= len(area_prefix)]
        stmt = stmt.where(RoutingRuleRow.area_prefix.in_(parents)  # type: ignore[attr-defined]
                          | RoutingRuleRow.area_prefix.startswith(area_prefix))  # type: ignore[attr-defined]
    if not include_removed:
        stmt = stmt.where(RoutingRuleRow.removed_at.is_(None))  # type: ignore[union-attr]
    stmt = stmt.order_by(RoutingRuleRow.category_code, func.length(RoutingRuleRow.area_prefix).desc(),
                         RoutingRuleRow.area_prefix, RoutingRuleRow.id)
    return (await session.execute(stmt.limit(limit))).scalars().all()
