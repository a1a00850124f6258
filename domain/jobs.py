"""Jobs: what should happen after a change, described by name and ids only.

The domain describes a job and writes it to the outbox in the transaction that makes it
(`UnitOfWork.enqueue`, domain/outbox/service.py), so it exists only if that commits. After
the commit the unit of work tells its `JobSink`, which wakes the relay; `workers` hands the
job to its handler, declared once in workers/handlers.py (convention 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Job:
    name: str
    ids: dict[str, str] = field(default_factory=dict)


class JobSink(Protocol):
    """Told after a commit which jobs it wrote (a hint: the outbox holds them anyway)."""

    def deliver(self, jobs: list[Job]) -> None: ...


class DiscardJobs:
    """For commands that run with no worker plugged in (tests of pure domain, CLI): the jobs
    wait in the outbox for the next relay."""

    def deliver(self, jobs: list[Job]) -> None:
        return None
