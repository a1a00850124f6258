"""Acting on a referral: accept, hold, resume, complete, reject, redirect (SPEC §3).

One command per action; `act_on_referral` does what every action shares (visibility, the
case's lock, permission, version, the state machine, clocks, history, the case status) and
a dispatch table gives each action its own step. Services never commit (convention 3).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import notices, policy, repository
from domain.cases.amounts import checked_baht
from domain.cases.changes import check_version, event, follow_referrals, new_referral, record_at_commit, routed_event
from domain.cases.clocks import on_referral_changed
from domain.cases.commands import (MAX_NOTE_CHARS, MAX_REASON_CHARS, AcceptReferral, CompleteReferral,
                                   HoldReferral, RedirectReferral, ReferralCommand, RejectReferral,
                                   ResumeReferral)
from domain.cases.models import Case, EventType, Referral, touch
from domain.cases.state import ReferralAction, ReferralStatus, next_referral_status
from domain.clock.business import BusinessCalendar
from domain.commit_writes import update_at_commit
from domain.errors import NotFound, ValidationFailed
from domain.reference import repository as reference
from domain.text import optional_text, required_text
from domain.uow import UnitOfWork
from domain.users.principal import Principal



@dataclass
class Step:
    """What one action did beyond the status: the history note and data, and for a
    redirect the new referral."""

    note: str | None = None
    data: dict[str, Any] | None = None
    successor: Referral | None = None


@dataclass(frozen=True)
class Change:
    """What an action's step works on."""

    session: AsyncSession
    case: Case
    referral: Referral
    now: datetime
    calendar: BusinessCalendar


def _reason(text: str | None) -> str:
    return required_text(text, "reason", MAX_REASON_CHARS, "a reason", "เหตุผล")


async def _accept(c: Change, cmd: AcceptReferral, principal: Principal) -> Step:
    c.referral.accepted_at, c.referral.assigned_to_id = c.now, principal.user_id
    c.referral.next_due_at = c.referral.resolve_due_at
    return Step()


async def _hold(c: Change, cmd: HoldReferral, principal: Principal) -> Step:
    c.referral.reason = note = _reason(cmd.reason)
    c.referral.next_due_at = None
    return Step(note=note)


async def _resume(c: Change, cmd: ResumeReferral, principal: Principal) -> Step:
    c.referral.next_due_at = c.referral.resolve_due_at
    return Step()


async def _complete(c: Change, cmd: CompleteReferral, principal: Principal) -> Step:
    if cmd.outcome is None:
        raise ValidationFailed("outcome", "Please choose an outcome.", "กรุณาเลือกผลการดำเนินการ",
                               code="REQUIRED")
    amount = checked_baht("amountRecoveredThb", cmd.amount_recovered_thb)
    note = optional_text(cmd.note, "note", MAX_NOTE_CHARS, "the note", "ข้อความ")
    referral = c.referral
    referral.outcome, referral.amount_recovered_thb = cmd.outcome, amount
    referral.completed_at, referral.next_due_at = c.now, None
    return Step(note=note, data={"outcome": cmd.outcome,
                                 "amountRecoveredThb": str(amount) if amount is not None else None})


async def _reject(c: Change, cmd: RejectReferral, principal: Principal) -> Step:
    c.referral.reason = note = _reason(cmd.reason)
    c.referral.next_due_at = None
    return Step(note=note)


async def _redirect(c: Change, cmd: RedirectReferral, principal: Principal) -> Step:
    reason = _reason(cmd.reason)
    referral = c.referral
    target = await reference.org_unit(c.session, (cmd.org_unit_code or "").strip())
    if target is None:
        raise ValidationFailed("orgUnitCode", "Unknown office.", "ไม่พบหน่วยงานนี้",
                               code="UNKNOWN_ORG_UNIT")
    if target.code == referral.org_unit_code:
        raise ValidationFailed("orgUnitCode", "Choose another office than the current one.",
                               "กรุณาเลือกหน่วยงานอื่นที่ไม่ใช่หน่วยงานปัจจุบัน")
    policy.require_office_in_province(principal, c.case, target, "orgUnitCode")
    referral.reason = reason
    referral.is_current, referral.next_due_at = False, None
    successor = await new_referral(c.session, c.case, target.code, None, c.now, c.calendar, referral)
    return Step(note=reason, data={"toOrgUnit": target.code}, successor=successor)


StepFn = Callable[[Change, Any, Principal], Awaitable[Step]]
# Each command: its action on the state graph, its history event, and its step.
ACTIONS: dict[type, tuple[ReferralAction, EventType, StepFn]] = {
    AcceptReferral: (ReferralAction.ACCEPT, EventType.ACCEPTED, _accept),
    HoldReferral: (ReferralAction.HOLD, EventType.HELD, _hold),
    ResumeReferral: (ReferralAction.RESUME, EventType.RESUMED, _resume),
    CompleteReferral: (ReferralAction.COMPLETE, EventType.COMPLETED, _complete),
    RejectReferral: (ReferralAction.REJECT, EventType.REJECTED, _reject),
    RedirectReferral: (ReferralAction.REDIRECT, EventType.REDIRECTED, _redirect),
}


async def act_on_referral(uow: UnitOfWork, principal: Principal, cmd: ReferralCommand, now: datetime,
                          calendar: BusinessCalendar) -> Referral:
    """Accept, hold, resume, complete, reject or redirect one referral."""
    action, event_type, step = ACTIONS[type(cmd)]
    session = uow.session
    case = await repository.lock_case_of_referral(session, principal, cmd.referral_id)
    if case is None:
        raise NotFound("referral", "การส่งต่อ")
    referrals, fired = await repository.referrals_for_update_and_fired(session, case.id)
    referral = next(r for r in referrals if r.id == cmd.referral_id)
    if action is ReferralAction.REDIRECT:
        policy.require_redirector(principal, referral, case)
    else:
        policy.require_referral_worker(principal, referral)
    check_version(cmd.expected_version, referral.version)
    before = ReferralStatus(referral.status)
    after = next_referral_status(before, action)
    done = await step(Change(session, case, referral, now, calendar), cmd, principal)
    referral.status, referral.updated_at = after, now
    touch(referral)
    await on_referral_changed(session, referral, before, now, calendar, fired[referral.id])
    acted = event(case, event_type, principal, now, referral=referral, from_status=before,
                  to_status=after, note=done.note, data=done.data)
    history = [acted]
    if done.successor is not None:
        referrals.append(done.successor)
        history.append(routed_event(case, done.successor, principal, now, ruleId=None, by="redirect",
                                    **{"from": referral.org_unit_code}))
    status_changed = follow_referrals(case, referrals, principal, now)
    if status_changed is not None:
        touch(case)
        history.append(status_changed)
    # The referral and case are written with the commit's other rows, not flushed (two statements
    # less; a redirect's new referral is flushed with them): the case is locked since
    # `lock_case_of_referral`, its referrals since `referrals_for_update_and_fired`, and nothing
    # reads them again before the commit. So is the history: the entries are the case's last in
    # the transaction, and their jobs name them without an id.
    update_at_commit(session, [referral, case])
    record_at_commit(session, history)
    notices.tell(uow, acted, status_changed)  # the filer hears of it; back at triage, the coordinators
    return referral
