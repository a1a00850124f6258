"""Writing jobs to the outbox in the caller's transaction, and relaying them after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.jobs import Job
from domain.outbox.models import OutboxJob

# New rows are due at once, whatever clock the relay runs on.
DUE_AT_ONCE = datetime(2000, 1, 1, tzinfo=UTC)
SESSION_JOBS = "khortor_outbox_jobs"


def enqueue(session: AsyncSession, name: str, **ids: str) -> None:
    """Write a job in the session's transaction: it exists if and only if that commits."""
    session.add(OutboxJob(name=name, ids=dict(ids), created_at=datetime.now(UTC),
                          next_attempt_at=DUE_AT_ONCE))
    session.info.setdefault(SESSION_JOBS, []).append(Job(name, dict(ids)))


def written_jobs(session: AsyncSession) -> list[Job]:
    """The jobs this session wrote (for the after-commit hint to the relay)."""
    jobs: list[Job] = session.info.pop(SESSION_JOBS, [])
    return jobs


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    name: str
    ids: dict[str, Any]


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
    return [ClaimedJob(int(row.id or 0), row.name, dict(row.ids)) for row in rows]


async def mark_done(session: AsyncSession, job_id: int, now: datetime) -> None:
    await session.execute(update(OutboxJob).where(OutboxJob.id == job_id, OutboxJob.done_at.is_(None))  # type: ignore[union-attr]
                          .values(done_at=now))


async def pending_count(session: AsyncSession) -> int:
    from sqlalchemy import func

    stmt = select(func.count()).select_from(OutboxJob).where(OutboxJob.done_at.is_(None))  # type: ignore[union-attr]
    return int((await session.execute(stmt)).scalar_one())
