"""Who in an office works a referral (issue 12): an officer takes a referral sent to their office,
or gives it to a colleague of the same office. Acceptance assigns it to whoever accepts; this
changes who it is later. Each change is in the history, and the new assignee is told."""

from __future__ import annotations

from datetime import datetime

from domain.cases import notices, policy, repository
from domain.cases.changes import check_version, event, locked_case
from domain.cases.commands import AssignReferral
from domain.cases.models import EventType, Referral, touch
from domain.cases.state import OPEN_REFERRAL_STATUSES, ReferralStatus
from domain.errors import IllegalTransition, NotFound, ValidationFailed
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.principal import Principal


async def assign_referral(uow: UnitOfWork, principal: Principal, cmd: AssignReferral,
                          now: datetime) -> Referral:
    """Assign an open, current referral to `cmd.assignee_username` (None: the principal)."""
    session = uow.session
    found = await repository.visible_referral(session, principal, cmd.referral_id)
    if found is None:
        raise NotFound("referral", "การส่งต่อ")
    case, referrals = await locked_case(uow, found[1].id)
    referral = next(r for r in referrals if r.id == cmd.referral_id)
    policy.require_referral_worker(principal, referral)
    check_version(cmd.expected_version, referral.version)
    if not referral.is_current or referral.status not in OPEN_REFERRAL_STATUSES:
        raise IllegalTransition("referral", ReferralStatus(referral.status), "ASSIGN")
    if cmd.assignee_username is None:
        assignee = await users.by_id(session, principal.user_id)
    else:
        name = cmd.assignee_username.strip()
        assignee = await users.by_username(session, name) if name else None
    if (assignee is None or not assignee.is_active
            or not policy.works_in_unit(Principal.of(assignee), referral.org_unit_code)):
        raise ValidationFailed("assigneeUsername", "Choose an active colleague of this office.",
                               "กรุณาเลือกเจ้าหน้าที่ของหน่วยงานนี้ที่ยังใช้งานอยู่",
                               code="NOT_A_COLLEAGUE")
    if referral.assigned_to_id == assignee.id:
        return referral  # already theirs: nothing changes, nobody is told again
    referral.assigned_to_id, referral.updated_at = assignee.id, now
    touch(referral)
    assigned = event(case, EventType.ASSIGNED, principal, now, referral=referral,
                     data={"to": assignee.username})
    session.add(assigned)
    await uow.flush()
    notices.tell(uow, assigned)
    return referral
