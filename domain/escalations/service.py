"""The escalation ladder fired as deadlines pass, open deadlines moved by a calendar change, and
the legal clock's one extension (SPEC.md §3). The clocks themselves are the referral's
(domain/cases/clocks.py). Services never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import deadlines, notices
from domain.cases import repository as cases_repo
from domain.cases.clocks import refresh_clock, running
from domain.cases.deadlines import DeadlineKind, Level
from domain.cases.models import Case, CaseEvent, EventType, Referral
from domain.cases.state import OPEN_REFERRAL_STATUSES, ReferralStatus
from domain.clock.business import BANGKOK, BusinessCalendar, due_at
from domain.errors import AccessDenied, IllegalTransition, NotFound, ValidationFailed
from domain.escalations import repository as repo
from domain.escalations.models import DeadlineExtension, ExtensionStatus
from domain.notifications import messages
from domain.notifications.models import NotificationKind
from domain.notifications.service import notify
from domain.uow import UnitOfWork
from domain.users import repository as users_repo
from domain.users.models import Role, User
from domain.users.principal import Principal


def _event(case: Case, referral: Referral, type_: EventType, now: datetime, *, note: str | None = None,
           actor_id: uuid.UUID | None = None, internal: bool = False,
           data: dict[str, object] | None = None) -> CaseEvent:
    return CaseEvent(case_id=case.id, referral_id=referral.id, type=type_, at=now, actor_id=actor_id,
                     note=note, internal=internal, data=data)


async def recipients(session: AsyncSession, case: Case, referral: Referral, level: Level) -> list[User]:
    """Who is told at each level; where nobody fits, the province's coordinators."""
    chosen: list[User] = []
    if level is Level.WARNING:
        if referral.assigned_to_id is not None:
            officer = await session.get(User, referral.assigned_to_id)
            chosen = [officer] if officer is not None and officer.is_active else []
        if not chosen:
            chosen = await users_repo.unit_officers(session, referral.org_unit_code)
    elif level is Level.UNIT_HEAD:
        chosen = await users_repo.unit_officers(session, referral.org_unit_code, heads_only=True)
    elif level is Level.SUPERVISORS:
        chosen = await users_repo.supervisors_over(session, case.subdistrict_code)
    if not chosen:
        chosen = await users_repo.coordinators(session, case.province_code)
    return chosen


async def escalate_if_overdue(uow: UnitOfWork, referral_id: uuid.UUID, now: datetime,
                              calendar: BusinessCalendar) -> list[tuple[DeadlineKind, Level]]:
    """Fire every level of the referral's running deadlines that has come due and not fired.

    Re-checks everything under the case's lock; each level is inserted with its unique key
    first, so a second run (another worker, a redelivered task) fires nothing.
    """
    session = uow.session
    probe = await session.get(Referral, referral_id)
    if probe is None:
        return []
    # The case's lock first: whoever reads the levels fired with the referrals
    # (`referrals_for_update_and_fired`) holds it, so no level is added under their reading.
    case = await cases_repo.lock_case(session, probe.case_id)
    referrals = {r.id: r for r in await cases_repo.referrals_for_update(session, probe.case_id)}
    referral = referrals.get(referral_id)
    if case is None or referral is None:
        return []
    if referral.next_escalation_at is None or referral.next_escalation_at > now:
        return []
    fired = await cases_repo.fired_levels(session, referral.id)
    done: list[tuple[DeadlineKind, Level]] = []
    entries: list[CaseEvent] = []
    for deadline in running(referral):
        for level in deadlines.levels_reached(deadline, fired.get(deadline.kind, ()), now, calendar):
            if not await repo.record_once(session, referral, deadline.kind, level, deadline.due, now):
                continue
            done.append((deadline.kind, level))
            data = {"deadline": deadline.kind.value, "level": int(level),
                    "dueAt": deadline.due.isoformat()}
            note = (f"{messages.LEVEL_TH[int(level)]}: กำหนดเวลา{messages.DEADLINE_TH[deadline.kind.value]} "
                    f"/ {messages.LEVEL_EN[int(level)]}: {messages.DEADLINE_EN[deadline.kind.value]} deadline")
            type_ = EventType.DEADLINE_WARNING if level is Level.WARNING else EventType.ESCALATED
            entries.append(_event(case, referral, type_, now, note=note, internal=True, data=data))
            session.add(entries[-1])
            message = messages.escalation(case.reference, referral.org_unit_code, deadline.kind.value,
                                          int(level), deadline.due)
            kind = NotificationKind.DEADLINE_WARNING if level is Level.WARNING else NotificationKind.ESCALATION
            await notify(uow, await recipients(session, case, referral, level), kind,
                         f"esc:{referral.id}:{deadline.kind.value}:{int(level)}",
                         message, now, calendar, case_id=case.id, referral_id=referral.id)
    top = max((int(lv) for _, lv in done), default=0)
    if top > referral.escalation_level:
        referral.escalation_level = top
    current = max((r.escalation_level for r in referrals.values() if r.is_current), default=0)
    if current != case.escalation_level and current > case.escalation_level:
        case.escalation_level = current
    fired = await cases_repo.fired_levels(session, referral.id)
    referral.next_escalation_at = deadlines.next_escalation_at(running(referral), fired, calendar)
    await uow.flush()
    notices.tell(uow, *entries)  # the volunteer hears of it from level 2 on
    return done


async def recompute_open_deadlines(uow: UnitOfWork, day: date, now: datetime,
                                   calendar: BusinessCalendar) -> int:
    """After a calendar change on `day`: recompute the target deadlines of open referrals
    that count that day (from when they were made, their SLA and the time held), record the
    move in the history, and reset the next escalation instant. Returns how many moved."""
    start = datetime.combine(day, time(0), tzinfo=BANGKOK)
    found = await repo.open_referrals_touching(uow.session, start, start + timedelta(days=1))
    note = (f"ปฏิทินวันหยุดเปลี่ยน ({day.isoformat()}): คำนวณกำหนดเวลาใหม่ "
            "/ holiday calendar changed: deadlines recomputed")
    return await _recompute(uow, found, now, calendar, note, {"day": day.isoformat()})


async def recompute_category_deadlines(uow: UnitOfWork, category_code: str, now: datetime,
                                       calendar: BusinessCalendar) -> int:
    """After an admin changed a category's SLA policy and asked for it: recompute the target
    deadlines of its open referrals with the policy now in force, each move a history event
    (as a calendar change does). Returns how many moved."""
    found = await repo.open_referrals_of_category(uow.session, category_code)
    note = ("นโยบายกำหนดเวลาของประเภทปัญหาเปลี่ยน: คำนวณกำหนดเวลาใหม่ "
            "/ the problem type's SLA policy changed: deadlines recomputed")
    return await _recompute(uow, found, now, calendar, note, {"categoryCode": category_code})


async def _recompute(uow: UnitOfWork, found: Sequence[Referral], now: datetime, calendar: BusinessCalendar,
                     note: str, why: dict[str, str]) -> int:
    session = uow.session
    moved = 0
    policies: dict[str, tuple[int, int]] = {}
    for referral in found:
        case = await session.get(Case, referral.case_id)
        if case is None:
            continue
        if case.category_code not in policies:
            sla = await cases_repo.sla_policy(session, case.category_code)
            policies[case.category_code] = ((sla.accept_business_days, sla.resolve_business_days)
                                            if sla else (2, 30))
        accept_days, resolve_days = policies[case.category_code]
        held = referral.held_days or 0.0
        accept = deadlines.shift(due_at(referral.created_at, accept_days, calendar), held, calendar)
        resolve = deadlines.shift(due_at(referral.created_at, resolve_days, calendar), held, calendar)
        if (accept, resolve) == (referral.accept_due_at, referral.resolve_due_at):
            continue
        session.add(_event(case, referral, EventType.DEADLINES_MOVED, now, internal=True, note=note, data={
            **why, "acceptDueAt": accept.isoformat(),
            "resolveDueAt": resolve.isoformat(), "previousAcceptDueAt": referral.accept_due_at.isoformat(),
            "previousResolveDueAt": referral.resolve_due_at.isoformat()}))
        referral.accept_due_at, referral.resolve_due_at = accept, resolve
        if referral.status == ReferralStatus.PENDING:
            referral.next_due_at = accept
        elif referral.status == ReferralStatus.ACCEPTED:
            referral.next_due_at = resolve
        referral.updated_at = now
        await refresh_clock(session, referral, calendar)
        moved += 1
    await uow.flush()
    return moved


async def _legal_referral(uow: UnitOfWork, principal: Principal,
                          referral_id: uuid.UUID) -> tuple[Case, Referral]:
    found = await cases_repo.visible_referral(uow.session, principal, referral_id)
    if found is None:
        raise NotFound("referral", "การส่งต่อ")
    case = await cases_repo.lock_case(uow.session, found[1].id)
    referral = next((r for r in await cases_repo.referrals_for_update(uow.session, found[1].id)
                     if r.id == referral_id), None)
    if case is None or referral is None:
        raise NotFound("referral", "การส่งต่อ")
    if referral.legal_due_at is None:
        raise IllegalTransition("referral", referral.status, "REQUEST_EXTENSION")
    return case, referral


async def request_extension(uow: UnitOfWork, principal: Principal, referral_id: uuid.UUID, days: int,
                            reason: str, now: datetime, calendar: BusinessCalendar) -> DeadlineExtension:
    """An officer of the referral's unit asks, once, to extend its legal deadline (≤ 30 days)."""
    case, referral = await _legal_referral(uow, principal, referral_id)
    if principal.role is not Role.OFFICER or principal.org_unit_code != referral.org_unit_code:
        raise AccessDenied("Only an officer of the referral's office asks for an extension.")
    if referral.status not in OPEN_REFERRAL_STATUSES:
        raise IllegalTransition("referral", referral.status, "REQUEST_EXTENSION")
    if not 1 <= days <= deadlines.MAX_EXTENSION_DAYS:
        raise ValidationFailed("days", f"An extension is 1 to {deadlines.MAX_EXTENSION_DAYS} days.",
                               f"ขยายได้ 1 ถึง {deadlines.MAX_EXTENSION_DAYS} วัน", code="OUT_OF_RANGE")
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed("reason", "Please give a reason.", "กรุณาระบุเหตุผล", code="REQUIRED")
    if await repo.extension_of(uow.session, referral.id) is not None:
        raise IllegalTransition("referral", referral.status, "REQUEST_EXTENSION_AGAIN")
    extension = DeadlineExtension(referral_id=referral.id, days=days, reason=text[:2000],
                                  requested_by_id=principal.user_id, requested_at=now)
    uow.session.add(extension)
    uow.session.add(_event(case, referral, EventType.EXTENSION_REQUESTED, now, note=text[:2000],
                           actor_id=principal.user_id, internal=True, data={"days": days}))
    await uow.flush()
    message = messages.extension_requested(case.reference, days, text)
    await notify(uow, await users_repo.approvers(uow.session), NotificationKind.EXTENSION_REQUESTED,
                 f"ext-req:{referral.id}", message, now, calendar, case_id=case.id, referral_id=referral.id)
    return extension


async def decide_extension(uow: UnitOfWork, principal: Principal, referral_id: uuid.UUID, approve: bool,
                           note: str | None, now: datetime,
                           calendar: BusinessCalendar) -> tuple[DeadlineExtension, Referral]:
    """An approver approves or refuses the pending extension; approval moves the legal
    deadline (60 + days from receipt) and the next escalation instant."""
    session = uow.session
    user = await session.get(User, principal.user_id)
    if user is None or not user.is_extension_approver:
        raise AccessDenied("Only an approver decides on an extension.")
    referral = await session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("referral", "การส่งต่อ")
    case = await cases_repo.lock_case(session, referral.case_id)
    referral = next((r for r in await cases_repo.referrals_for_update(session, referral.case_id)
                     if r.id == referral_id), None)
    extension = await repo.extension_of(session, referral_id)
    if case is None or referral is None or extension is None:
        raise NotFound("extension", "คำขอขยายกำหนดเวลา")
    if extension.status != ExtensionStatus.REQUESTED:
        raise IllegalTransition("extension", extension.status, "DECIDE")
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by_id, extension.decided_at = principal.user_id, now
    extension.decision_note = (note or "").strip()[:2000] or None
    if approve and referral.legal_from is not None:
        referral.legal_due_at = deadlines.legal_due_at(referral.legal_from, extension.days)
        referral.updated_at = now
        await refresh_clock(session, referral, calendar)
    session.add(_event(case, referral, EventType.EXTENSION_DECIDED, now, note=extension.decision_note,
                       actor_id=principal.user_id, internal=True,
                       data={"approved": approve, "days": extension.days,
                             "legalDueAt": referral.legal_due_at.isoformat() if referral.legal_due_at else None}))
    requester = await session.get(User, extension.requested_by_id)
    if requester is not None:
        await notify(uow, [requester], NotificationKind.EXTENSION_DECIDED, f"ext-dec:{referral.id}",
                     messages.extension_decided(case.reference, approve, extension.days), now, calendar,
                     case_id=case.id, referral_id=referral.id)
    await uow.flush()
    return extension, referral
