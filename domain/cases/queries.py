"""Read use cases: each asks the repository in a session from `sessions`.

`sessions` is a session factory: `Database.read_sessions` for a short session of its own, or
the API request's shared read session (api/loaders.SharedReads), which the request's other
reads then use too instead of each taking a connection of its own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from domain.cases import repository
from domain.cases.commands import CaseFilter, ReferralFilter
from domain.cases.models import Case, Referral
from domain.db import SessionFactory
from domain.users.principal import Principal


async def find_case(sessions: SessionFactory, principal: Principal, case_id: uuid.UUID) -> Case | None:
    async with sessions() as session:
        return await repository.visible_case(session, principal, case_id)


async def find_referral(sessions: SessionFactory, principal: Principal,
                        referral_id: uuid.UUID) -> Referral | None:
    async with sessions() as session:
        found = await repository.visible_referral(session, principal, referral_id)
    return found[0] if found else None


async def list_cases(sessions: SessionFactory, principal: Principal, f: CaseFilter, first: int,
                     after: tuple[datetime, uuid.UUID] | None) -> tuple[Sequence[Case], bool]:
    async with sessions() as session:
        return await repository.list_cases(session, principal, f, first, after)


async def first_cases_counted(sessions: SessionFactory, principal: Principal, f: CaseFilter,
                              first: int) -> tuple[Sequence[Case], bool, int]:
    async with sessions() as session:
        return await repository.first_cases_counted(session, principal, f, first)


async def count_cases(sessions: SessionFactory, principal: Principal, f: CaseFilter) -> int:
    async with sessions() as session:
        return await repository.count_cases(session, principal, f)


async def list_referrals(sessions: SessionFactory, principal: Principal, f: ReferralFilter, now: datetime,
                         first: int, offset: int) -> tuple[Sequence[Referral], bool]:
    async with sessions() as session:
        return await repository.list_referrals(session, principal, f, now, first, offset)


async def referrals_counted(sessions: SessionFactory, principal: Principal, f: ReferralFilter, now: datetime,
                            first: int, offset: int) -> tuple[Sequence[Referral], bool, int | None]:
    async with sessions() as session:
        return await repository.referrals_counted(session, principal, f, now, first, offset)


async def count_referrals(sessions: SessionFactory, principal: Principal, f: ReferralFilter,
                          now: datetime) -> int:
    async with sessions() as session:
        return await repository.count_referrals(session, principal, f, now)
