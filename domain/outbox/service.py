"""Writing jobs to the outbox in the caller's transaction (the relay hands them over after
commit: workers/handlers.py `relay`, with the SQL in domain/outbox/repository.py). The rows are
written when the transaction commits, in its one round trip of such rows
(domain/commit_writes.py): nothing reads them before."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.commit_writes import INSERT, Part, queue
from domain.jobs import Job
from domain.outbox.models import OutboxJob

# New rows are due at once, whatever clock the relay runs on.
DUE_AT_ONCE = datetime(2000, 1, 1, tzinfo=UTC)
SESSION_JOBS = "khortor_outbox_jobs"
JOBS = Part(OutboxJob.__table__, INSERT,  # type: ignore[attr-defined]
            ("name", "ids", "created_at", "next_attempt_at", "attempts"))


def enqueue(session: AsyncSession, name: str, **ids: str) -> None:
    """Write a job in the session's transaction: it exists if and only if that commits."""
    queue(session, JOBS, [{"name": name, "ids": dict(ids), "created_at": datetime.now(UTC),
                           "next_attempt_at": DUE_AT_ONCE, "attempts": 0}])
    session.info.setdefault(SESSION_JOBS, []).append(Job(name, dict(ids)))


def written_jobs(session: AsyncSession) -> list[Job]:
    """The jobs this session wrote (for the after-commit hint to the relay)."""
    jobs: list[Job] = session.info.pop(SESSION_JOBS, [])
    return jobs
