"""Reference data queries (any signed-in user)."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.ids import optional_code
from api.permissions import IsAuthenticated
from api.reference.types import Agency, Area, Category, OrgUnit
from domain.reference import repository

MAX_AREAS = 200


@strawberry.type
class ReferenceQueries:
    @strawberry.field(description="Problem types with their deadlines (deactivated ones only when asked).", permission_classes=[IsAuthenticated])
    async def categories(self, info: Info, include_inactive: bool = False) -> list[Category]:
        async with info.context.db.read_sessions() as session:
            return [Category.of(c, s) for c, s in await repository.categories(session)
                    if include_inactive or c.active]

    @strawberry.field(description="The five agencies.", permission_classes=[IsAuthenticated])
    async def agencies(self, info: Info) -> list[Agency]:
        async with info.context.db.read_sessions() as session:
            return [Agency.of(a) for a in await repository.agencies(session)]

    @strawberry.field(description="Offices, all or of one province.", permission_classes=[IsAuthenticated])
    async def org_units(self, info: Info, province_code: str | None = None) -> list[OrgUnit]:
        async with info.context.db.read_sessions() as session:
            rows = await repository.org_units(
                session, province_code=optional_code(province_code))
        return [OrgUnit.of(o) for o in rows]

    @strawberry.field(description="Areas by name or code; `parentCode: \"\"` lists provinces (at most 200).",
                      permission_classes=[IsAuthenticated])
    async def areas(self, info: Info, search: str | None = None,
                    parent_code: str | None = None) -> list[Area]:
        async with info.context.db.read_sessions() as session:
            rows = await repository.search_areas(session, (search or "").replace("\x00", "")[:100] or None,
                                                 optional_code(parent_code),
                                                 MAX_AREAS)
        return [Area.of(a) for a in rows]
