"""Read use cases: each opens one short session and asks the repository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from domain.cases import repository
from domain.cases.commands import CaseFilter, ReferralFilter
from domain.cases.models import Case, Referral
from domain.db import Database
from domain.users.principal import Principal


async def find_case(db: Database, principal: Principal, case_id: uuid.UUID) -> Case | None:
    async with db.read_sessions() as session:
        return await repository.visible_case(session, principal, case_id)


async def find_referral(db: Database, principal: Principal,
                        referral_id: uuid.UUID) -> Referral | None:
    async with db.read_sessions() as session:
        found = await repository.visible_referral(session, principal, referral_id)
    return found[0] if found else None


async def list_cases(db: Database, principal: Principal, f: CaseFilter, first: int,
                     after: tuple[datetime, uuid.UUID] | None) -> tuple[Sequence[Case], bool]:
    async with db.read_sessions() as session:
        return await repository.list_cases(session, principal, f, first, after)


async def count_cases(db: Database, principal: Principal, f: CaseFilter) -> int:
    async with db.read_sessions() as session:
        return await repository.count_cases(session, principal, f)


async def list_referrals(db: Database, principal: Principal, f: ReferralFilter, now: datetime,
                         first: int, offset: int) -> tuple[Sequence[Referral], bool]:
    async with db.read_sessions() as session:
        return await repository.list_referrals(session, principal, f, now, first, offset)


async def count_referrals(db: Database, principal: Principal, f: ReferralFilter,
                          now: datetime) -> int:
    async with db.read_sessions() as session:
        return await repository.count_referrals(session, principal, f, now)
