"""Problem types and their SLA policies, edited by an admin. A change applies to referrals made
from then on; open referrals keep their deadlines unless the admin asks to recompute them. A
problem type a case uses is deactivated, never deleted. Services never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.cases.deadlines import LEGAL_DAYS
from domain.categories.models import Category, SlaPolicy
from domain.clock.business import BusinessCalendar
from domain.errors import StaleVersion, ValidationFailed
from domain.escalations.service import recompute_category_deadlines
from domain.reference_admin import repository, rules
from domain.reference_admin.common import require_admin
from domain.text import required_text
from domain.uow import UnitOfWork
from domain.users.principal import Principal


@dataclass(frozen=True)
class CategoryFields:
    name_th: str
    name_en: str
    agency_code: str
    priority: str
    accept_business_days: int
    resolve_business_days: int
    legal_clock: bool
    active: bool = True


def unknown() -> ValidationFailed:
    return ValidationFailed("code", "Unknown problem type.", "ไม่พบประเภทปัญหานี้", code="UNKNOWN_CATEGORY")


def in_use(cases: int) -> ValidationFailed:
    return ValidationFailed("code", f"{cases} case(s) use this problem type: it cannot be deleted. "
                            "Deactivate it instead (no new cases; the old ones keep it).",
                            f"มีเรื่อง {cases} เรื่องใช้ประเภทปัญหานี้ จึงลบไม่ได้ ให้ปิดการใช้งานแทน "
                            "(ยื่นเรื่องใหม่ไม่ได้ เรื่องเดิมยังคงใช้ประเภทนี้)", code="CATEGORY_IN_USE")


def snapshot(category: Category, sla: SlaPolicy | None) -> dict[str, Any]:
    """What the audit log keeps of a problem type (its code is the entry's target)."""
    return {"nameTh": category.name_th, "nameEn": category.name_en, "agencyCode": category.agency_code,
            "priority": category.priority, "active": category.active, "version": category.version,
            "acceptBusinessDays": sla.accept_business_days if sla else None,
            "resolveBusinessDays": sla.resolve_business_days if sla else None,
            "legalClock": bool(sla and sla.legal_days is not None)}


async def _checked(session: AsyncSession, fields: CategoryFields) -> CategoryFields:
    name_th = required_text(fields.name_th, "nameTh", 200, "the Thai name", "ชื่อภาษาไทย")
    name_en = required_text(fields.name_en, "nameEn", 200, "the English name", "ชื่อภาษาอังกฤษ")
    if await repository.agency(session, fields.agency_code) is None:
        raise ValidationFailed("agencyCode", "Unknown agency: choose OPS, DOE, DSD, DLPW or SSO.",
                               "ไม่พบหน่วยงานนี้ กรุณาเลือก OPS, DOE, DSD, DLPW หรือ SSO")
    accept, resolve = rules.business_days(fields.accept_business_days, fields.resolve_business_days)
    return CategoryFields(name_th, name_en, fields.agency_code, rules.priority(fields.priority),
                          accept, resolve, fields.legal_clock, fields.active)


def _apply(category: Category, sla: SlaPolicy, fields: CategoryFields) -> None:
    category.name_th, category.name_en = fields.name_th, fields.name_en
    category.agency_code, category.priority, category.active = fields.agency_code, fields.priority, fields.active
    sla.accept_business_days = fields.accept_business_days
    sla.resolve_business_days = fields.resolve_business_days
    sla.legal_days = LEGAL_DAYS if fields.legal_clock else None


async def create_category(uow: UnitOfWork, principal: Principal, code: str, fields: CategoryFields,
                          now: datetime) -> tuple[Category, SlaPolicy]:
    """A new problem type with its SLA policy. It has no routing rule yet: its cases go to the
    province's triage desk until one is added."""
    require_admin(principal)
    session = uow.session
    code = rules.category_code(code)
    fields = await _checked(session, fields)
    if await repository.category_exists(session, code):
        raise ValidationFailed("code", f"A problem type with the code {code} exists already.",
                               f"มีประเภทปัญหารหัส {code} อยู่แล้ว", code="DUPLICATE")
    category = Category(code=code, name_th="", name_en="", agency_code=fields.agency_code, priority="",
                        sort_order=await repository.next_sort_order(session))
    sla = SlaPolicy(category_code=code, accept_business_days=0, resolve_business_days=0)
    _apply(category, sla, fields)
    session.add(category)
    await session.flush()
    session.add(sla)
    await session.flush()
    audit.record(session, principal.user_id, "CATEGORY_CREATED", "CATEGORY", code, now,
                 after=snapshot(category, sla), only_changes=False)
    return category, sla


async def change_category(uow: UnitOfWork, principal: Principal, code: str, version: int,
                          fields: CategoryFields, recompute: bool, now: datetime,
                          calendar: BusinessCalendar) -> tuple[Category, SlaPolicy, int]:
    """Edit a problem type as of `version` (refused when someone changed it since). Open
    referrals keep their deadlines unless `recompute`: then each one that moves gets a history
    event. Returns the category, its policy and how many referrals moved."""
    require_admin(principal)
    session = uow.session
    category = await repository.category_for_update(session, code)
    if category is None:
        raise unknown()
    if category.version != version:
        raise StaleVersion(version, category.version)
    fields = await _checked(session, fields)
    sla = await repository.sla_policy(session, code)
    if sla is None:
        sla = SlaPolicy(category_code=code, accept_business_days=2, resolve_business_days=30)
        session.add(sla)
    before = snapshot(category, sla)
    _apply(category, sla, fields)
    after = snapshot(category, sla)
    if after != before:
        category.version += 1
        after["version"] = category.version
        action = ("CATEGORY_DEACTIVATED" if before["active"] and not fields.active
                  else "CATEGORY_REACTIVATED" if fields.active and not before["active"] else "CATEGORY_CHANGED")
        audit.record(session, principal.user_id, action, "CATEGORY", code, now, before=before, after=after)
    await session.flush()
    moved = 0
    if recompute:
        moved = await recompute_category_deadlines(uow, code, now, calendar)
        audit.record(session, principal.user_id, "DEADLINES_RECOMPUTED", "CATEGORY", code, now,
                     after={"referralsMoved": moved}, only_changes=False)
    return category, sla, moved


async def delete_category(uow: UnitOfWork, principal: Principal, code: str, now: datetime) -> None:
    """Delete a problem type no case ever used (a typo, a test); one in use is refused."""
    require_admin(principal)
    session = uow.session
    category = await repository.category_for_update(session, code)
    if category is None:
        raise unknown()
    used = await repository.cases_of_category(session, code)
    if used:
        raise in_use(used)
    sla = await repository.sla_policy(session, code)
    before = snapshot(category, sla)
    for row in (category, sla):
        if row is not None:
            session.expunge(row)
    await repository.delete_category(session, code)
    audit.record(session, principal.user_id, "CATEGORY_DELETED", "CATEGORY", code, now,
                 before=before, only_changes=False)
