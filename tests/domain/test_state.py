from __future__ import annotations

import itertools

import pytest

from domain.cases.state import (
    OPEN_REFERRAL_STATUSES,
    CaseAction,
    CaseStatus,
    ReferralAction,
    ReferralStatus,
    allowed_case_actions,
    allowed_referral_actions,
    derive_case_status,
    next_case_status,
    next_referral_status,
)
from domain.errors import DomainError, IllegalTransition

RS, RA, CS, CA = ReferralStatus, ReferralAction, CaseStatus, CaseAction

# Written out independently of the module's table: the whole graph of SPEC §3.
LEGAL_REFERRAL = {
    (RS.PENDING, RA.ACCEPT): RS.ACCEPTED,
    (RS.PENDING, RA.REJECT): RS.REJECTED,
    (RS.PENDING, RA.REDIRECT): RS.REDIRECTED,
    (RS.ACCEPTED, RA.HOLD): RS.ON_HOLD,
    (RS.ACCEPTED, RA.COMPLETE): RS.COMPLETED,
    (RS.ACCEPTED, RA.REDIRECT): RS.REDIRECTED,
    (RS.ON_HOLD, RA.RESUME): RS.ACCEPTED,
}
LEGAL_CASE = {
    (CS.NEW, CA.REJECT): CS.CLOSED,
    (CS.RESOLVED, CA.CLOSE): CS.CLOSED,
    (CS.RESOLVED, CA.REOPEN): CS.ROUTED,
}


def test_enum_values_equal_names() -> None:
    for enum in (CaseStatus, ReferralStatus, ReferralAction, CaseAction):
        assert all(member.value == member.name for member in enum)


def test_open_referral_statuses() -> None:
    assert OPEN_REFERRAL_STATUSES == {RS.PENDING, RS.ACCEPTED, RS.ON_HOLD}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(RS, RA)))
def test_referral_transition_cross_product(status: RS, action: RA) -> None:
    expected = LEGAL_REFERRAL.get((status, action))
    if expected is not None:
        assert next_referral_status(status, action) is expected
        return
    with pytest.raises(IllegalTransition) as info:
        next_referral_status(status, action)
    err = info.value
    assert isinstance(err, DomainError)
    assert (err.subject, err.status, err.action) == ("referral", status, action)
    assert err.code == "ILLEGAL_TRANSITION"
    assert f"{status}" in err.message and f"{action}" in err.message


@pytest.mark.parametrize(("status", "action"), list(itertools.product(CS, CA)))
def test_case_transition_cross_product(status: CS, action: CA) -> None:
    expected = LEGAL_CASE.get((status, action))
    if expected is not None:
        assert next_case_status(status, action) is expected
        return
    with pytest.raises(IllegalTransition) as info:
        next_case_status(status, action)
    assert (info.value.subject, info.value.status, info.value.action) == ("case", status, action)


@pytest.mark.parametrize("status", [RS.COMPLETED, RS.REJECTED, RS.REDIRECTED])
def test_terminal_referral_statuses_allow_nothing(status: RS) -> None:
    assert allowed_referral_actions(status) == frozenset()
    assert status not in OPEN_REFERRAL_STATUSES


@pytest.mark.parametrize("status", list(RS))
def test_allowed_referral_actions_match_graph(status: RS) -> None:
    assert allowed_referral_actions(status) == {a for (s, a) in LEGAL_REFERRAL if s == status}


@pytest.mark.parametrize("status", list(CS))
def test_allowed_case_actions_match_graph(status: CS) -> None:
    assert allowed_case_actions(status) == {a for (s, a) in LEGAL_CASE if s == status}


def test_plain_strings_are_accepted() -> None:
    assert next_referral_status("PENDING", "ACCEPT") is RS.ACCEPTED  # type: ignore[arg-type]
    with pytest.raises(IllegalTransition):
        next_referral_status("NONSENSE", "ACCEPT")  # type: ignore[arg-type]
    with pytest.raises(IllegalTransition):
        next_case_status("RESOLVED", "NONSENSE")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("referrals", "expected"),
    [
        ([], CS.NEW),
        ([RS.REJECTED], CS.NEW),
        ([RS.REJECTED, RS.REJECTED], CS.NEW),
        ([RS.REDIRECTED], CS.NEW),
        ([RS.REJECTED, RS.REDIRECTED], CS.NEW),
        ([RS.PENDING], CS.ROUTED),
        ([RS.PENDING, RS.PENDING], CS.ROUTED),
        ([RS.PENDING, RS.REJECTED], CS.ROUTED),
        ([RS.REDIRECTED, RS.PENDING], CS.ROUTED),
        ([RS.ACCEPTED], CS.IN_PROGRESS),
        ([RS.ON_HOLD], CS.IN_PROGRESS),
        ([RS.PENDING, RS.ACCEPTED], CS.IN_PROGRESS),
        ([RS.PENDING, RS.ON_HOLD], CS.IN_PROGRESS),
        ([RS.PENDING, RS.COMPLETED], CS.IN_PROGRESS),
        ([RS.ACCEPTED, RS.COMPLETED], CS.IN_PROGRESS),
        ([RS.ON_HOLD, RS.COMPLETED, RS.REJECTED], CS.IN_PROGRESS),
        ([RS.COMPLETED], CS.RESOLVED),
        ([RS.COMPLETED, RS.COMPLETED], CS.RESOLVED),
        ([RS.COMPLETED, RS.REJECTED], CS.RESOLVED),
        ([RS.REDIRECTED, RS.COMPLETED], CS.RESOLVED),
    ],
)
def test_derive_case_status(referrals: list[RS], expected: CS) -> None:
    assert derive_case_status(referrals) is expected
    assert derive_case_status(reversed(referrals)) is expected  # order does not matter
    assert derive_case_status(iter(referrals)) is expected  # any iterable, consumed once
