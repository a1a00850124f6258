"""Jobs: what should happen after a change, described by name and ids only.

The domain describes a job; `workers` decides how it is delivered. A unit of work holds
its jobs until the transaction commits and drops them on rollback (convention 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Job:
    name: str
    ids: dict[str, str] = field(default_factory=dict)


class JobSink(Protocol):
    def deliver(self, jobs: list[Job]) -> None: ...


class DiscardJobs:
    """For commands that run with no worker plugged in (tests of pure domain, CLI)."""

    def deliver(self, jobs: list[Job]) -> None:
        return None
