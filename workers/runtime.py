"""One event loop per worker process, with the engine created inside it (convention 8).

An engine made in one loop fails in another ("attached to a different loop"), so a task
never calls `asyncio.run`: every task of a process runs on that process's loop, and the
runtime (engine, channels) is built lazily on it. A forked child (prefork pool) notices the
new pid and builds its own.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

try:  # the loop uvicorn runs the API on: its transports cost less per round trip to the database
    from uvloop import new_event_loop
except ImportError:  # pragma: no cover (uvloop is not installed on Windows)
    from asyncio import new_event_loop

from domain.jobs import Job, JobSink
from domain.settings import Settings
from workers.handlers import Runtime

T = TypeVar("T")

_lock = threading.Lock()
_state: dict[str, Any] = {}
_default_jobs: list[Callable[[], JobSink]] = []


def use_jobs(make: Callable[[], JobSink]) -> None:
    """Where jobs committed by this process's tasks go when KHORTOR_REDIS_URL is set (the
    Celery app registers its relay kick here, so this module needs no Celery)."""
    _default_jobs[:] = [make]


def _current(jobs: JobSink | None) -> tuple[asyncio.AbstractEventLoop, Runtime]:
    with _lock:
        if _state.get("pid") != os.getpid():
            loop = new_event_loop()
            _state.clear()
            _state.update(pid=os.getpid(), loop=loop, runtime=None)
        loop = _state["loop"]
        if _state["runtime"] is None:
            asyncio.set_event_loop(loop)
            settings = Settings.from_env()
            if jobs is None and settings.redis_url and _default_jobs:
                jobs = _default_jobs[0]()
            _state["runtime"] = Runtime.create(settings, jobs)
        return loop, _state["runtime"]


def run(work: Callable[[Runtime], Awaitable[T]], jobs: JobSink | None = None) -> T:
    """Run `work(runtime)` to completion on this process's loop."""
    loop, runtime = _current(jobs)
    return loop.run_until_complete(work(runtime))


def shutdown() -> None:
    """Dispose of the engine on the loop that made it (worker process shutdown)."""
    with _lock:
        if _state.get("pid") != os.getpid() or _state.get("runtime") is None:
            return
        loop, runtime = _state["loop"], _state["runtime"]
        _state.clear()
    loop.run_until_complete(runtime.db.dispose())
    loop.close()


class CeleryJobs:
    """The job sink of a process talking to Celery: after a commit, ask the relay to run now
    (best effort: if Redis is down the beat's periodic relay hands the jobs over later).

    One relay claims every job committed before it runs, so an API process coalesces its
    kicks (`window` > 0, `khortor serve`): after a kick, commits in the next `window`
    seconds share one trailing kick at its end, sent from the running event loop. Under load
    a kick per commit was a Celery task per commit, most of them finding nothing left to
    claim (bench/load.py: 873 relays for about 700 commits in 30 s). A worker's tasks kick at
    once (`window` 0): their loop stops between tasks, and a trailing kick would wait for the
    next one. Without a running loop every kick is sent at once."""

    def __init__(self, send: Callable[[], None], window: float = 0.0) -> None:
        self._send, self._window = send, window
        self._last = -window
        self._trailing: asyncio.TimerHandle | None = None

    def deliver(self, jobs: list[Job]) -> None:
        now = time.monotonic()
        if self._trailing is not None:
            return  # a kick is already due: it claims these jobs too
        wait = self._last + self._window - now
        if wait > 0:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                self._trailing = loop.call_later(wait, self._trail)
                return
        self._kick(now)

    def _trail(self) -> None:
        self._trailing = None
        self._kick(time.monotonic())

    def _kick(self, now: float) -> None:
        self._last = now
        try:
            self._send()
        except Exception:  # the outbox keeps the jobs; the next relay picks them up
            return None
