"""The case and referral state machines (SPEC §3). Pure: statuses and actions in, status out."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from domain.errors import IllegalTransition


class CaseStatus(StrEnum):
    NEW = "NEW"
    ROUTED = "ROUTED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class ReferralStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    ON_HOLD = "ON_HOLD"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    REDIRECTED = "REDIRECTED"


class ReferralAction(StrEnum):
    ACCEPT = "ACCEPT"
    HOLD = "HOLD"
    RESUME = "RESUME"
    COMPLETE = "COMPLETE"
    REJECT = "REJECT"
    REDIRECT = "REDIRECT"


class CaseAction(StrEnum):
    REJECT = "REJECT"
    CLOSE = "CLOSE"
    REOPEN = "REOPEN"


# Still being worked on: the referral's office has it, or the case is not yet resolved.
OPEN_REFERRAL_STATUSES: frozenset[ReferralStatus] = frozenset(
    {ReferralStatus.PENDING, ReferralStatus.ACCEPTED, ReferralStatus.ON_HOLD}
)
OPEN_CASE_STATUSES: frozenset[CaseStatus] = frozenset(
    {CaseStatus.NEW, CaseStatus.ROUTED, CaseStatus.IN_PROGRESS}
)

_RS, _RA = ReferralStatus, ReferralAction
REFERRAL_TRANSITIONS: dict[tuple[ReferralStatus, ReferralAction], ReferralStatus] = {
    (_RS.PENDING, _RA.ACCEPT): _RS.ACCEPTED,
    (_RS.PENDING, _RA.REJECT): _RS.REJECTED,
    (_RS.PENDING, _RA.REDIRECT): _RS.REDIRECTED,
    (_RS.ACCEPTED, _RA.HOLD): _RS.ON_HOLD,
    (_RS.ACCEPTED, _RA.COMPLETE): _RS.COMPLETED,
    (_RS.ACCEPTED, _RA.REDIRECT): _RS.REDIRECTED,
    (_RS.ON_HOLD, _RA.RESUME): _RS.ACCEPTED,
}

_CS, _CA = CaseStatus, CaseAction
CASE_TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {
    (_CS.NEW, _CA.REJECT): _CS.CLOSED,  # duplicate / outside the mandate
    (_CS.RESOLVED, _CA.CLOSE): _CS.CLOSED,
    (_CS.RESOLVED, _CA.REOPEN): _CS.ROUTED,
}


def next_referral_status(current: ReferralStatus, action: ReferralAction) -> ReferralStatus:
    """The referral status after `action`, or raise `IllegalTransition`."""
    try:
        return REFERRAL_TRANSITIONS[(ReferralStatus(current), ReferralAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition("referral", current, action) from None


def next_case_status(current: CaseStatus, action: CaseAction) -> CaseStatus:
    """The case status after an explicit case action, or raise `IllegalTransition`."""
    try:
        return CASE_TRANSITIONS[(CaseStatus(current), CaseAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition("case", current, action) from None


def allowed_referral_actions(current: ReferralStatus) -> frozenset[ReferralAction]:
    """The actions a referral in `current` may be given (for UIs and permission checks)."""
    return frozenset(a for (s, a) in REFERRAL_TRANSITIONS if s == current)


def allowed_case_actions(current: CaseStatus) -> frozenset[CaseAction]:
    """The explicit case actions allowed in `current`."""
    return frozenset(a for (s, a) in CASE_TRANSITIONS if s == current)


def derive_case_status(current_referrals: Iterable[ReferralStatus]) -> CaseStatus:
    """The case status that follows from its current (not superseded) referrals.

    REJECTED and REDIRECTED legs are ignored; nothing left means back to triage (NEW).
    """
    live = [
        ReferralStatus(s)
        for s in current_referrals
        if s not in (ReferralStatus.REJECTED, ReferralStatus.REDIRECTED)
    ]
    if not live:
        return CaseStatus.NEW
    if all(s == ReferralStatus.COMPLETED for s in live):
        return CaseStatus.RESOLVED
    if any(s != ReferralStatus.PENDING for s in live):
        return CaseStatus.IN_PROGRESS
    return CaseStatus.ROUTED
