"""A referral's clocks: started when it is made, paused and resumed with it, and the next
instant an escalation level comes due kept up to date (the sweep reads it through an index).
Services never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import deadlines, repository
from domain.cases.models import Case, Referral
from domain.cases.state import ReferralStatus
from domain.clock.business import BusinessCalendar


def running(referral: Referral) -> list[deadlines.Deadline]:
    """The deadlines the referral runs against now."""
    return deadlines.running_deadlines(ReferralStatus(referral.status), referral.created_at,
                                       referral.accept_due_at, referral.resolve_due_at,
                                       referral.legal_due_at, referral.legal_from)


def start_clocks(referral: Referral, case: Case, calendar: BusinessCalendar,
                 legal_clock: bool | None = None) -> None:
    """A new referral: its legal clock (DLPW complaints whose problem type's SLA policy has
    one, by default wages and dismissal; from the case's receipt) and the first instant a
    level comes due. No level has fired yet."""
    agency = referral.org_unit_code.split("-", 1)[0]
    legal = (deadlines.has_legal_clock(agency, case.category_code) if legal_clock is None
             else legal_clock and agency == deadlines.LEGAL_AGENCY)
    if legal:
        referral.legal_from = case.received_at
        referral.legal_due_at = deadlines.legal_due_at(case.received_at)
    referral.next_escalation_at = deadlines.next_escalation_at(running(referral), {}, calendar)


async def refresh_clock(session: AsyncSession, referral: Referral, calendar: BusinessCalendar,
                        fired: repository.Fired | None = None) -> None:
    """The next instant a level not yet fired comes due, after any change to the deadlines
    (the levels fired read now, unless the caller read them with the referral's lock)."""
    if fired is None:
        fired = await repository.fired_levels(session, referral.id)
    referral.next_escalation_at = deadlines.next_escalation_at(running(referral), fired, calendar)


async def on_referral_changed(session: AsyncSession, referral: Referral, before: ReferralStatus,
                              now: datetime, calendar: BusinessCalendar,
                              fired: repository.Fired | None = None) -> None:
    """After a transition: ON_HOLD pauses the target deadlines, resuming adds the office
    time spent on hold back to them; then the next escalation instant is recomputed."""
    after, on_hold = ReferralStatus(referral.status), ReferralStatus.ON_HOLD
    if after is on_hold and before is not on_hold:
        referral.held_at, referral.hold_reminded = now, False
    elif before is on_hold and after is not on_hold and referral.held_at is not None:
        held = deadlines.resume_shift(referral.held_at, now, calendar)
        referral.held_days = (referral.held_days or 0.0) + held
        referral.accept_due_at = deadlines.shift(referral.accept_due_at, held, calendar)
        referral.resolve_due_at = deadlines.shift(referral.resolve_due_at, held, calendar)
        referral.held_at = None
        if after is ReferralStatus.ACCEPTED:
            referral.next_due_at = referral.resolve_due_at
    await refresh_clock(session, referral, calendar, fired)
