"""All SQL about deadline clocks, escalations and extensions (convention 3)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases.models import Referral
from domain.escalations.models import DeadlineExtension, Escalation
from domain.escalations.rules import DeadlineKind
from domain.upsert import insert_once
from domain.users.models import Role, User

OPEN_STATUSES = ("PENDING", "ACCEPTED", "ON_HOLD")


def due_selection(now: datetime, limit: int) -> Select[tuple[uuid.UUID]]:
    """The sweep's query: ids of referrals with a level due, read through the partial index
    `ix_referral_escalation_due` (only rows with a level still to come are in it)."""
    return (select(Referral.id)
            .where(Referral.next_escalation_at.is_not(None),  # type: ignore[union-attr]
                   Referral.next_escalation_at <= now)  # type: ignore[operator]
            .order_by(Referral.next_escalation_at).limit(limit))  # type: ignore[arg-type]


async def due_referral_ids(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    return list((await session.execute(due_selection(now, limit))).scalars())


async def fired_levels(session: AsyncSession, referral_id: uuid.UUID) -> dict[DeadlineKind, set[int]]:
    stmt = select(Escalation.deadline, Escalation.level).where(Escalation.referral_id == referral_id)
    fired: dict[DeadlineKind, set[int]] = defaultdict(set)
    for deadline, level in (await session.execute(stmt)).all():
        fired[DeadlineKind(deadline)].add(level)
    return fired


async def record_once(session: AsyncSession, referral: Referral, kind: DeadlineKind, level: int,
                      due: datetime, now: datetime) -> bool:
    """Insert the escalation row; False when this level of this deadline already fired."""
    return await insert_once(session, Escalation, {
        "referral_id": referral.id, "case_id": referral.case_id, "deadline": kind.value,
        "level": level, "due_at": due, "at": now,
    }, ["referral_id", "deadline", "level"])


async def open_referrals_touching(session: AsyncSession, day_start: datetime,
                                  day_end: datetime) -> Sequence[Referral]:
    """Open referrals whose deadlines may count `day`: made by its end, due after its start."""
    stmt = (select(Referral)
            .where(Referral.status.in_(OPEN_STATUSES),  # type: ignore[attr-defined]
                   Referral.created_at < day_end,  # type: ignore[operator]
                   or_(Referral.accept_due_at >= day_start, Referral.resolve_due_at >= day_start,  # type: ignore[operator]
                       Referral.held_at.is_not(None)))  # type: ignore[union-attr]
            .with_for_update())
    return (await session.execute(stmt)).scalars().all()


async def active_users(session: AsyncSession, *conditions: object) -> list[User]:
    stmt = select(User).where(User.is_active, *conditions).order_by(User.username)  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())


async def unit_officers(session: AsyncSession, org_unit_code: str, heads_only: bool = False) -> list[User]:
    conditions: list[object] = [User.org_unit_code == org_unit_code, User.role == Role.OFFICER]
    if heads_only:
        conditions.append(User.is_unit_head)
    return await active_users(session, *conditions)


async def coordinators(session: AsyncSession, province_code: str) -> list[User]:
    return await active_users(session, User.role == Role.COORDINATOR,
                              User.area_code.like(province_code + "%"))  # type: ignore[union-attr]


async def supervisors_over(session: AsyncSession, subdistrict_code: str) -> list[User]:
    """Supervisors whose scope (nation, province, district) contains the sub-district."""
    prefixes = [subdistrict_code[:n] for n in (2, 4, 6)]
    return await active_users(session, User.role == Role.SUPERVISOR,
                              or_(User.area_code.is_(None), User.area_code.in_(prefixes)))  # type: ignore[union-attr]


async def approvers(session: AsyncSession) -> list[User]:
    return await active_users(session, User.is_extension_approver)


async def extension_of(session: AsyncSession, referral_id: uuid.UUID) -> DeadlineExtension | None:
    stmt = (select(DeadlineExtension).where(DeadlineExtension.referral_id == referral_id)
            .with_for_update())
    return (await session.execute(stmt)).scalar_one_or_none()


def fired_count_selection() -> Select[tuple[int, int]]:
    """How many levels fired, per level (0 is the 80 % warning). One row per level in
    `escalation` is one DEADLINE_WARNING or ESCALATED event, so this counts those events
    without reading `case_event` (the largest table, with no index on its type)."""
    from sqlalchemy import func

    return select(Escalation.level, func.count()).group_by(Escalation.level)  # type: ignore[arg-type]


async def fired_counts(session: AsyncSession) -> dict[int, int]:
    rows = (await session.execute(fired_count_selection())).all()
    return {int(level): int(count) for level, count in rows}
