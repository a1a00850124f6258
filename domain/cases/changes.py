"""The steps every change of a case shares: the case's lock, the version check, history
events, new referrals with their clocks, and the case status that follows its referrals.
Services never commit (convention 3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import repository
from domain.cases.clocks import start_clocks
from domain.categories.models import SlaPolicy
from domain.cases.models import Case, CaseEvent, EventType, Referral, ReferralOutcome
from domain.cases.notices import REFERRAL_ROUTED_JOB
from domain.cases.state import CaseStatus, ReferralStatus, derive_case_status
from domain.clock.business import BusinessCalendar, due_at
from domain.commit_writes import INSERT, Part, queue
from domain.errors import NotFound, StaleVersion
from domain.outbox.service import enqueue
from domain.uow import UnitOfWork
from domain.users.principal import Principal

# Used when a category has no SLA policy row.
DEFAULT_ACCEPT_DAYS, DEFAULT_RESOLVE_DAYS = 2, 30


def check_version(expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise StaleVersion(expected, actual)


def event(case: Case, type_: EventType, actor: Principal | None, now: datetime, *,
          referral: Referral | None = None, from_status: str | None = None,
          to_status: str | None = None, note: str | None = None, internal: bool = False,
          data: dict[str, Any] | None = None) -> CaseEvent:
    """A history entry of `case` (and of one of its referrals)."""
    return CaseEvent(case_id=case.id, referral_id=referral.id if referral else None, type=type_,
                     at=now, actor_id=actor.user_id if actor else None, from_status=from_status,
                     to_status=to_status, note=note, internal=internal, data=data)


# History entries written with the commit's other rows (domain/commit_writes.py), not by a
# flush of their own: their ids are not read back, so only for entries no answer names by id (a
# job names one by its case, type, instant and referral: domain/cases/notices.py). The rollups'
# upkeep counts their actors' activity as it does a flushed entry's.
HISTORY = Part(CaseEvent.__table__, INSERT,  # type: ignore[attr-defined]
               ("case_id", "referral_id", "type", "at", "actor_id", "from_status", "to_status", "note",
                "internal", "data"))


def record_at_commit(session: AsyncSession, entries: list[CaseEvent]) -> None:
    """Write `entries` when the transaction commits, in the order given (their ids increase in
    it), and never if it rolls back. They are the last of their cases' history in the
    transaction: an entry flushed after them would get a smaller id, and read before them."""
    queue(session, HISTORY, [{name: getattr(entry, name) for name in HISTORY.columns} for entry in entries])


async def new_referral(session: AsyncSession, case: Case, org_unit_code: str,
                       rule_id: int | None, now: datetime, calendar: BusinessCalendar,
                       predecessor: Referral | None = None) -> Referral:
    """A PENDING referral of `case` to an office, its deadlines from the category's SLA
    policy and its clocks started, flushed; the office is told after commit."""
    sla = await repository.sla_policy(session, case.category_code)
    referral = added_referral(session, case, org_unit_code, rule_id, now, calendar, sla, predecessor)
    await session.flush()
    return referral


def added_referral(session: AsyncSession, case: Case, org_unit_code: str, rule_id: int | None,
                   now: datetime, calendar: BusinessCalendar, sla: SlaPolicy | None,
                   predecessor: Referral | None = None) -> Referral:
    """`new_referral` with the category's SLA policy already read: added to the session, not
    flushed (it is written with the rest at the next flush)."""
    referral = pending_referral(case, org_unit_code, rule_id, now, calendar, sla, predecessor)
    session.add(referral)
    enqueue(session, REFERRAL_ROUTED_JOB, referral_id=str(referral.id))
    return referral


def pending_referral(case: Case, org_unit_code: str, rule_id: int | None, now: datetime,
                     calendar: BusinessCalendar, sla: SlaPolicy | None,
                     predecessor: Referral | None = None) -> Referral:
    """A PENDING referral of `case`, its deadlines and clocks set; not in any session, and the
    office not yet told (`REFERRAL_ROUTED_JOB`)."""
    accept_days = sla.accept_business_days if sla else DEFAULT_ACCEPT_DAYS
    resolve_days = sla.resolve_business_days if sla else DEFAULT_RESOLVE_DAYS
    accept_due = due_at(now, accept_days, calendar)
    referral = Referral(case_id=case.id, org_unit_code=org_unit_code,
                        status=ReferralStatus.PENDING, routing_rule_id=rule_id,
                        predecessor_id=predecessor.id if predecessor else None,
                        created_at=now, updated_at=now, accept_due_at=accept_due,
                        resolve_due_at=due_at(now, resolve_days, calendar), next_due_at=accept_due)
    start_clocks(referral, case, calendar, (sla.legal_days is not None) if sla else None)
    return referral


def routed_event(case: Case, referral: Referral, actor: Principal, now: datetime,
                 **data: Any) -> CaseEvent:
    """The ROUTED history entry of a new referral; `data` says by what (rule, triage, ...)."""
    return event(case, EventType.ROUTED, actor, now, referral=referral, to_status=ReferralStatus.PENDING,
                 data={"orgUnit": referral.org_unit_code, **data})


def _rolled_up_outcome(completed: list[Referral]) -> tuple[str | None, Decimal | None]:
    outcomes = {r.outcome for r in completed}
    outcome = outcomes.pop() if len(outcomes) == 1 else ReferralOutcome.PARTIALLY_RESOLVED
    amounts = [r.amount_recovered_thb for r in completed if r.amount_recovered_thb is not None]
    return outcome, (sum(amounts, Decimal(0)) if amounts else None)


def sync_case_status(session: AsyncSession, case: Case, referrals: list[Referral],
                     actor: Principal | None, now: datetime) -> CaseEvent | None:
    """The case follows its current referrals; stored, in the same transaction.
    The history entry of the change, or None when the case's status did not change."""
    changed = follow_referrals(case, referrals, actor, now)
    if changed is not None:
        session.add(changed)
    return changed


def follow_referrals(case: Case, referrals: list[Referral], actor: Principal | None,
                     now: datetime) -> CaseEvent | None:
    """`sync_case_status` with its history entry returned, not added to the session."""
    current = [r for r in referrals if r.is_current]
    status = derive_case_status(ReferralStatus(r.status) for r in current)
    if status == case.status:
        return None
    changed = event(case, EventType.STATUS_CHANGED, actor, now, from_status=case.status, to_status=status)
    case.status = status
    case.updated_at = now
    if status is CaseStatus.RESOLVED:
        case.resolved_at = now
        case.outcome, case.amount_recovered_thb = _rolled_up_outcome(
            [r for r in current if r.status == ReferralStatus.COMPLETED])
    return changed


async def locked(uow: UnitOfWork, principal: Principal,
                 case_id: uuid.UUID) -> tuple[Case, list[Referral]]:
    """The case (if visible) and its referrals, re-read under the case's lock."""
    case = await repository.lock_visible_case(uow.session, principal, case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    return case, list(await repository.referrals_for_update(uow.session, case_id))


async def locked_case(uow: UnitOfWork, case_id: uuid.UUID) -> tuple[Case, list[Referral]]:
    """The case and its referrals, read under the case's lock; the caller has checked that
    the principal may see it."""
    case = await repository.lock_case(uow.session, case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    return case, list(await repository.referrals_for_update(uow.session, case_id))
