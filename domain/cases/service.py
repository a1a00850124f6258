"""Use cases that change cases and referrals. Services never commit (convention 3)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import Area, AreaLevel
from domain.cases import policy, repository
from domain.cases.commands import (MAX_DESCRIPTION_CHARS, MAX_NOTE_CHARS, MAX_REASON_CHARS,
                                   CaseChange, OpenCase, ReferralChange)
from domain.cases.deadlines import BusinessCalendar, due_at
from domain.cases.identifiers import normalise_juristic_id, normalise_national_id, normalise_phone
from domain.cases.models import Case, CaseEvent, EventType, Referral, ReferralOutcome, touch
from domain.cases.reference import fiscal_year_be, format_reference
from domain.cases.routing import route
from domain.cases.state import (CaseAction, CaseStatus, ReferralAction, ReferralStatus,
                                derive_case_status, next_case_status, next_referral_status)
from domain.errors import (AccessDenied, DuplicateCase, IllegalTransition, NotFound, StaleVersion,
                           ValidationFailed)
from domain.escalations.service import on_referral_changed, start_clocks
from domain.outbox.service import enqueue
from domain.privacy import audit  # noqa: F401  (every history event with an actor is logged)
from domain.privacy import citizen as citizen_data
from domain.privacy.citizen import CitizenIdentity
from domain.privacy.vault import Vault
from domain.org_units.models import OrgUnit
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal

CLOCK_SKEW = timedelta(minutes=5)
DUPLICATE_WINDOW = timedelta(days=90)
EVENT_OF_ACTION = {
    ReferralAction.ACCEPT: EventType.ACCEPTED, ReferralAction.HOLD: EventType.HELD,
    ReferralAction.RESUME: EventType.RESUMED, ReferralAction.COMPLETE: EventType.COMPLETED,
    ReferralAction.REJECT: EventType.REJECTED, ReferralAction.REDIRECT: EventType.REDIRECTED,
}


def _within(prefix: str, normalise: Callable[[str], str], value: str | None) -> str | None:
    """Normalise an optional nested value; errors name the field by its path in the input."""
    if not value:
        return None
    try:
        return normalise(value)
    except ValidationFailed as error:
        error.field = prefix + error.field
        raise


def _text(value: str | None, field: str, limit: int, what_en: str, what_th: str) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationFailed(field, f"{what_en.capitalize()} contains a character that cannot be stored.",
                               f"{what_th}มีอักขระที่ไม่สามารถบันทึกได้", code="INVALID_INPUT")
    if not text:
        raise ValidationFailed(field, f"Please give {what_en}.", f"กรุณาระบุ{what_th}",
                               code="REQUIRED")
    if len(text) > limit:
        raise ValidationFailed(field, f"{what_en.capitalize()} is too long (at most {limit} characters).",
                               f"{what_th}ยาวเกินไป (ไม่เกิน {limit} ตัวอักษร)", code="TOO_LONG")
    return text


def _check_version(expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise StaleVersion(expected, actual)


def _event(case: Case, type_: EventType, actor: Principal | None, now: datetime, *,
           referral: Referral | None = None, from_status: str | None = None,
           to_status: str | None = None, note: str | None = None, internal: bool = False,
           data: dict[str, Any] | None = None) -> CaseEvent:
    return CaseEvent(case_id=case.id, referral_id=referral.id if referral else None, type=type_,
                     at=now, actor_id=actor.user_id if actor else None, from_status=from_status,
                     to_status=to_status, note=note, internal=internal, data=data)


async def _new_referral(session: AsyncSession, case: Case, org_unit_code: str,
                        rule_id: int | None, now: datetime, calendar: BusinessCalendar,
                        predecessor: Referral | None = None) -> Referral:
    sla = await repository.sla_policy(session, case.category_code)
    accept_days = sla.accept_business_days if sla else 2
    resolve_days = sla.resolve_business_days if sla else 30
    accept_due = due_at(now, accept_days, calendar)
    referral = Referral(case_id=case.id, org_unit_code=org_unit_code,
                        status=ReferralStatus.PENDING, routing_rule_id=rule_id,
                        predecessor_id=predecessor.id if predecessor else None,
                        created_at=now, updated_at=now, accept_due_at=accept_due,
                        resolve_due_at=due_at(now, resolve_days, calendar), next_due_at=accept_due)
    start_clocks(referral, case, calendar)
    session.add(referral)
    await session.flush()
    enqueue(session, "notifications.referral_routed", referral_id=str(referral.id))
    return referral


def _rolled_up_outcome(completed: list[Referral]) -> tuple[str | None, Decimal | None]:
    outcomes = {r.outcome for r in completed}
    outcome = outcomes.pop() if len(outcomes) == 1 else ReferralOutcome.PARTIALLY_RESOLVED
    amounts = [r.amount_recovered_thb for r in completed if r.amount_recovered_thb is not None]
    return outcome, (sum(amounts, Decimal(0)) if amounts else None)


def _sync_case_status(session: AsyncSession, case: Case, referrals: list[Referral],
                      actor: Principal | None, now: datetime) -> bool:
    """The case follows its current referrals; stored, in the same transaction.
    True when the case's status changed."""
    current = [r for r in referrals if r.is_current]
    status = derive_case_status(ReferralStatus(r.status) for r in current)
    if status == case.status:
        return False
    session.add(_event(case, EventType.STATUS_CHANGED, actor, now,
                       from_status=case.status, to_status=status))
    case.status = status
    case.updated_at = now
    if status is CaseStatus.RESOLVED:
        case.resolved_at = now
        case.outcome, case.amount_recovered_thb = _rolled_up_outcome(
            [r for r in current if r.status == ReferralStatus.COMPLETED])
    return True


async def _subdistrict(session: AsyncSession, code: str) -> Area:
    area = await session.get(Area, code.strip()) if code else None
    if area is None or area.level != AreaLevel.SUBDISTRICT:
        raise ValidationFailed("subdistrictCode", "Unknown sub-district code.",
                               "ไม่พบรหัสตำบลนี้", code="UNKNOWN_SUBDISTRICT")
    return area


async def open_case(uow: UnitOfWork, principal: Principal, cmd: OpenCase, now: datetime,
                    calendar: BusinessCalendar, vault: Vault) -> Case:
    """File a case and route it. The same `client_id` files one case, however often sent.

    An open case of the same citizen (same national ID) and problem type received in the
    last 90 days stops the filing with `DuplicateCase` unless `cmd.file_anyway` says the
    volunteer has seen it and files a new one all the same."""
    if principal.role is not Role.VOLUNTEER:
        raise AccessDenied("Only labour volunteers file cases.")
    session = uow.session
    if cmd.client_id is not None:
        existing = await repository.case_by_id(session, cmd.client_id)
        if existing is not None:
            if existing.filed_by_id == principal.user_id:
                return existing
            raise ValidationFailed("clientId", "This client id is already in use.",
                                   "รหัสอ้างอิงจากเครื่องนี้ถูกใช้แล้ว", code="CLIENT_ID_CONFLICT")
    category = await repository.category(session, cmd.category_code)
    if category is None:
        raise ValidationFailed("categoryCode", "Unknown problem type.", "ไม่พบประเภทปัญหานี้",
                               code="UNKNOWN_CATEGORY")
    area = await _subdistrict(session, cmd.subdistrict_code)
    description = _text(cmd.description, "description", MAX_DESCRIPTION_CHARS,
                        "a description", "รายละเอียดปัญหา")
    citizen = cmd.citizen
    full_name = _text(citizen.full_name, "citizen.fullName", 200, "the citizen's name",
                      "ชื่อผู้ขอรับบริการ")
    if not citizen.consent:
        raise ValidationFailed("citizen.consent", "The citizen's consent to use personal data is required.",
                               "ต้องได้รับความยินยอมให้ใช้ข้อมูลส่วนบุคคลจากผู้ขอรับบริการ",
                               code="CONSENT_REQUIRED")
    national_id = _within("citizen.", normalise_national_id, citizen.national_id)
    phone = _within("citizen.", normalise_phone, citizen.phone)
    employer = cmd.employer
    employer_name = employer_juristic_id = employer_address = None
    if employer is not None:
        employer_name = _text(employer.name, "employer.name", 300, "the employer's name",
                              "ชื่อนายจ้าง")
        employer_juristic_id = _within("employer.", normalise_juristic_id, employer.juristic_id)
        if employer.address and employer.address.strip():
            employer_address = _text(employer.address, "employer.address", 500,
                                     "the employer's address", "ที่อยู่นายจ้าง")
    captured_at = cmd.captured_at or now
    if captured_at.tzinfo is None or captured_at > now + CLOCK_SKEW:
        raise ValidationFailed("capturedAt", "The capture time must be a past time with a time zone.",
                               "เวลาที่บันทึกต้องเป็นเวลาที่ผ่านมาแล้วและระบุเขตเวลา")
    if national_id and not cmd.file_anyway:
        await _refuse_duplicate(session, principal, vault.lookup_hash(national_id),
                                category.code, now, cmd.client_id)
    fiscal_year = fiscal_year_be(now)
    sequence = await repository.next_sequence(session, area.code[:2], fiscal_year)
    case = Case(
        id=cmd.client_id or uuid.uuid4(), reference=format_reference(area.code[:2], fiscal_year, sequence),
        fiscal_year=fiscal_year, category_code=category.code, description=description,
        subdistrict_code=area.code, district_code=area.code[:4], province_code=area.code[:2],
        priority=category.priority, status=CaseStatus.NEW,
        shared_with_volunteers=cmd.shared_with_volunteers, filed_by_id=principal.user_id,
        captured_at=captured_at, received_at=now, updated_at=now,
        citizen_contact_preference=citizen.contact_preference, citizen_consent_at=captured_at,
        employer_name=employer_name, employer_juristic_id=employer_juristic_id,
        employer_address=employer_address,
    )
    citizen_data.seal(vault, case, CitizenIdentity(full_name, national_id, phone))
    session.add(case)
    session.add(_event(case, EventType.FILED, principal, now, to_status=CaseStatus.NEW))
    await session.flush()
    decision = route(category.code, area.code, await repository.routing_rules(session, category.code))
    referral = await _new_referral(session, case, decision.org_unit_code, decision.rule_id, now, calendar)
    session.add(_event(case, EventType.ROUTED, principal, now, referral=referral,
                       to_status=ReferralStatus.PENDING,
                       data={"orgUnit": decision.org_unit_code, "ruleId": decision.rule_id,
                             "by": "rule" if decision.rule_id is not None else "triage"}))
    _sync_case_status(session, case, [referral], principal, now)
    return case


async def _refuse_duplicate(session: AsyncSession, principal: Principal, id_hash: str,
                            category_code: str, now: datetime, client_id: uuid.UUID | None) -> None:
    found = await repository.open_case_of_citizen(session, id_hash, category_code,
                                                  now - DUPLICATE_WINDOW)
    # A case with this filing's own id is this filing, committed by a send of it racing this
    # one since the clientId check above: not a duplicate. Filing on, its insert meets the
    # primary key and the caller answers with that case (api/cases/mutations.py).
    if found is not None and found.id != client_id:
        visible = await repository.visible_case(session, principal, found.id)
        if visible is not None:
            session.expunge(visible)  # it outlives the rollback this error causes
        raise DuplicateCase(found.reference, visible)


async def _locked(uow: UnitOfWork, principal: Principal,
                  case_id: uuid.UUID) -> tuple[Case, list[Referral]]:
    """The case (if visible) and its referrals, re-read under the case's lock."""
    session = uow.session
    if await repository.visible_case(session, principal, case_id) is None:
        raise NotFound("case", "เรื่อง")
    case = await repository.lock_case(session, case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    return case, list(await repository.referrals_for_update(session, case_id))


async def act_on_referral(uow: UnitOfWork, principal: Principal, action: ReferralAction,
                          change: ReferralChange, now: datetime,
                          calendar: BusinessCalendar) -> Referral:
    """Accept, hold, resume, complete, reject or redirect one referral."""
    session = uow.session
    found = await repository.visible_referral(session, principal, change.referral_id)
    if found is None:
        raise NotFound("referral", "การส่งต่อ")
    case, referrals = await _locked(uow, principal, found[1].id)
    referral = next(r for r in referrals if r.id == change.referral_id)
    if action is ReferralAction.REDIRECT:
        policy.require_redirector(principal, referral, case)
    else:
        policy.require_referral_worker(principal, referral)
    _check_version(change.expected_version, referral.version)
    before = ReferralStatus(referral.status)
    after = next_referral_status(before, action)
    note, data, successor = change.note, None, None
    if action is ReferralAction.ACCEPT:
        referral.accepted_at, referral.assigned_to_id = now, principal.user_id
        referral.next_due_at = referral.resolve_due_at
    elif action is ReferralAction.HOLD:
        referral.reason = note = _text(change.reason, "reason", MAX_REASON_CHARS, "a reason", "เหตุผล")
        referral.next_due_at = None
    elif action is ReferralAction.RESUME:
        referral.next_due_at = referral.resolve_due_at
    elif action is ReferralAction.COMPLETE:
        if change.outcome is None:
            raise ValidationFailed("outcome", "Please choose an outcome.", "กรุณาเลือกผลการดำเนินการ",
                                   code="REQUIRED")
        amount = change.amount_recovered_thb
        if amount is not None and (not amount.is_finite() or amount < 0 or amount >= Decimal("1e12")):
            raise ValidationFailed("amountRecoveredThb", "The amount must be zero or more baht.",
                                   "จำนวนเงินต้องไม่ติดลบ", code="INVALID_AMOUNT")
        if note is not None and note.strip():
            note = _text(note, "note", MAX_NOTE_CHARS, "the note", "ข้อความ")
        else:
            note = None
        referral.outcome, referral.amount_recovered_thb = change.outcome, amount
        referral.completed_at, referral.next_due_at = now, None
        data = {"outcome": change.outcome, "amountRecoveredThb": str(amount) if amount is not None else None}
    elif action is ReferralAction.REJECT:
        referral.reason = note = _text(change.reason, "reason", MAX_REASON_CHARS, "a reason", "เหตุผล")
        referral.next_due_at = None
    elif action is ReferralAction.REDIRECT:
        reason = _text(change.reason, "reason", MAX_REASON_CHARS, "a reason", "เหตุผล")
        target = await session.get(OrgUnit, (change.org_unit_code or "").strip())
        if target is None:
            raise ValidationFailed("orgUnitCode", "Unknown office.", "ไม่พบหน่วยงานนี้",
                                   code="UNKNOWN_ORG_UNIT")
        if target.code == referral.org_unit_code:
            raise ValidationFailed("orgUnitCode", "Choose another office than the current one.",
                                   "กรุณาเลือกหน่วยงานอื่นที่ไม่ใช่หน่วยงานปัจจุบัน")
        referral.reason, note = reason, reason
        referral.is_current, referral.next_due_at = False, None
        data = {"toOrgUnit": target.code}
        successor = await _new_referral(session, case, target.code, None, now, calendar, referral)
        referrals.append(successor)
    referral.status, referral.updated_at = after, now
    touch(referral)
    await on_referral_changed(session, referral, before, now, calendar)
    session.add(_event(case, EVENT_OF_ACTION[action], principal, now, referral=referral,
                       from_status=before, to_status=after, note=note, data=data))
    if successor is not None:
        session.add(_event(case, EventType.ROUTED, principal, now, referral=successor,
                           to_status=ReferralStatus.PENDING,
                           data={"orgUnit": successor.org_unit_code, "ruleId": None,
                                 "by": "redirect", "from": referral.org_unit_code}))
    if _sync_case_status(session, case, referrals, principal, now):
        touch(case)
    await uow.flush()
    return referral


async def route_case(uow: UnitOfWork, principal: Principal, change: CaseChange, now: datetime,
                     calendar: BusinessCalendar) -> Case:
    """Triage: send a case to one or more offices (also to add a leg to a case in progress)."""
    case, referrals = await _locked(uow, principal, change.case_id)
    policy.require_triage(principal, case)
    _check_version(change.expected_version, case.version)
    if case.status not in (CaseStatus.NEW, CaseStatus.ROUTED, CaseStatus.IN_PROGRESS):
        raise IllegalTransition("case", case.status, "ROUTE")
    codes = list(dict.fromkeys(c.strip() for c in change.org_unit_codes if c.strip()))
    if not codes:
        raise ValidationFailed("orgUnitCodes", "Choose at least one office.",
                               "กรุณาเลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน", code="REQUIRED")
    open_units = {r.org_unit_code for r in referrals
                  if r.is_current and r.status in (ReferralStatus.PENDING, ReferralStatus.ACCEPTED,
                                                   ReferralStatus.ON_HOLD)}
    for code in codes:
        if await uow.session.get(OrgUnit, code) is None:
            raise ValidationFailed("orgUnitCodes", "Unknown office.", "ไม่พบหน่วยงานนี้",
                                   code="UNKNOWN_ORG_UNIT")
        if code in open_units:
            raise ValidationFailed("orgUnitCodes", "This office already has an open referral of this case.",
                                   "หน่วยงานนี้มีการส่งต่อของเรื่องนี้ที่ยังไม่เสร็จอยู่แล้ว",
                                   code="ALREADY_REFERRED")
    for code in codes:
        referral = await _new_referral(uow.session, case, code, None, now, calendar)
        referrals.append(referral)
        uow.session.add(_event(case, EventType.ROUTED, principal, now, referral=referral,
                               to_status=ReferralStatus.PENDING,
                               data={"orgUnit": code, "ruleId": None, "by": "coordinator"}))
    _sync_case_status(uow.session, case, referrals, principal, now)
    touch(case)
    await uow.flush()
    return case


async def change_case(uow: UnitOfWork, principal: Principal, action: CaseAction,
                      change: CaseChange, now: datetime, calendar: BusinessCalendar) -> Case:
    """Reject (at triage), close or reopen a case."""
    case, referrals = await _locked(uow, principal, change.case_id)
    if action is CaseAction.REJECT:
        policy.require_triage(principal, case)
    else:
        policy.require_filer_or_coordinator(principal, case)
    _check_version(change.expected_version, case.version)
    before = CaseStatus(case.status)
    after = next_case_status(before, action)
    reason = None
    if action in (CaseAction.REJECT, CaseAction.REOPEN):
        reason = _text(change.reason, "reason", MAX_REASON_CHARS, "a reason", "เหตุผล")
    session = uow.session
    if action is CaseAction.REOPEN:
        case.resolved_at, case.outcome, case.amount_recovered_thb = None, None, None
        for old in [r for r in referrals if r.is_current and r.status == ReferralStatus.COMPLETED]:
            old.is_current = False
            touch(old)
            referrals.append(await _new_referral(session, case, old.org_unit_code, old.routing_rule_id,
                                                 now, calendar, old))
    else:
        case.closed_at = now
    event_type = {CaseAction.REJECT: EventType.CASE_REJECTED, CaseAction.CLOSE: EventType.CLOSED,
                  CaseAction.REOPEN: EventType.REOPENED}[action]
    session.add(_event(case, event_type, principal, now, from_status=before, to_status=after,
                       note=reason))
    case.status, case.updated_at = after, now
    touch(case)
    await uow.flush()
    return case


async def record_satisfaction(uow: UnitOfWork, principal: Principal, change: CaseChange,
                              now: datetime) -> Case:
    case, _ = await _locked(uow, principal, change.case_id)
    policy.require_filer(principal, case)
    _check_version(change.expected_version, case.version)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise IllegalTransition("case", case.status, "RECORD_SATISFACTION")
    if change.score is None or not 1 <= change.score <= 5:
        raise ValidationFailed("score", "Satisfaction is a score from 1 to 5.",
                               "ความพึงพอใจต้องเป็นคะแนน 1 ถึง 5", code="OUT_OF_RANGE")
    case.satisfaction, case.updated_at = change.score, now
    touch(case)
    uow.session.add(_event(case, EventType.SATISFACTION_RECORDED, principal, now,
                           data={"score": change.score}))
    await uow.flush()
    return case


async def add_note(uow: UnitOfWork, principal: Principal, change: CaseChange,
                   now: datetime) -> tuple[Case, CaseEvent]:
    session = uow.session
    case = await repository.visible_case(session, principal, change.case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    units = [r.org_unit_code for r in await repository.referrals_of(session, [case.id])]
    policy.require_note_writer(principal, case, units, change.internal)
    text = _text(change.text, "text", MAX_NOTE_CHARS, "the note", "ข้อความ")
    event = _event(case, EventType.NOTE, principal, now, note=text, internal=change.internal)
    session.add(event)
    await uow.flush()
    return case, event
