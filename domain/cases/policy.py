"""Who may do what to a case or a referral: pure rules over a principal and the rows."""

from __future__ import annotations

from collections.abc import Iterable

from domain.cases.models import Case, Referral
from domain.cases.state import CaseStatus, ReferralStatus
from domain.errors import AccessDenied, ValidationFailed
from domain.org_units.models import OrgUnit
from domain.users.models import Role
from domain.users.principal import Principal

# An office is responsible for a case through a referral until it declines or redirects it;
# a completed referral stays the office's own work (it is reopened to the same office).
RESPONSIBLE_STATUSES: frozenset[ReferralStatus] = frozenset(
    {ReferralStatus.PENDING, ReferralStatus.ACCEPTED, ReferralStatus.ON_HOLD,
     ReferralStatus.COMPLETED}
)


def in_province(principal: Principal, case: Case) -> bool:
    return principal.role is Role.COORDINATOR and principal.province_code == case.province_code


def works_in_unit(principal: Principal, org_unit_code: str) -> bool:
    return (principal.role in (Role.OFFICER, Role.COORDINATOR)
            and principal.org_unit_code == org_unit_code)


def is_filer(principal: Principal, case: Case) -> bool:
    return principal.role is Role.VOLUNTEER and case.filed_by_id == principal.user_id


def serves(principal: Principal, referral: Referral) -> bool:
    """The principal works in the office this referral holds the case for, and the office is
    still responsible for it: rights follow current responsibility, so an office that
    declined (REJECTED) or redirected the referral no longer serves the citizen through it.

    A coordinator serves the citizen only through a referral the routing rules (an admin's
    data) gave their office, never through one made by hand (a coordinator's routing or a
    redirect, or the triage desk's default): a coordinator may route any case of the
    province, so routing it to their own office must not be a way to see its citizen."""
    if not works_in_unit(principal, referral.org_unit_code):
        return False
    if referral.status not in RESPONSIBLE_STATUSES:
        return False
    return principal.role is Role.OFFICER or referral.routing_rule_id is not None


def may_see_citizen(principal: Principal, case: Case, referrals: Iterable[Referral]) -> bool:
    """The citizen's name whole, and the national ID and phone on an audited reveal: only
    the filing volunteer, the staff of an office that serves the citizen through a referral
    of the case (`serves`), the province's coordinators while the case is at triage (they
    call the citizen to find where it goes: issue 12) and admins (SPEC.md section 2).
    Everyone else who may see the case (an office that declined or redirected it, the
    coordinators once it is routed, mentors, supervisors) sees the citizen masked."""
    if principal.role is Role.ADMIN or is_filer(principal, case):
        return True
    if in_province(principal, case) and case.status == CaseStatus.NEW:
        return True
    return any(serves(principal, r) for r in referrals)


def may_see_internal_notes(principal: Principal) -> bool:
    return principal.role not in (Role.VOLUNTEER, Role.MENTOR)


def require_referral_worker(principal: Principal, referral: Referral) -> None:
    """Accept, hold, resume, complete, reject: only a user of the referral's org unit."""
    if not works_in_unit(principal, referral.org_unit_code):
        raise AccessDenied("Only the office this referral was sent to can do this.")


def require_redirector(principal: Principal, referral: Referral, case: Case) -> None:
    if not (works_in_unit(principal, referral.org_unit_code) or in_province(principal, case)):
        raise AccessDenied("Only the receiving office or the province's coordinator can redirect.")


def require_office_in_province(principal: Principal, case: Case, office: OrgUnit,
                               field: str) -> None:
    """A coordinator's scope is the province: they route and redirect a case only to
    offices of the case's province. (Officers redirect their own referral to wherever the
    work is, e.g. the employer's province; admins are not bound to a province.)"""
    if principal.role is not Role.COORDINATOR or office.province_code == case.province_code:
        return
    raise ValidationFailed(
        field, "A coordinator can send a case only to offices in the case's province.",
        "เจ้าหน้าที่สำนักงานแรงงานจังหวัดส่งต่อเรื่องได้เฉพาะหน่วยงานในจังหวัดของเรื่องเท่านั้น")


def require_triage(principal: Principal, case: Case) -> None:
    if not in_province(principal, case):
        raise AccessDenied("Only a coordinator of the case's province can do this.")


def require_filer_or_coordinator(principal: Principal, case: Case) -> None:
    if not (is_filer(principal, case) or in_province(principal, case)):
        raise AccessDenied("Only the filing volunteer or the province's coordinator can do this.")


def require_filer(principal: Principal, case: Case) -> None:
    if not is_filer(principal, case):
        raise AccessDenied("Only the volunteer who filed this case can do this.")


def require_note_writer(principal: Principal, case: Case, referrals: Iterable[Referral],
                        internal: bool) -> None:
    """The filer (shared notes only), staff of the case's province (`in_province`), and
    officers of an office still responsible for one of its referrals (`serves`)."""
    if is_filer(principal, case):
        if internal:
            raise AccessDenied("Volunteers' notes are always shared.")
        return
    if in_province(principal, case) or (
        principal.role is Role.OFFICER and any(serves(principal, r) for r in referrals)
    ):
        return
    raise AccessDenied("You cannot add notes to this case.")
