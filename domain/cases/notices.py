"""What the case work tells people: each notice is a job run after the change commits,
re-checking that it still applies, and safe to run twice (one notification per key)."""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.cases.models import Case, Referral
from domain.cases.state import ReferralStatus
from domain.clock.business import BusinessCalendar
from domain.notifications import messages
from domain.notifications.models import NotificationKind
from domain.notifications.service import notify
from domain.uow import UnitOfWork
from domain.users import repository as users_repo

REFERRAL_ROUTED_JOB = "notifications.referral_routed"


async def referral_routed(uow: UnitOfWork, referral_id: uuid.UUID, now: datetime,
                          calendar: BusinessCalendar) -> int:
    """Tell the officers of the office a referral was sent to (where it has none, the
    province's coordinators). Idempotent: one notification per officer and referral."""
    session = uow.session
    referral = await session.get(Referral, referral_id)
    if referral is None or referral.status != ReferralStatus.PENDING:
        return 0
    case = await session.get(Case, referral.case_id)
    if case is None:
        return 0
    people = (await users_repo.unit_officers(session, referral.org_unit_code)
              or await users_repo.coordinators(session, case.province_code))
    message = messages.new_referral(case.reference, referral.org_unit_code, referral.accept_due_at)
    created = 0
    for user in people:
        created += await notify(uow, user, NotificationKind.NEW_REFERRAL, f"routed:{referral.id}",
                                message, now, calendar, case_id=case.id, referral_id=referral.id)
    return created
