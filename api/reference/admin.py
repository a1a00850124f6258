"""Reference data editing for admins (issue 13, part 5): one service call per resolver. After a
change the process's reference cache is dropped at once (other processes drop theirs within
the refresh period; filing itself always reads categories, policies and rules afresh)."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.errors import bad_input
from api.permissions import IsAuthenticated, roles
from api.reference.admin_types import (AddOrgUnitResult, AddRoutingRuleResult, CategoryInput, CategorySuccess,
                                       CreateCategoryResult, DeleteCategoryResult, DeleteCategorySuccess,
                                       OrgUnitInput, OrgUnitSuccess, RemoveRoutingRuleResult,
                                       RenameOrgUnitResult, RoutingPreview, RoutingPreviewResult, RoutingRule,
                                       RoutingRuleInput, RoutingRuleSuccess, UpdateCategoryResult)
from api.reference.types import Category, OrgUnit
from domain.reference_admin import categories, offices, repository, routing_rules
from domain.users.models import Role

ADMINS = [IsAuthenticated, roles(Role.ADMIN)]
MAX_RULES = 500


def _rule_id(value: strawberry.ID) -> int:
    text = str(value).strip()
    if not text.isdigit() or len(text) > 12:
        raise routing_rules.unknown_rule()
    return int(text)


@strawberry.type
class ReferenceAdminQueries:
    @strawberry.field(description="Routing rules by problem type, the most specific area first (ADMIN); "
                                  "`areaPrefix` gives the rules that apply there and inside it.",
                      permission_classes=ADMINS)
    async def routing_rules(self, info: Info, category_code: str | None = None, area_prefix: str | None = None,
                            include_removed: bool = False, first: int = 200) -> list[RoutingRule]:
        if not 1 <= first <= MAX_RULES:
            raise bad_input(f"first must be between 1 and {MAX_RULES}.", f"first ต้องอยู่ระหว่าง 1 ถึง {MAX_RULES}")
        prefix = (area_prefix or "").strip()
        if prefix and not (prefix.isdigit() and len(prefix) <= 6):
            raise bad_input("areaPrefix must be digits.", "areaPrefix ต้องเป็นตัวเลข")
        async with info.context.db.read_sessions() as session:
            rows = await repository.rules(session, (category_code or "").strip() or None, prefix or None,
                                          include_removed, first)
        return [RoutingRule.of(r) for r in rows]

    @strawberry.field(description="Where a case of this problem type in this sub-district would go now, by "
                                  "which rule: the filing's own routing (ADMIN).", permission_classes=ADMINS)
    async def routing_preview(self, info: Info, category_code: str, subdistrict_code: str) -> RoutingPreviewResult:
        async with info.context.db.read_sessions() as session:
            found = await routing_rules.preview(session, info.context.user, category_code.strip(),
                                                subdistrict_code)
        return RoutingPreview.of(found)


@strawberry.type
class ReferenceAdminMutations:
    @strawberry.mutation(description="Add a problem type with its SLA policy (ADMIN).", permission_classes=ADMINS)
    async def create_category(self, info: Info, code: str, input: CategoryInput) -> CreateCategoryResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row, sla = await categories.create_category(uow, ctx.user, code, input.fields(), ctx.now())
        ctx.reference.clear()
        return CategorySuccess(category=Category.of(row, sla), referrals_moved=0)

    @strawberry.mutation(description="Edit a problem type as of `version` (ADMIN). Referrals made from now on "
                                     "follow it; open ones keep their deadlines unless `recomputeDeadlines`.",
                         permission_classes=ADMINS)
    async def update_category(self, info: Info, code: str, version: int, input: CategoryInput,
                              recompute_deadlines: bool = False) -> UpdateCategoryResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row, sla, moved = await categories.change_category(uow, ctx.user, code.strip(), version,
                                                               input.fields(), recompute_deadlines, ctx.now(),
                                                               ctx.calendar)
        ctx.reference.clear()
        return CategorySuccess(category=Category.of(row, sla), referrals_moved=moved)

    @strawberry.mutation(description="Delete a problem type no case used (ADMIN); one in use is refused: "
                                     "deactivate it instead.", permission_classes=ADMINS)
    async def delete_category(self, info: Info, code: str) -> DeleteCategoryResult:
        ctx = info.context
        async with ctx.uow() as uow:
            await categories.delete_category(uow, ctx.user, code.strip(), ctx.now())
        ctx.reference.clear()
        return DeleteCategorySuccess(category_code=code.strip())

    @strawberry.mutation(description="Put a routing rule in force from now (ADMIN).", permission_classes=ADMINS)
    async def add_routing_rule(self, info: Info, input: RoutingRuleInput) -> AddRoutingRuleResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await routing_rules.add_rule(uow, ctx.user, input.command(), ctx.now())
        ctx.reference.clear()
        return RoutingRuleSuccess(rule=RoutingRule.of(row))

    @strawberry.mutation(description="Take a routing rule out of force from now; it is kept as history (ADMIN).",
                         permission_classes=ADMINS)
    async def remove_routing_rule(self, info: Info, id: strawberry.ID) -> RemoveRoutingRuleResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await routing_rules.remove_rule(uow, ctx.user, _rule_id(id), ctx.now())
        ctx.reference.clear()
        return RoutingRuleSuccess(rule=RoutingRule.of(row))

    @strawberry.mutation(description="Add an office, e.g. a Bangkok area branch (ADMIN).", permission_classes=ADMINS)
    async def add_org_unit(self, info: Info, input: OrgUnitInput) -> AddOrgUnitResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await offices.add_office(uow, ctx.user, input.command(), ctx.now())
        ctx.reference.clear()
        return OrgUnitSuccess(org_unit=OrgUnit.of(row))

    @strawberry.mutation(description="Rename an office (ADMIN); its code, agency and province stay.",
                         permission_classes=ADMINS)
    async def rename_org_unit(self, info: Info, code: str, name_th: str, name_en: str) -> RenameOrgUnitResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await offices.rename_office(uow, ctx.user, code.strip(), name_th, name_en, ctx.now())
        ctx.reference.clear()
        return OrgUnitSuccess(org_unit=OrgUnit.of(row))
