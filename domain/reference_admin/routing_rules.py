"""Routing rules `(category, area prefix) → office`, added and removed by an admin, and the
preview of where a case would go. The preview calls the filing's own routing (the same rules
query, the same `domain.cases.routing.route`), so the two cannot disagree. Rules are never
deleted: referrals name the rule that routed them, and a removed rule is kept as history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import Area, AreaLevel
from domain.audit import service as audit
from domain.cases import repository as cases_repo
from domain.cases.routing import RoutingDecision, route
from domain.categories.models import RoutingRuleRow
from domain.errors import ValidationFailed
from domain.org_units.models import OrgUnit
from domain.reference_admin import repository, rules
from domain.reference_admin.common import require_admin
from domain.uow import UnitOfWork
from domain.users.principal import Principal


@dataclass(frozen=True)
class NewRule:
    category_code: str
    area_prefix: str
    org_unit_code: str | None = None  # None: the agency's office in the case's province
    agency_code: str | None = None  # None: the office's agency, else the category's


@dataclass(frozen=True)
class Preview:
    decision: RoutingDecision
    rule: RoutingRuleRow | None
    org_unit: OrgUnit | None
    area: Area


def snapshot(rule: RoutingRuleRow) -> dict[str, Any]:
    return {"categoryCode": rule.category_code, "areaPrefix": rule.area_prefix,
            "agencyCode": rule.agency_code, "orgUnitCode": rule.org_unit_code}


def unknown_rule() -> ValidationFailed:
    return ValidationFailed("id", "No routing rule in force has this number.",
                            "ไม่พบกฎการส่งต่อหมายเลขนี้ที่ยังใช้อยู่", code="NOT_FOUND")


async def _category(session: AsyncSession, code: str) -> None:
    if not code or not await repository.category_exists(session, code):
        raise ValidationFailed("categoryCode", "Unknown problem type.", "ไม่พบประเภทปัญหานี้",
                               code="UNKNOWN_CATEGORY")


async def add_rule(uow: UnitOfWork, principal: Principal, new: NewRule, now: datetime) -> RoutingRuleRow:
    """A rule in force from now: filings from now on follow it; referrals made are not moved."""
    require_admin(principal)
    session = uow.session
    await _category(session, new.category_code)
    prefix = rules.area_prefix(new.area_prefix)
    if prefix and await repository.area(session, prefix) is None:
        raise ValidationFailed("areaPrefix", f"Unknown area code {prefix}.", f"ไม่พบรหัสพื้นที่ {prefix}",
                               code="UNKNOWN_AREA")
    agency = new.agency_code
    if new.org_unit_code:
        unit = await repository.org_unit(session, new.org_unit_code)
        if unit is None:
            raise ValidationFailed("orgUnitCode", "Unknown office.", "ไม่พบหน่วยงานนี้", code="UNKNOWN_ORG_UNIT")
        rules.office_in_area(unit.province_code, prefix)
        if agency and agency != unit.agency_code:
            raise ValidationFailed("agencyCode", "The office belongs to another agency.",
                                   "หน่วยงานนี้สังกัดกรมอื่น")
        agency = unit.agency_code
    if agency is None:
        category = await repository.category_for_update(session, new.category_code)
        agency = category.agency_code if category else ""
    if await repository.agency(session, agency) is None:
        raise ValidationFailed("agencyCode", "Unknown agency: choose OPS, DOE, DSD, DLPW or SSO.",
                               "ไม่พบหน่วยงานนี้ กรุณาเลือก OPS, DOE, DSD, DLPW หรือ SSO")
    if await repository.rule_in_force(session, new.category_code, prefix) is not None:
        raise ValidationFailed("areaPrefix", "This problem type already has a rule for this area: remove "
                               "it first.", "ประเภทปัญหานี้มีกฎสำหรับพื้นที่นี้อยู่แล้ว กรุณานำกฎเดิมออกก่อน",
                               code="DUPLICATE")
    rule = RoutingRuleRow(category_code=new.category_code, area_prefix=prefix, agency_code=agency,
                          org_unit_code=new.org_unit_code or None, added_at=now)
    session.add(rule)
    await session.flush()
    assert rule.id is not None
    audit.record(session, principal.user_id, "ROUTING_RULE_ADDED", "ROUTING_RULE", str(rule.id), now,
                 after=snapshot(rule), only_changes=False)
    return rule


async def remove_rule(uow: UnitOfWork, principal: Principal, rule_id: int, now: datetime) -> RoutingRuleRow:
    """Take a rule out of force from now (kept, with when it was removed)."""
    require_admin(principal)
    rule = await repository.rule(uow.session, rule_id)
    if rule is None or rule.removed_at is not None:
        raise unknown_rule()
    rule.removed_at = now
    await uow.session.flush()
    audit.record(uow.session, principal.user_id, "ROUTING_RULE_REMOVED", "ROUTING_RULE", str(rule.id), now,
                 before=snapshot(rule), only_changes=False)
    return rule


async def preview(session: AsyncSession, principal: Principal, category_code: str,
                  subdistrict_code: str) -> Preview:
    """Where a case of this problem type filed in this sub-district would go now, and by which
    rule (none: the province's triage desk)."""
    require_admin(principal)
    await _category(session, category_code)
    area = await repository.area(session, (subdistrict_code or "").strip())
    if area is None or area.level != AreaLevel.SUBDISTRICT:
        raise ValidationFailed("subdistrictCode", "Unknown sub-district code.", "ไม่พบรหัสตำบลนี้",
                               code="UNKNOWN_SUBDISTRICT")
    in_force = await cases_repo.routing_rules(session, category_code)
    decision = route(category_code, area.code, in_force)
    rule = await session.get(RoutingRuleRow, decision.rule_id) if decision.rule_id is not None else None
    return Preview(decision, rule, await repository.org_unit(session, decision.org_unit_code), area)
