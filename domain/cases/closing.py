"""The end of a case: the filing volunteer (or the province's coordinator) closes it once
the citizen confirms, or reopens it; the volunteer records the citizen's satisfaction.
Services never commit (convention 3)."""

from __future__ import annotations

from datetime import datetime

from domain.cases import notices, policy
from domain.cases.changes import check_version, event, locked, new_referral
from domain.cases.commands import MAX_REASON_CHARS, CloseCase, RecordSatisfaction, ReopenCase
from domain.cases.models import Case, EventType, touch
from domain.cases.state import CaseAction, CaseStatus, ReferralStatus, next_case_status
from domain.clock.business import BusinessCalendar
from domain.errors import IllegalTransition, ValidationFailed
from domain.text import required_text
from domain.uow import UnitOfWork
from domain.users.principal import Principal


async def close_case(uow: UnitOfWork, principal: Principal, cmd: CloseCase, now: datetime) -> Case:
    """Close a RESOLVED case."""
    case, _ = await locked(uow, principal, cmd.case_id)
    policy.require_filer_or_coordinator(principal, case)
    check_version(cmd.expected_version, case.version)
    before = CaseStatus(case.status)
    after = next_case_status(before, CaseAction.CLOSE)
    case.closed_at = now
    uow.session.add(event(case, EventType.CLOSED, principal, now, from_status=before, to_status=after))
    case.status, case.updated_at = after, now
    touch(case)
    await uow.flush()
    return case


async def reopen_case(uow: UnitOfWork, principal: Principal, cmd: ReopenCase, now: datetime,
                      calendar: BusinessCalendar) -> Case:
    """Reopen a RESOLVED case, with a reason: each office that completed it gets a new referral."""
    case, referrals = await locked(uow, principal, cmd.case_id)
    policy.require_filer_or_coordinator(principal, case)
    check_version(cmd.expected_version, case.version)
    before = CaseStatus(case.status)
    after = next_case_status(before, CaseAction.REOPEN)
    reason = required_text(cmd.reason, "reason", MAX_REASON_CHARS, "a reason", "เหตุผล")
    session = uow.session
    case.resolved_at, case.outcome, case.amount_recovered_thb = None, None, None
    for old in [r for r in referrals if r.is_current and r.status == ReferralStatus.COMPLETED]:
        old.is_current = False
        touch(old)
        await new_referral(session, case, old.org_unit_code, old.routing_rule_id, now, calendar, old)
    reopened = event(case, EventType.REOPENED, principal, now, from_status=before, to_status=after,
                     note=reason)
    session.add(reopened)
    case.status, case.updated_at = after, now
    touch(case)
    await uow.flush()
    notices.tell(uow, reopened)
    return case


async def record_satisfaction(uow: UnitOfWork, principal: Principal, cmd: RecordSatisfaction,
                              now: datetime) -> Case:
    """The citizen's satisfaction (1–5) with a resolved or closed case."""
    case, _ = await locked(uow, principal, cmd.case_id)
    policy.require_filer(principal, case)
    check_version(cmd.expected_version, case.version)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise IllegalTransition("case", case.status, "RECORD_SATISFACTION")
    if cmd.score is None or not 1 <= cmd.score <= 5:
        raise ValidationFailed("score", "Satisfaction is a score from 1 to 5.",
                               "ความพึงพอใจต้องเป็นคะแนน 1 ถึง 5", code="OUT_OF_RANGE")
    case.satisfaction, case.updated_at = cmd.score, now
    touch(case)
    uow.session.add(event(case, EventType.SATISFACTION_RECORDED, principal, now,
                          data={"score": cmd.score}))
    await uow.flush()
    return case
