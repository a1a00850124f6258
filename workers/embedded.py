"""Embedded mode: with no KHORTOR_REDIS_URL, `khortor serve` runs the same handlers on the
same schedule in the API process, as an asyncio task in the app's lifespan. Nothing to
install; one process. (Run one API process in this mode; with more, use Redis and Celery.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress

from domain.jobs import Job
from domain.outbox.repository import ClaimedJob
from domain.settings import Settings
from domain.unavailable import logged_as_unavailable
from workers import handlers
from workers.handlers import Runtime

logger = logging.getLogger("khortor.embedded")


class EmbeddedJobs:
    """The API's job sink in embedded mode: after a commit, wake the relay at once."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()

    def deliver(self, jobs: list[Job]) -> None:
        self.wake.set()


def _failed(what: str, error: Exception) -> None:
    """One line when the database (or another service a job needs) is unavailable just now, as
    the Celery tasks log it (workers/celery_app.py); a traceback for anything else."""
    if not logged_as_unavailable(logger, what, error):
        logger.error("%s failed", what, exc_info=error)


async def _run_safely(rt: Runtime, name: str, ids: dict[str, object], outbox_id: int | None) -> None:
    try:
        await handlers.run_job(rt, name, ids, outbox_id)
    except Exception as error:  # retried: the outbox row stays due, the sweep selects the item again
        _failed(f"job {name}", error)


# How long stopping waits for the embedded worker's round under way.
STOP_SECONDS = 15.0


async def relay_once(rt: Runtime) -> int:
    claimed: list[ClaimedJob] = []
    await handlers.relay(rt, claimed.append)
    for job in claimed:
        await _run_safely(rt, job.name, job.ids, job.id)
    return len(claimed)


async def sweep_once(rt: Runtime, names: Iterable[str] = tuple(handlers.registry.sweeps)) -> int:
    count = 0
    for name in names:
        try:
            jobs = await handlers.registry.sweeps[name].select(rt)
        except Exception as error:
            _failed(f"sweep {name}", error)
            continue
        for job in jobs:
            await _run_safely(rt, job.name, job.ids, None)
        count += len(jobs)
    return count


async def run_forever(rt: Runtime, wake: asyncio.Event, stop: asyncio.Event) -> None:
    """The beat and the worker in one loop: relay every `relay_seconds` (or when woken), and
    each sweep of the registry every `every` sweep periods, as the Celery beat does; until
    `stop` is set, after the round under way."""
    s = rt.settings
    last_run = {name: float("-inf") for name in handlers.registry.sweeps}
    while not stop.is_set():
        try:
            await relay_once(rt)
            now = time.monotonic()
            due = [sweep.name for sweep in handlers.registry.sweeps.values()
                   if now - last_run[sweep.name] >= s.sweep_seconds * sweep.every]
            last_run.update(dict.fromkeys(due, now))
            await sweep_once(rt, due)
        except Exception as error:
            _failed("the embedded worker's round", error)
        wake.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=s.relay_seconds)


@asynccontextmanager
async def embedded_worker(settings: Settings, jobs: EmbeddedJobs) -> AsyncIterator[Runtime]:
    """Start the loop for the app's lifetime; stop it and dispose of its engine after."""
    rt = Runtime.create(settings, jobs)
    stop = asyncio.Event()
    task = asyncio.create_task(run_forever(rt, jobs.wake, stop), name="khortor-embedded-worker")
    try:
        yield rt
    finally:
        # Let the round under way finish: a job cancelled inside its transaction could leave
        # a connection holding SQLite's write lock after the engine is disposed. Cancelled
        # only if it does not finish in time.
        stop.set()
        jobs.wake.set()
        with suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=STOP_SECONDS)
        await rt.db.dispose()
