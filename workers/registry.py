"""Every job, declared once (Polar's `@actor(name, cron)`): its name, its handler and, for a
sweep, how often it runs. The Celery tasks and the beat schedule (workers/celery_app.py) and
the embedded schedule (workers/embedded.py) are all derived from the registry, so adding a
job is one decorated function in workers/handlers.py.

A *job* handles one item (`handler(runtime, **ids)`); the domain enqueues it by name after a
commit. A *sweep* selects the items that are due and returns one `Job` per item. A job
declared `in_relay` is short work on the database alone (a few rows read, a notification per
person written): the outbox's relay runs it itself instead of handing it to a Celery task,
whose messaging cost more than the job, together with the claim's other such jobs in one
transaction (workers/handlers.py `run_together`). So its handler does all its work in the
units of work `rt.uow()` / `rt.job_uow()` give it, which are then parts of that transaction:
it opens no `UnitOfWork` or write session of its own (on SQLite that second writer would wait
for the first), and does nothing after them that needs their commit (sending mail, removing
files).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from domain.jobs import Job

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class UnknownJob(LookupError):
    """A job name nothing handles: an error to log, and the job is kept, never marked done."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no handler is registered for the job {name!r}")
        self.name = name


@dataclass(frozen=True)
class Sweep:
    name: str
    select: Callable[..., Awaitable[list[Job]]]
    every: int  # in sweep periods (KHORTOR_SWEEP_SECONDS)


@dataclass
class Registry:
    jobs: dict[str, Callable[..., Awaitable[Any]]] = field(default_factory=dict)
    sweeps: dict[str, Sweep] = field(default_factory=dict)
    in_relay: set[str] = field(default_factory=set)

    def job(self, name: str, *, in_relay: bool = False) -> Callable[[F], F]:
        """Register the handler of the job `name` (`"<module>.<verb>"`); `in_relay`: the
        relay runs it itself (short work on the database alone)."""
        def register(handler: F) -> F:
            self._claim(name)
            self.jobs[name] = handler
            if in_relay:
                self.in_relay.add(name)
            return handler
        return register

    def sweep(self, name: str, every: int = 1) -> Callable[[F], F]:
        """Register a sweep that runs every `every` sweep periods."""
        def register(select: F) -> F:
            self._claim(name)
            self.sweeps[name] = Sweep(name, select, every)
            return select
        return register

    def handler(self, name: str) -> Callable[..., Awaitable[Any]]:
        try:
            return self.jobs[name]
        except KeyError:
            raise UnknownJob(name) from None

    def _claim(self, name: str) -> None:
        if name in self.jobs or name in self.sweeps:
            raise ValueError(f"the job {name!r} is declared twice")
