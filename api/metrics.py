"""Prometheus metrics at `GET /metrics` (issue 6).

Each app has a registry of its own (tests make many apps; a process serves one). HTTP and
GraphQL counters move in the API process that answered. What happens in the Celery worker
processes is read at scrape time instead: the escalations that fired (rows of `escalation`,
one per ESCALATED or DEADLINE_WARNING event), the outbox jobs not yet done, and the length of
the Celery queues in Redis (the `Backlog` collector, answered by the scraped process alone);
and, with a report database (a read replica), how far it is behind the primary.

Several API processes (`khortor serve --workers N`, issue 11) use prometheus_client's
multiprocess mode: the parent makes an empty directory and names it in
PROMETHEUS_MULTIPROC_DIR before the processes start (`multiprocess_directory`); each process's
counters and histograms then live in its own mmap files there, and a scrape, whichever process
answers it, adds up every file (`MultiProcessCollector`) and adds the `Backlog` once. The
counters of a process that died stay in its files, so totals never go down while the parent
runs. A `Gauge` added here needs a `multiprocess_mode` (`livesum`, `max`, ...): without one
the scrape shows one series per pid. One process without the variable keeps the plain
in-memory registry (the tests' apps).

In production `/metrics` needs `Authorization: Bearer <KHORTOR_METRICS_TOKEN>`, and is a 404
when no token is set; in development it is open unless a token is set.
"""

from __future__ import annotations

import hmac
import logging
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import values
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from domain.db import Database
from domain.escalations import repository as escalations
from domain.outbox import repository as outbox
from domain.settings import Settings

log = logging.getLogger("khortor.metrics")

# workers/celery_app.py routes every task to Celery's default queue.
CELERY_QUEUES = ("celery",)
# kombu keeps a message of priority p > 0 in "<queue>\x06\x16<p>" (kombu.transport.redis).
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
KOMBU_PRIORITY_SEP = "\x06\x16"
ESCALATION_LEVELS = (1, 2, 3)
METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
READ_TIMEOUT_SECONDS = 2.0
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# prometheus_client reads it when it is imported: it must be set before a process starts.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class Backlog(Collector):
    """Figures read at scrape time; a figure that could not be read is left out."""

    def __init__(self) -> None:
        self.levels: dict[int, int] | None = None
        self.outbox_pending: int | None = None
        self.queues: dict[str, int] | None = None
        self.report_lag: float | None = None

    def collect(self) -> Iterable[Metric]:
        if self.levels is not None:
            fired = CounterMetricFamily("khortor_escalations", "Escalations that fired, by level "
                                        "(ESCALATED events in the case histories).", labels=["level"])
            for level in ESCALATION_LEVELS:
                fired.add_metric([str(level)], self.levels.get(level, 0))
            yield fired
            yield CounterMetricFamily("khortor_deadline_warnings", "Warnings at 80 % of a deadline's "
                                      "allowance (DEADLINE_WARNING events).", value=self.levels.get(0, 0))
        if self.outbox_pending is not None:
            yield GaugeMetricFamily("khortor_outbox_pending", "Outbox jobs written but not yet done.",
                                    value=self.outbox_pending)
        if self.queues is not None:
            depth = GaugeMetricFamily("khortor_queue_depth", "Tasks waiting in a Celery queue in Redis.",
                                      labels=["queue"])
            for queue, length in self.queues.items():
                depth.add_metric([queue], length)
            yield depth
        if self.report_lag is not None:
            yield GaugeMetricFamily("khortor_report_replica_lag_seconds", "How far the report database "
                                    "(KHORTOR_READ_DATABASE_URL, a streaming replica) is behind the primary: "
                                    "0 when it has applied all it received, else the age of the last "
                                    "transaction it applied.", value=self.report_lag)


class Metrics:
    def __init__(self) -> None:
        # The registry a scrape reads. In multiprocess mode the metrics below are registered
        # nowhere (their values go to this process's files) and the registry reads the files.
        self.registry = CollectorRegistry()
        self.multiprocess = bool(os.environ.get(MULTIPROC_ENV))
        own: CollectorRegistry | None = None if self.multiprocess else self.registry
        if self.multiprocess:
            if values.ValueClass is values.MutexValue:
                raise RuntimeError(f"{MULTIPROC_ENV} was set after prometheus_client was imported: "
                                   "set it before the process starts")
            MultiProcessCollector(self.registry)
        self.requests = Counter("khortor_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=own)
        self.duration = Histogram("khortor_http_request_duration_seconds", "Time to answer an HTTP "
                                  "request, in seconds.", ["method", "route"],
                                  buckets=DURATION_BUCKETS, registry=own)
        self.operations = Counter("khortor_graphql_operations", "GraphQL operations executed, by type "
                                  "and outcome (error: the response has top-level errors).",
                                  ["operation_type", "outcome"], registry=own)
        self.backlog = Backlog()
        self.registry.register(self.backlog)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


@contextmanager
def multiprocess_directory() -> Iterator[str]:
    """A fresh, empty directory named in PROMETHEUS_MULTIPROC_DIR for the processes started
    meanwhile (they inherit the environment); the variable is restored and the directory
    removed afterwards. Fresh each time: files left by an earlier run would add its counts."""
    path = tempfile.mkdtemp(prefix="khortor-metrics-")
    before = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        shutil.rmtree(path, ignore_errors=True)


def queue_keys(prefix: str, queue: str) -> list[str]:
    return [prefix + queue if step == 0 else f"{prefix}{queue}{KOMBU_PRIORITY_SEP}{step}"
            for step in KOMBU_PRIORITY_STEPS]


async def queue_depths(redis_url: str, prefix: str, queues: Iterable[str] = CELERY_QUEUES) -> dict[str, int]:
    """LLEN of each queue's lists (all priorities), in one round trip."""
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url, socket_connect_timeout=READ_TIMEOUT_SECONDS,
                            socket_timeout=READ_TIMEOUT_SECONDS)
    try:
        names = list(queues)
        async with client.pipeline(transaction=False) as pipe:
            for queue in names:
                for key in queue_keys(prefix, queue):
                    pipe.llen(key)
            lengths = await pipe.execute()
    finally:
        await client.aclose()
    per_queue = len(KOMBU_PRIORITY_STEPS)
    return {queue: sum(lengths[i * per_queue:(i + 1) * per_queue]) for i, queue in enumerate(names)}


async def read_backlog(metrics: Metrics, db: Database, settings: Settings) -> None:
    backlog = metrics.backlog
    try:
        async with db.read_sessions() as session:
            backlog.levels = await escalations.fired_counts(session)
            backlog.outbox_pending = await outbox.pending_count(session)
    except Exception as error:  # the scrape still answers with what this process knows
        backlog.levels = backlog.outbox_pending = None
        log.warning("metrics: database read failed: %s", type(error).__name__)
    try:
        backlog.report_lag = await db.report_lag_seconds()
    except Exception as error:  # a replica that is down: no figure (the log and /readyz say so)
        backlog.report_lag = None
        log.warning("metrics: report database read failed: %s", type(error).__name__)
    if not settings.redis_url:
        backlog.queues = None
        return
    try:
        backlog.queues = await queue_depths(settings.redis_url, settings.redis_prefix)
    except Exception as error:
        backlog.queues = None
        log.warning("metrics: queue depth read failed: %s", type(error).__name__)


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_endpoint(metrics: Metrics, db: Database,
                     settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if settings.metrics_token is None:
            if settings.production:
                return PlainTextResponse("Not Found", status_code=404)  # as any unknown path
        elif not _authorised(request, settings.metrics_token):
            return JSONResponse({"detail": "A metrics token is required."}, status_code=401,
                                headers={"www-authenticate": "Bearer"})
        await read_backlog(metrics, db, settings)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST,
                        headers={"cache-control": "no-store"})

    return endpoint
