"""All SQL about the outbox: claiming due jobs, marking them done, the backlog (convention 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outbox.models import OutboxJob


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    name: str
    ids: dict[str, Any]
    attempts: int = 1  # this claim's included: more than 1 when it was handed over before


async def claim(session: AsyncSession, now: datetime, retry_after: timedelta,
                limit: int = 200) -> list[ClaimedJob]:
    """Take due jobs (not done, next attempt reached) and push their next attempt a retry
    window ahead. Concurrent relays skip each other's rows on PostgreSQL; SQLite writers
    are serialised. The caller hands them over and commits."""
    stmt = (select(OutboxJob)
            .where(OutboxJob.done_at.is_(None), OutboxJob.next_attempt_at <= now)  # type: ignore[union-attr,operator]
            .order_by(OutboxJob.id).limit(limit)  # type: ignore[arg-type]
            .with_for_update(skip_locked=True))
    rows = list((await session.execute(stmt)).scalars())
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + retry_after
    return [ClaimedJob(int(row.id or 0), row.name, dict(row.ids), row.attempts) for row in rows]


async def mark_done(session: AsyncSession, now: datetime, *job_ids: int) -> None:
    if not job_ids:
        return
    # one job (a job's own unit of work) with `=`: the same statement as before, no expanding IN
    which = OutboxJob.id == job_ids[0] if len(job_ids) == 1 else OutboxJob.id.in_(job_ids)  # type: ignore[union-attr]
    await session.execute(update(OutboxJob).where(which, OutboxJob.done_at.is_(None))  # type: ignore[union-attr]
                          .values(done_at=now))


async def pending_count(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(OutboxJob).where(OutboxJob.done_at.is_(None))  # type: ignore[union-attr]
    return int((await session.execute(stmt)).scalar_one())
