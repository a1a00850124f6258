"""Reference data as an admin edits it (issue 13, part 5): routing rules, the routing preview,
and the inputs and results of the changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import StaleVersionError, ValidationError
from api.loaders import then
from api.reference.types import Area, Category, OrgUnit
from domain.categories.models import RoutingRuleRow
from domain.reference_admin.categories import CategoryFields
from domain.reference_admin.offices import NewOffice
from domain.reference_admin.routing_rules import NewRule, Preview


@strawberry.type(description="A routing rule: cases of a problem type in an area go to an office.")
class RoutingRule:
    id: strawberry.ID = strawberry.field(description="The rule's number (referrals name it).")
    category_code: str = strawberry.field(description="The problem type.")
    area_prefix: str = strawberry.field(description="\"\" the whole country, 2 digits a province, 4 a district, "
                                                    "6 a sub-district; the most specific wins.")
    agency_code: str = strawberry.field(description="The agency whose office takes the cases.")
    org_unit_code: str | None = strawberry.field(description="A fixed office; null: the agency's office "
                                                             "in the case's province.")
    added_at: datetime | None = strawberry.field(description="In force since (null: loaded with the data).")
    removed_at: datetime | None = strawberry.field(description="Out of force since (null: in force).")

    @classmethod
    def of(cls, row: RoutingRuleRow) -> RoutingRule:
        return cls(id=strawberry.ID(str(row.id)), category_code=row.category_code, area_prefix=row.area_prefix,
                   agency_code=row.agency_code, org_unit_code=row.org_unit_code, added_at=row.added_at,
                   removed_at=row.removed_at)

    @strawberry.field(description="The area (null for the whole country).")
    def area(self, info: Info) -> Area | None:
        if not self.area_prefix:
            return None
        return then(info.context.loaders.area_row(self.area_prefix), Area.maybe)  # type: ignore[return-value]

    @strawberry.field(description="The fixed office, if the rule names one.")
    def org_unit(self, info: Info) -> OrgUnit | None:
        if not self.org_unit_code:
            return None
        return then(info.context.loaders.org_unit_row(self.org_unit_code),  # type: ignore[return-value]
                    lambda r: OrgUnit.of(r) if r else None)

    @strawberry.field(description="The problem type.")
    def category(self, info: Info) -> Category | None:
        return then(info.context.loaders.category_row(self.category_code),  # type: ignore[return-value]
                    lambda found: Category.of(*found) if found else None)


@strawberry.type(description="Where a case of this problem type filed in this sub-district would go now.")
class RoutingPreview:
    org_unit_code: str = strawberry.field(description="The office it would be referred to.")
    org_unit: OrgUnit | None = strawberry.field(description="That office.")
    rule: RoutingRule | None = strawberry.field(description="The rule that decides it; null: no rule, the "
                                                            "province's triage desk.")
    subdistrict: Area = strawberry.field(description="The sub-district asked about.")

    @classmethod
    def of(cls, found: Preview) -> RoutingPreview:
        return cls(org_unit_code=found.decision.org_unit_code,
                   org_unit=OrgUnit.of(found.org_unit) if found.org_unit else None,
                   rule=RoutingRule.of(found.rule) if found.rule else None, subdistrict=Area.of(found.area))


@strawberry.input(description="A problem type's names, agency, priority and SLA policy.")
class CategoryInput:
    name_th: str = strawberry.field(description="Thai name.")
    name_en: str = strawberry.field(description="English name.")
    agency_code: str = strawberry.field(description="OPS, DOE, DSD, DLPW or SSO.")
    priority: str = strawberry.field(description="LOW, NORMAL, HIGH or URGENT.")
    accept_business_days: int = strawberry.field(description="Business days to accept, 0 (same day) to 30.")
    resolve_business_days: int = strawberry.field(description="Business days to resolve, 1 to 365.")
    legal_clock: bool = strawberry.field(default=False, description="DLPW referrals run the 60-day legal clock.")
    active: bool = strawberry.field(default=True, description="False: no new cases of it.")

    def fields(self) -> CategoryFields:
        return CategoryFields(self.name_th, self.name_en, self.agency_code, self.priority,
                              self.accept_business_days, self.resolve_business_days, self.legal_clock,
                              self.active)


@strawberry.input(description="A routing rule to put in force from now.")
class RoutingRuleInput:
    category_code: str = strawberry.field(description="The problem type.")
    area_prefix: str = strawberry.field(description="\"\", a province, district or sub-district code.")
    org_unit_code: str | None = strawberry.field(default=None, description="A fixed office of the area's "
                                                 "province; null: the agency's office in the case's province.")
    agency_code: str | None = strawberry.field(default=None, description="Without an office: the agency "
                                               "(default: the problem type's).")

    def command(self) -> NewRule:
        return NewRule(self.category_code.strip(), self.area_prefix, (self.org_unit_code or "").strip() or None,
                       (self.agency_code or "").strip() or None)


@strawberry.input(description="A new office, e.g. a Bangkok area branch SSO-10-03.")
class OrgUnitInput:
    code: str = strawberry.field(description="`{AGENCY}-{province}` or `{AGENCY}-{province}-{branch}`.")
    agency_code: str = strawberry.field(description="OPS, DOE, DSD, DLPW or SSO.")
    province_code: str = strawberry.field(description="The province it serves (2 digits).")
    name_th: str = strawberry.field(description="Thai name.")
    name_en: str = strawberry.field(description="English name.")

    def command(self) -> NewOffice:
        return NewOffice(self.code, self.agency_code.strip(), self.province_code.strip(), self.name_th,
                         self.name_en)


@strawberry.type(description="The problem type as saved.")
class CategorySuccess:
    category: Category = strawberry.field(description="The problem type.")
    referrals_moved: int = strawberry.field(description="Open referrals whose deadlines were recomputed "
                                                        "and moved (0 unless asked).")


@strawberry.type(description="The problem type was deleted (no case had used it).")
class DeleteCategorySuccess:
    category_code: str = strawberry.field(description="The deleted problem type's code.")


@strawberry.type(description="The routing rule as saved.")
class RoutingRuleSuccess:
    rule: RoutingRule = strawberry.field(description="The rule.")


@strawberry.type(description="The office as saved.")
class OrgUnitSuccess:
    org_unit: OrgUnit = strawberry.field(description="The office.")


CreateCategoryResult = Annotated[CategorySuccess | ValidationError, strawberry.union("CreateCategoryResult")]
UpdateCategoryResult = Annotated[CategorySuccess | ValidationError | StaleVersionError,
                                 strawberry.union("UpdateCategoryResult")]
DeleteCategoryResult = Annotated[DeleteCategorySuccess | ValidationError,
                                 strawberry.union("DeleteCategoryResult")]
AddRoutingRuleResult = Annotated[RoutingRuleSuccess | ValidationError, strawberry.union("AddRoutingRuleResult")]
RemoveRoutingRuleResult = Annotated[RoutingRuleSuccess | ValidationError,
                                    strawberry.union("RemoveRoutingRuleResult")]
AddOrgUnitResult = Annotated[OrgUnitSuccess | ValidationError, strawberry.union("AddOrgUnitResult")]
RenameOrgUnitResult = Annotated[OrgUnitSuccess | ValidationError,
                                strawberry.union("RenameOrgUnitResult")]
RoutingPreviewResult = Annotated[RoutingPreview | ValidationError, strawberry.union("RoutingPreviewResult")]
