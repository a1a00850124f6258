"""All SQL of the reminder sweeps and the morning digest (convention 3).

The cut-off instants come from the service, which holds the rules (3 business days on hold,
14 days resolved, the end of the office day); these functions only select by them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases.models import Case, Referral
from domain.cases.state import CaseStatus, ReferralStatus
from domain.users.models import Role, User


async def unreminded_hold_ids(session: AsyncSession, held_by: datetime, limit: int) -> list[uuid.UUID]:
    """Referrals ON_HOLD since `held_by` or earlier whose volunteer was not yet reminded."""
    stmt = (select(Referral.id)
            .where(Referral.status == ReferralStatus.ON_HOLD, Referral.held_at <= held_by,  # type: ignore[operator]
                   Referral.hold_reminded.is_(False))  # type: ignore[attr-defined]
            .limit(limit))
    return list((await session.execute(stmt)).scalars())


async def unasked_satisfaction_ids(session: AsyncSession, limit: int) -> list[uuid.UUID]:
    """RESOLVED cases with no satisfaction recorded and not asked since their resolution."""
    stmt = (select(Case.id)
            .where(Case.status == CaseStatus.RESOLVED, Case.resolved_at.is_not(None),  # type: ignore[union-attr]
                   Case.satisfaction.is_(None),  # type: ignore[union-attr]
                   or_(Case.satisfaction_asked_at.is_(None),  # type: ignore[union-attr]
                       Case.satisfaction_asked_at < Case.resolved_at))  # type: ignore[operator]
            .limit(limit))
    return list((await session.execute(stmt)).scalars())


async def resolved_case_ids(session: AsyncSession, resolved_by: datetime, limit: int) -> list[uuid.UUID]:
    """RESOLVED cases resolved at `resolved_by` or earlier."""
    stmt = (select(Case.id)
            .where(Case.status == CaseStatus.RESOLVED, Case.resolved_at <= resolved_by)  # type: ignore[operator]
            .limit(limit))
    return list((await session.execute(stmt)).scalars())


async def officer_ids_with_due(session: AsyncSession, due_before: datetime) -> list[uuid.UUID]:
    """Active officers of the units with a running deadline before `due_before`."""
    units = (select(Referral.org_unit_code)
             .where(Referral.next_due_at.is_not(None), Referral.next_due_at < due_before)  # type: ignore[union-attr,operator]
             .distinct())
    stmt = select(User.id).where(User.is_active, User.role == Role.OFFICER,
                                 User.org_unit_code.in_(units))  # type: ignore[union-attr]
    return list((await session.execute(stmt)).scalars())


async def unit_due_before(session: AsyncSession, org_unit_code: str, due_before: datetime,
                          limit: int) -> list[tuple[Referral, Case]]:
    """A unit's referrals with a running deadline before `due_before`, soonest first, with
    their cases."""
    stmt = (select(Referral, Case).join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
            .where(Referral.org_unit_code == org_unit_code, Referral.next_due_at.is_not(None),  # type: ignore[union-attr]
                   Referral.next_due_at < due_before)  # type: ignore[operator]
            .order_by(Referral.next_due_at).limit(limit))  # type: ignore[arg-type]
    return [(r, c) for r, c in (await session.execute(stmt)).all()]
