"""Who may do what to a case or a referral: pure rules over a principal and the rows."""

from __future__ import annotations

from collections.abc import Iterable

from domain.cases.models import Case, Referral
from domain.errors import AccessDenied
from domain.users.models import Role
from domain.users.principal import Principal


def in_province(principal: Principal, case: Case) -> bool:
    return principal.role is Role.COORDINATOR and principal.province_code == case.province_code


def works_in_unit(principal: Principal, org_unit_code: str) -> bool:
    return (principal.role in (Role.OFFICER, Role.COORDINATOR)
            and principal.org_unit_code == org_unit_code)


def is_filer(principal: Principal, case: Case) -> bool:
    return principal.role is Role.VOLUNTEER and case.filed_by_id == principal.user_id


def may_see_citizen(principal: Principal, case: Case, referral_units: Iterable[str]) -> bool:
    """National ID and phone whole only for the filing volunteer, the officers of a referral
    of that case, and admins (SPEC.md section 2); everyone else sees them masked."""
    if principal.role is Role.ADMIN or is_filer(principal, case):
        return True
    if principal.role in (Role.OFFICER, Role.COORDINATOR) and principal.org_unit_code:
        return principal.org_unit_code in set(referral_units)
    return False


def may_see_internal_notes(principal: Principal) -> bool:
    return principal.role not in (Role.VOLUNTEER, Role.MENTOR)


def require_referral_worker(principal: Principal, referral: Referral) -> None:
    """Accept, hold, resume, complete, reject: only a user of the referral's org unit."""
    if not works_in_unit(principal, referral.org_unit_code):
        raise AccessDenied("Only the office this referral was sent to can do this.")


def require_redirector(principal: Principal, referral: Referral, case: Case) -> None:
    if not (works_in_unit(principal, referral.org_unit_code) or in_province(principal, case)):
        raise AccessDenied("Only the receiving office or the province's coordinator can redirect.")


def require_triage(principal: Principal, case: Case) -> None:
    if not in_province(principal, case):
        raise AccessDenied("Only a coordinator of the case's province can do this.")


def require_filer_or_coordinator(principal: Principal, case: Case) -> None:
    if not (is_filer(principal, case) or in_province(principal, case)):
        raise AccessDenied("Only the filing volunteer or the province's coordinator can do this.")


def require_filer(principal: Principal, case: Case) -> None:
    if not is_filer(principal, case):
        raise AccessDenied("Only the volunteer who filed this case can do this.")


def require_note_writer(principal: Principal, case: Case, referral_units: Iterable[str],
                        internal: bool) -> None:
    if is_filer(principal, case):
        if internal:
            raise AccessDenied("Volunteers' notes are always shared.")
        return
    units = set(referral_units)
    if in_province(principal, case) or (
        principal.role is Role.OFFICER and principal.org_unit_code in units
    ):
        return
    raise AccessDenied("You cannot add notes to this case.")
