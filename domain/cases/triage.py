"""Triage at the Provincial Labour Office: send a case to offices, or decline it (a
duplicate, outside the mandate). Services never commit (convention 3)."""

from __future__ import annotations

from datetime import datetime

from domain.cases import policy
from domain.cases.changes import check_version, event, locked, new_referral, routed_event, sync_case_status
from domain.cases.commands import MAX_REASON_CHARS, RejectCase, RouteCase
from domain.cases.models import Case, EventType, touch
from domain.cases.state import (OPEN_CASE_STATUSES, OPEN_REFERRAL_STATUSES, CaseAction, CaseStatus,
                                next_case_status)
from domain.clock.business import BusinessCalendar
from domain.errors import IllegalTransition, ValidationFailed
from domain.reference import repository as reference
from domain.text import required_text
from domain.uow import UnitOfWork
from domain.users.principal import Principal


async def route_case(uow: UnitOfWork, principal: Principal, cmd: RouteCase, now: datetime,
                     calendar: BusinessCalendar) -> Case:
    """Send a case to one or more offices of its province (also to add a leg to a case in
    progress). Every office is checked before any referral is made: a refusal changes nothing.
    A referral a coordinator makes does not let coordinators see the citizen whole
    (`policy.serves`)."""
    case, referrals = await locked(uow, principal, cmd.case_id)
    policy.require_triage(principal, case)
    check_version(cmd.expected_version, case.version)
    if case.status not in OPEN_CASE_STATUSES:
        raise IllegalTransition("case", case.status, "ROUTE")
    codes = list(dict.fromkeys(c.strip() for c in cmd.org_unit_codes if c.strip()))
    if not codes:
        raise ValidationFailed("orgUnitCodes", "Choose at least one office.",
                               "กรุณาเลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน", code="REQUIRED")
    open_units = {r.org_unit_code for r in referrals if r.is_current and r.status in OPEN_REFERRAL_STATUSES}
    for code in codes:
        office = await reference.org_unit(uow.session, code)
        if office is None:
            raise ValidationFailed("orgUnitCodes", "Unknown office.", "ไม่พบหน่วยงานนี้",
                                   code="UNKNOWN_ORG_UNIT")
        policy.require_office_in_province(principal, case, office, "orgUnitCodes")
        if code in open_units:
            raise ValidationFailed("orgUnitCodes", "This office already has an open referral of this case.",
                                   "หน่วยงานนี้มีการส่งต่อของเรื่องนี้ที่ยังไม่เสร็จอยู่แล้ว",
                                   code="ALREADY_REFERRED")
    for code in codes:
        referral = await new_referral(uow.session, case, code, None, now, calendar)
        referrals.append(referral)
        uow.session.add(routed_event(case, referral, principal, now, ruleId=None, by="coordinator"))
    sync_case_status(uow.session, case, referrals, principal, now)
    touch(case)
    await uow.flush()
    return case


async def reject_case(uow: UnitOfWork, principal: Principal, cmd: RejectCase, now: datetime) -> Case:
    """Decline a NEW case at triage, with a reason; it is closed."""
    case, _ = await locked(uow, principal, cmd.case_id)
    policy.require_triage(principal, case)
    check_version(cmd.expected_version, case.version)
    before = CaseStatus(case.status)
    after = next_case_status(before, CaseAction.REJECT)
    reason = required_text(cmd.reason, "reason", MAX_REASON_CHARS, "a reason", "เหตุผล")
    case.closed_at = now
    uow.session.add(event(case, EventType.CASE_REJECTED, principal, now, from_status=before,
                          to_status=after, note=reason))
    case.status, case.updated_at = after, now
    touch(case)
    await uow.flush()
    return case
