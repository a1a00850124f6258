"""All SQL about deadline clocks, escalations and extensions (convention 3)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases.deadlines import DeadlineKind
from domain.cases.models import Case, Escalation, Referral
from domain.cases.repository import visibility
from domain.cases.state import OPEN_REFERRAL_STATUSES
from domain.escalations.models import DeadlineExtension, ExtensionStatus
from domain.quick_reads import KeyedRows
from domain.upsert import insert_once
from domain.users.principal import Principal


def due_selection(now: datetime, limit: int) -> Select[tuple[uuid.UUID]]:
    """The sweep's query: ids of referrals with a level due, read through the partial index
    `ix_referral_escalation_due` (only rows with a level still to come are in it)."""
    return (select(Referral.id)
            .where(Referral.next_escalation_at.is_not(None),  # type: ignore[union-attr]
                   Referral.next_escalation_at <= now)  # type: ignore[operator]
            .order_by(Referral.next_escalation_at).limit(limit))  # type: ignore[arg-type]


async def due_referral_ids(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    return list((await session.execute(due_selection(now, limit))).scalars())


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
            .where(Referral.status.in_(OPEN_REFERRAL_STATUSES),  # type: ignore[attr-defined]
                   Referral.created_at < day_end,  # type: ignore[operator]
                   or_(Referral.accept_due_at >= day_start, Referral.resolve_due_at >= day_start,  # type: ignore[operator]
                       Referral.held_at.is_not(None)))  # type: ignore[union-attr]
            .with_for_update())
    return (await session.execute(stmt)).scalars().all()


async def open_referrals_of_category(session: AsyncSession, category_code: str) -> Sequence[Referral]:
    """Open referrals of the cases of one problem type, locked for the recompute."""
    stmt = (select(Referral).join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
            .where(Referral.status.in_(OPEN_REFERRAL_STATUSES),  # type: ignore[attr-defined]
                   Case.category_code == category_code)
            .order_by(Referral.created_at)  # type: ignore[arg-type]
            .with_for_update(of=Referral))  # type: ignore[arg-type]
    return (await session.execute(stmt)).scalars().all()


async def extension_of(session: AsyncSession, referral_id: uuid.UUID) -> DeadlineExtension | None:
    stmt = (select(DeadlineExtension).where(DeadlineExtension.referral_id == referral_id)
            .with_for_update())
    return (await session.execute(stmt)).scalar_one_or_none()


def fired_count_selection() -> Select[tuple[int, int]]:
    """How many levels fired, per level (0 is the 80 % warning). One row per level in
    `escalation` is one DEADLINE_WARNING or ESCALATED event, so this counts those events
    without reading `case_event` (the largest table, with no index on its type)."""
    return select(Escalation.level, func.count()).group_by(Escalation.level)  # type: ignore[arg-type]


async def fired_counts(session: AsyncSession) -> dict[int, int]:
    rows = (await session.execute(fired_count_selection())).all()
    return {int(level): int(count) for level, count in rows}


# The loader's batch (api/loaders.py): the rows `extensions_of` reads, past SQLAlchemy's execution.
EXTENSIONS_OF = KeyedRows(DeadlineExtension, DeadlineExtension.referral_id)


async def extensions_of(session: AsyncSession, referral_ids: Sequence[uuid.UUID]) -> Sequence[DeadlineExtension]:
    """The extensions of these referrals (at most one each), for reading."""
    if not referral_ids:
        return []
    stmt = select(DeadlineExtension).where(DeadlineExtension.referral_id.in_(list(referral_ids)))  # type: ignore[attr-defined]
    return (await session.execute(stmt)).scalars().all()


def _pending(principal: Principal) -> Select[tuple[Referral]]:
    return (select(Referral)
            .join(DeadlineExtension, DeadlineExtension.referral_id == Referral.id)  # type: ignore[arg-type]
            .join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
            .where(DeadlineExtension.status == ExtensionStatus.REQUESTED, visibility(principal)))


async def pending_extensions(session: AsyncSession, principal: Principal, first: int,
                             offset: int) -> tuple[Sequence[Referral], bool]:
    """Referrals the principal may see whose extension waits for a decision, the oldest
    request first."""
    stmt = (_pending(principal).order_by(DeadlineExtension.requested_at, Referral.id)  # type: ignore[arg-type]
            .offset(offset).limit(first + 1))
    rows = (await session.execute(stmt)).scalars().all()
    return rows[:first], len(rows) > first


async def count_pending_extensions(session: AsyncSession, principal: Principal) -> int:
    inner = _pending(principal).with_only_columns(Referral.id)  # type: ignore[arg-type]
    return int((await session.execute(select(func.count()).select_from(inner.subquery()))).scalar_one())
