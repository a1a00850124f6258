"""The Celery app: broker and result backend from KHORTOR_REDIS_URL, late acks, a locked
single beat (celery-redbeat), and one task per job and sweep of the registry
(workers/handlers.py), each a thin sync shim over the async handler (convention 8).

    celery -A workers.celery_app worker --loglevel=INFO
    celery -A workers.celery_app beat --loglevel=INFO     # one runs; a second waits on the lock
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import structlog
from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_process_shutdown

from domain.logs import configure_logging
from domain.outbox.repository import ClaimedJob
from domain.settings import Settings
from domain.unavailable import logged_as_unavailable, sqlstate, transaction_conflict
from domain.uow import CONFLICT_ATTEMPTS
from workers import runtime
from workers.handlers import Runtime, registry, relay, run_job, run_together
from workers.registry import Sweep
from workers.runtime import CeleryJobs

RELAY = "outbox.relay"
BROKER = "workers.broker:Transport"
logger = logging.getLogger("khortor.celery")
T = TypeVar("T")


def _unless_unavailable(name: str, work: Callable[[], T]) -> T | None:
    """`work()`; if the database cannot be used just now (or, the same to a job, a connection
    it needs was refused or timed out: domain/unavailable.py), one line in the log naming the
    errors instead of a traceback, and nothing else: an outbox job not marked done is handed
    over again after the outbox's retry delay, and a sweep selects again at its next run."""
    try:
        return work()
    except Exception as error:
        if not logged_as_unavailable(logger, name, error):
            raise
        return None


def _job_task(name: str) -> Any:
    def task(outbox_id: int | None = None, **ids: str) -> Any:
        return _unless_unavailable(name, lambda: runtime.run(lambda rt: run_job(rt, name, ids, outbox_id)))
    return task


def _sweep_task(celery: Celery, sweep: Sweep) -> Any:
    def task() -> int:
        jobs = _unless_unavailable(sweep.name, lambda: runtime.run(sweep.select)) or []
        for job in jobs:
            celery.send_task(job.name, kwargs=job.ids, ignore_result=True)
        return len(jobs)
    return task


def _relay_task(celery: Celery) -> Any:
    """Hand the due outbox jobs to Celery tasks, except those declared `in_relay`: the relay
    runs these itself once their claim has committed, in one transaction (`_run_in_relay`: a
    Celery task per job cost more, in the worker's messaging and IPC, than the job; a
    transaction per job more than its statements: bench/load.py, issue 11). If one of them
    fails, they run one after another, each in its own: the one that fails is logged and stays
    claimed, due again after the outbox's retry delay, as a task that failed would, and runs on
    its own then. When the database cannot be used just now, the relay stops there, and the
    rest stay claimed too (one line in the log, not one per job)."""
    def task() -> int:
        here: list[ClaimedJob] = []

        def publish(job: ClaimedJob) -> None:
            if job.name not in registry.jobs:  # kept in the outbox, never marked done
                logger.error("outbox job %s (%s): no handler is registered for it", job.id, job.name)
            elif job.name in registry.in_relay:
                here.append(job)
            else:
                celery.send_task(job.name, kwargs={**job.ids, "outbox_id": job.id}, ignore_result=True)

        async def relay_and_run(rt: Runtime) -> int:
            claimed = await relay(rt, publish)
            ran = await _run_in_relay(rt, here)
            if here:
                logger.info("outbox relay: %d of %d job(s) run in the relay (%s)", ran, claimed,
                            ", ".join(sorted({job.name for job in here[:ran]})) or "none")
            return claimed

        return _unless_unavailable(RELAY, lambda: runtime.run(relay_and_run)) or 0
    return task


async def _run_in_relay(rt: Runtime, jobs: list[ClaimedJob]) -> int:
    """Run the jobs handed over for the first time together (`run_together`), then each job
    claimed again (it failed before, or its relay died) on its own; all of them one by one, in
    the claim's order, if running them together fails (or the database ended their transaction
    to break a deadlock). How many ran, a job that failed and was logged included; the relay
    stops when the database cannot be used just now."""
    fresh = [job for job in jobs if job.attempts <= 1]
    together: Exception | None = None
    done: set[int] = set()
    if len(fresh) > 1:
        try:
            await run_together(rt, fresh)
        except Exception as error:
            if transaction_conflict(error):
                logger.warning("outbox relay: the database ended the transaction of %d job(s) run together to "
                               "let another go on (SQLSTATE %s); running them one by one",
                               len(fresh), sqlstate(error))
            elif logged_as_unavailable(logger, f"outbox relay ({len(fresh)} jobs run together)", error):
                return 0
            else:
                together = error
                logger.warning("outbox relay: %d job(s) run together failed (%s); running them one by one",
                               len(fresh), type(error).__name__)
        else:
            done = {job.id for job in fresh}
    ran = len(done)
    failed_alone = False
    for job in jobs:
        if job.id in done:
            continue
        outcome = await _run_one_in_relay(rt, job)
        if outcome is None:
            return ran
        failed_alone = failed_alone or (not outcome and job.attempts <= 1)
        ran += 1
    if together is not None and not failed_alone:  # a fault of running them together: show it
        logger.error("outbox relay: %d job(s) failed when run together and ran one by one",
                     len(fresh), exc_info=together)
    return ran


async def _run_one_in_relay(rt: Runtime, job: ClaimedJob) -> bool | None:
    """Run one job: True if it ran, False if it failed (logged; it stays claimed, due again after
    the retry delay), None when the database cannot be used just now (the relay stops). A job
    whose transaction the database ends to break a deadlock runs again at once, up to
    `CONFLICT_ATTEMPTS` times in all (nothing of it was kept: it is marked done only in it)."""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            await run_job(rt, job.name, job.ids, job.id)
        except Exception as error:
            if transaction_conflict(error):
                if attempt < CONFLICT_ATTEMPTS:
                    continue
                logger.warning("outbox job %s (%s): the database ended its transaction %d times to let another "
                               "go on (SQLSTATE %s); it runs again later", job.id, job.name, attempt,
                               sqlstate(error))
                return False
            if logged_as_unavailable(logger, f"outbox job {job.id} ({job.name})", error):
                return None
            logger.error("outbox job %s (%s) failed in the relay", job.id, job.name, exc_info=error)
            return False
        return True
    raise AssertionError("unreachable")


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The relay every `relay_seconds`, each sweep every `every` sweep periods."""
    schedule = {"outbox-relay": {"task": RELAY, "schedule": timedelta(seconds=settings.relay_seconds)}}
    for sweep in registry.sweeps.values():
        schedule[sweep.name.replace(".", "-")] = {
            "task": sweep.name, "schedule": timedelta(seconds=settings.sweep_seconds * sweep.every)}
    return schedule


def make_app(settings: Settings) -> Celery:
    """A Celery app configured from settings (the worker's, or a client's that only sends)."""
    redis_url = settings.redis_url or "redis://127.0.0.1:6379/0"
    prefix = settings.redis_prefix
    visibility = int(os.environ.get("KHORTOR_VISIBILITY_TIMEOUT", "3600"))
    celery = Celery("khortor")
    celery.conf.update(
        broker_url=redis_url,
        # kombu's Redis transport with a fix for the worker's exit after a Redis restart
        # (workers/broker.py); another scheme keeps the transport kombu picks for it.
        broker_transport=BROKER if urlsplit(redis_url).scheme == "redis" else None,
        result_backend=redis_url,
        # Publishing fails fast when Redis is down (the outbox keeps the job); the worker's
        # own consumer reconnects on its own schedule (broker_connection_max_retries).
        broker_transport_options={"visibility_timeout": visibility, "global_keyprefix": prefix,
                                  "max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                  "interval_max": 0.5},
        result_backend_transport_options={"global_keyprefix": prefix},
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=False,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        task_ignore_result=True,
        timezone="Asia/Bangkok",
        enable_utc=True,
        worker_hijack_root_logger=False,
        # A locked single beat: a second `beat` waits for the lock instead of doubling the
        # schedule. Deadlines live in the database; beat only triggers the sweeps. The
        # scheduler (workers/beat.py) outlives a Redis outage or restart.
        beat_scheduler="workers.beat:ResilientScheduler",
        redbeat_redis_url=redis_url,
        redbeat_key_prefix=f"{prefix}redbeat",
        redbeat_lock_key=f"{prefix}redbeat::lock",
        redbeat_lock_timeout=30,  # a dead beat's lock expires; another beat takes over
        beat_max_loop_interval=max(min(settings.relay_seconds, 5.0), 1.0),
        beat_schedule=beat_schedule(settings),
    )
    for name in registry.jobs:
        celery.task(name=name, shared=False)(_job_task(name))
    for sweep in registry.sweeps.values():
        celery.task(name=sweep.name, shared=False)(_sweep_task(celery, sweep))
    celery.task(name=RELAY, shared=False)(_relay_task(celery))
    return celery


def job_sink(celery: Celery | None = None, window: float = 0.0) -> CeleryJobs:
    """A JobSink for a process that commits jobs: after commit, kick the relay (best effort;
    kicks within `window` seconds of the last one share a trailing kick, see CeleryJobs)."""
    target = celery or app
    return CeleryJobs(lambda: target.send_task(RELAY, retry=False, ignore_result=True), window)


settings = Settings.from_env()
app = make_app(settings)
runtime.use_jobs(job_sink)  # what tasks of this process enqueue goes to this app's relay


@setup_logging.connect
def _configure_logging(loglevel: int | str | None = None, **_kwargs: object) -> None:
    """JSON lines with personal data redacted (domain/logs.py) instead of Celery's format;
    a receiver here also keeps Celery from installing handlers of its own."""
    configure_logging(json=settings.log_json, level=loglevel or settings.log_level)


@task_prerun.connect
def _bind_task(task_id: str | None = None, task: object = None, **_kwargs: object) -> None:
    structlog.contextvars.bind_contextvars(task=getattr(task, "name", None), task_id=task_id)


@task_postrun.connect
def _unbind_task(**_kwargs: object) -> None:
    structlog.contextvars.unbind_contextvars("task", "task_id")


@worker_process_shutdown.connect
def _dispose(**_kwargs: object) -> None:
    runtime.shutdown()
