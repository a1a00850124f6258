"""Turnover without orphans (issue 13): a leaving volunteer's open cases go to another
person, a leaving officer's referrals back to the office's queue. Each case is locked, moved
and written in its history in the caller's transaction: all move or none does."""

from __future__ import annotations

from datetime import datetime

from domain.cases import repository
from domain.cases.changes import event
from domain.cases.models import Case, EventType, Referral, touch
from domain.uow import UnitOfWork
from domain.users.models import User
from domain.users.principal import Principal


async def hand_over_cases(uow: UnitOfWork, actor: Principal, leaving: User, to: User,
                          now: datetime) -> list[Case]:
    """Every open case `leaving` follows, now followed by `to`."""
    moved: list[Case] = []
    for case_id in await repository.open_case_ids_filed_by(uow.session, leaving.id):
        case = await repository.lock_case(uow.session, case_id)
        if case is None or case.filed_by_id != leaving.id:
            continue
        case.filed_by_id = to.id
        touch(case)
        uow.session.add(event(case, EventType.HANDED_OVER, actor, now, internal=False,
                              data={"from": leaving.username, "to": to.username}))
        moved.append(case)
    await uow.flush()
    return moved


async def unassign_referrals(uow: UnitOfWork, actor: Principal, leaving: User,
                             now: datetime) -> list[Referral]:
    """The open referrals assigned to `leaving`, back to nobody (the office's queue)."""
    freed = list(await repository.open_referrals_assigned_to(uow.session, leaving.id))
    for referral in freed:
        case = await repository.lock_case(uow.session, referral.case_id)
        referral.assigned_to_id = None
        touch(referral)
        if case is not None:
            uow.session.add(event(case, EventType.UNASSIGNED, actor, now, referral=referral, internal=True,
                                  data={"from": leaving.username}))
    await uow.flush()
    return freed


async def open_case_count(uow: UnitOfWork, user: User) -> int:
    return len(await repository.open_case_ids_filed_by(uow.session, user.id))
