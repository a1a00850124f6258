"""Reference data in the schema: areas, agencies, offices and problem types."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.fields import context_field, value_type
from domain.areas.models import Area as AreaRow
from domain.areas.models import AreaLevel
from domain.categories.models import Category as CategoryRow
from domain.categories.models import SlaPolicy
from domain.org_units.models import Agency as AgencyRow
from domain.org_units.models import OrgUnit as OrgUnitRow

AreaLevelEnum = strawberry.enum(AreaLevel, name="AreaLevel",
                                description="Province, district (เขต in Bangkok) or sub-district (แขวง).")


@value_type
@strawberry.type(description="A province, district or sub-district with its official code.")
class Area:
    code: str = strawberry.field(description="Official code: 2 digits province, 4 district, 6 sub-district.")
    level: AreaLevel = strawberry.field(description="Which kind of area this is.")
    name_th: str = strawberry.field(description="Thai name.")
    name_en: str = strawberry.field(description="English name.")
    postal_code: str | None = strawberry.field(description="Postal code (sub-districts only).")

    @classmethod
    def of(cls, row: AreaRow) -> Area:
        return cls(code=row.code, level=AreaLevel(row.level), name_th=row.name_th,
                   name_en=row.name_en, postal_code=row.postal_code)

    @staticmethod
    def maybe(row: AreaRow | None) -> Area | None:
        return Area.of(row) if row else None

    @context_field(description="The district this sub-district lies in.")
    def district(self, info: Info) -> Annotated[Area, strawberry.lazy("api.reference.types")] | None:
        if len(self.code) < 6:
            return None
        loaders = info.context.loaders
        return loaders.shown("area", self.code[:4], loaders.area_row, Area.maybe)  # type: ignore[return-value]

    @context_field(description="The province this area lies in.")
    def province(self, info: Info) -> Annotated[Area, strawberry.lazy("api.reference.types")] | None:
        if len(self.code) < 4:
            return None
        loaders = info.context.loaders
        return loaders.shown("area", self.code[:2], loaders.area_row, Area.maybe)  # type: ignore[return-value]


@value_type
@strawberry.type(description="One of the five agencies of the Ministry of Labour.")
class Agency:
    code: str = strawberry.field(description="OPS, DOE, DSD, DLPW or SSO.")
    name_th: str = strawberry.field(description="Thai name.")
    name_en: str = strawberry.field(description="English name.")

    @classmethod
    def of(cls, row: AgencyRow) -> Agency:
        return cls(code=row.code, name_th=row.name_th, name_en=row.name_en)


@value_type
@strawberry.type(description="An office (org unit): one agency's office in one province, e.g. DLPW-43.")
class OrgUnit:
    code: str = strawberry.field(description="`{AGENCY}-{province code}`.")
    name_th: str = strawberry.field(description="Thai name.")
    name_en: str = strawberry.field(description="English name.")
    province_code: str = strawberry.field(description="The province the office serves.")
    agency_code: strawberry.Private[str]

    @classmethod
    def of(cls, row: OrgUnitRow) -> OrgUnit:
        return cls(code=row.code, name_th=row.name_th, name_en=row.name_en,
                   province_code=row.province_code, agency_code=row.agency_code)

    @context_field(description="The agency this office belongs to.")
    def agency(self, info: Info) -> Agency:
        loaders = info.context.loaders
        return loaders.shown("agency", self.agency_code, loaders.agency_row, Agency.of)  # type: ignore[return-value, arg-type]


@value_type
@strawberry.type(description="A problem type (ประเภทปัญหา) with its deadlines.")
class Category:
    code: str = strawberry.field(description="Stable identifier, e.g. UNPAID_WAGES.")
    name_th: str = strawberry.field(description="Thai name.")
    name_en: str = strawberry.field(description="English name.")
    agency_code: str = strawberry.field(description="The agency that usually handles it.")
    priority: str = strawberry.field(description="LOW, NORMAL, HIGH or URGENT.")
    accept_business_days: int = strawberry.field(description="Business days to accept (0 = the same day).")
    resolve_business_days: int = strawberry.field(description="Business days to resolve.")
    legal_clock: bool = strawberry.field(description="Whether DLPW referrals of it run the 60-day legal clock.")
    active: bool = strawberry.field(description="False: deactivated, no new cases (old ones keep it).")
    version: int = strawberry.field(description="Raised by each change; send it back to edit (optimistic).")

    @classmethod
    def of(cls, row: CategoryRow, sla: SlaPolicy | None) -> Category:
        return cls(code=row.code, name_th=row.name_th, name_en=row.name_en,
                   agency_code=row.agency_code, priority=row.priority,
                   accept_business_days=sla.accept_business_days if sla else 2,
                   resolve_business_days=sla.resolve_business_days if sla else 30,
                   legal_clock=bool(sla and sla.legal_days is not None), active=row.active,
                   version=row.version)
