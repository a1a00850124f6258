"""`khortor serve --workers 2` (issue 11): two API processes under uvicorn's supervisor, in
the Celery mode, on SQLite and PostgreSQL. Both answer, `/metrics` counts the requests of
both (prometheus_client's multiprocess mode), SIGTERM leaves no process and no metrics files
behind; without KHORTOR_REDIS_URL the command refuses before touching anything, and a process
that cannot start makes it exit 1.

Which process answered is read from the OS and from the metrics files, never from the app:
the API processes are the parent's children started by multiprocessing's spawn
(/proc/<pid>/stat and cmdline), and each writes its counters to `counter_<pid>.db` in the
directory the parent made (under the server's TMPDIR, which the test chooses).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.databases import BACKENDS, fresh_database
from tests.helpers import LOGIN
from tests.servers import (CLI, ROOT, Served, descendants, free_port, khortor_env, khortor_serving,
                           still_running_after, stop)
from tests.workers.harness import key_prefix, redis_url_or_fail

WORKERS = 2
QUERY = "{ me { username } categories { code } }"
ROUTES = ("/healthz", "/graphql")


@dataclass
class Server:
    served: Served
    tmp: Path  # the server's TMPDIR: its metrics directory is made there


@pytest.fixture(params=BACKENDS)
async def server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Server]:
    redis_url = redis_url_or_fail()
    server_tmp = tmp_path / "tmp"
    server_tmp.mkdir()
    async with fresh_database(request.param, tmp_path) as url:
        with key_prefix(redis_url) as prefix:
            env = khortor_env(url, KHORTOR_REDIS_URL=redis_url, KHORTOR_REDIS_PREFIX=prefix,
                              KHORTOR_WEB_DIST=str(tmp_path / "no-web"), TMPDIR=str(server_tmp))
            with khortor_serving(env, tmp_path / "server.log", "--workers", str(WORKERS),
                                 processes=WORKERS) as served:
                yield Server(served, server_tmp)


# --- the client: a new connection per request, so the kernel may hand it to either process

def _post(base: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"content-type": "application/json",
               **({"authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"{base}/graphql", json.dumps(body).encode(), headers,
                                     method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        payload: dict[str, Any] = json.loads(answer.read())
    assert not payload.get("errors"), payload
    return payload["data"]


def _sign_in_and_read(base: str) -> int:
    """A sign-in and a query: two GraphQL requests."""
    login = _post(base, {"query": LOGIN, "variables": {"username": "vol.naimueang",
                                                       "password": "khortor-demo"}})
    data = _post(base, {"query": QUERY}, login["login"]["token"])
    assert data["me"]["username"] == "vol.naimueang" and data["categories"]
    return 2


def _healthz(base: str) -> int:
    with urllib.request.urlopen(f"{base}/healthz", timeout=30) as answer:
        assert answer.status == 200
    return 1


def _scrape(base: str) -> str:
    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as answer:
        assert answer.status == 200
        return answer.read().decode()


def _requests_by_route(text: str) -> dict[str, float]:
    totals = dict.fromkeys(ROUTES, 0.0)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "khortor_http_requests_total" and sample.labels["route"] in totals:
                totals[sample.labels["route"]] += sample.value
    return totals


def _operations(text: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "khortor_graphql_operations_total")


# --- which process is which

def _api_processes(parent: int) -> list[int]:
    """The parent's children that multiprocessing's spawn started (not its resource tracker)."""
    found = []
    for pid in descendants(parent):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            found.append(pid)
    return found


def _metrics_dir(tmp: Path) -> Path:
    (directory,) = tmp.glob("khortor-metrics-*")
    return directory


def _requests_per_process(directory: Path) -> dict[int, float]:
    """Requests to /healthz and /graphql each process counted, from its own counter file."""
    counts: dict[int, float] = {}
    for file in directory.glob("counter_*.db"):
        pid = int(file.stem.removeprefix("counter_"))
        counts[pid] = sum(s.value for metric in MultiProcessCollector.merge([str(file)], accumulate=False)
                          for s in metric.samples
                          if s.name == "khortor_http_requests_total" and s.labels["route"] in ROUTES)
    return counts


def _send(base: str, batch: list[Callable[[str], int]]) -> int:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return sum(pool.map(lambda call: call(base), batch))


def test_two_processes_answer_and_metrics_count_both(server: Server) -> None:
    base, parent = server.served.base, server.served.process.pid
    workers = _api_processes(parent)
    assert len(workers) == WORKERS, (workers, descendants(parent))
    directory = _metrics_dir(server.tmp)
    before = _scrape(base)

    # ~40 requests (20 /healthz, 10 sign-ins, 10 queries), four at a time; another batch
    # only if the kernel happened to give every connection to the same process.
    batch: list[Callable[[str], int]] = [_healthz, _healthz, _sign_in_and_read] * 10
    sent = {"/healthz": 0, "/graphql": 0}
    for _ in range(5):
        _send(base, batch)
        sent["/healthz"] += 20
        sent["/graphql"] += 20
        per_process = _requests_per_process(directory)
        if sum(1 for pid in workers if per_process.get(pid, 0) > 0) == WORKERS:
            break

    # (a) both API processes answered; no other process wrote metrics
    assert set(per_process) <= set(workers), (per_process, workers)
    assert all(per_process.get(pid, 0) > 0 for pid in workers), per_process
    # (b) one scrape, whichever process answers it, counts the requests of both
    after = _scrape(base)
    moved = {route: _requests_by_route(after)[route] - _requests_by_route(before)[route]
             for route in ROUTES}
    assert moved == sent, (moved, sent, per_process)
    assert _operations(after) - _operations(before) == sent["/graphql"]
    assert sum(_requests_per_process(directory).values()) == sum(_requests_by_route(after).values())
    # The figures read at scrape time (the Backlog collector) are there once, not per process.
    lines = after.splitlines()
    assert sum(line.startswith("khortor_outbox_pending ") for line in lines) == 1
    assert sum(line.startswith('khortor_queue_depth{queue="celery"}') for line in lines) == 1
    assert sum(line == "# TYPE khortor_http_requests_total counter" for line in lines) == 1

    # The access lines are ours (no client address, no query string), none of uvicorn's.
    log = [json.loads(line) for line in server.served.log_path.read_text().splitlines()
           if line.startswith("{")]
    assert not [entry for entry in log if entry.get("logger") == "uvicorn.access"]
    assert sum(entry.get("logger") == "khortor.access" for entry in log) >= sum(sent.values())

    # SIGTERM to the parent: it stops both processes, exits 0, removes the metrics files.
    below = descendants(parent)
    assert set(workers) <= set(below)
    server.served.process.send_signal(signal.SIGTERM)
    assert server.served.process.wait(timeout=30) == 0
    assert stop(server.served.process) == []
    assert still_running_after(below, 10) == []
    assert not directory.exists()


def test_several_processes_need_redis(tmp_path: Path) -> None:
    database = tmp_path / "khortor.db"
    env = khortor_env(f"sqlite+aiosqlite:///{database}")
    refused = subprocess.run([*CLI, "serve", "--workers", "2", "--port", "1"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2, refused
    assert "--workers 2 needs KHORTOR_REDIS_URL" in refused.stderr
    assert "embedded" in refused.stderr and "--workers 1" in refused.stderr
    assert not database.exists()  # refused before migrating anything
    nought = subprocess.run([*CLI, "serve", "--workers", "0"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert nought.returncode == 2 and "--workers" in nought.stderr


def test_a_process_that_cannot_start_fails_the_command(tmp_path: Path) -> None:
    """uvicorn's supervisor stops when an API process fails before serving; `khortor serve`
    then exits 1 (not 0, so a service manager restarts it) and removes its metrics files."""
    server_tmp = tmp_path / "tmp"
    server_tmp.mkdir()
    with key_prefix(redis_url_or_fail()) as prefix:
        env = khortor_env(f"sqlite+aiosqlite:///{tmp_path / 'khortor.db'}",
                          KHORTOR_REDIS_URL=redis_url_or_fail(), KHORTOR_REDIS_PREFIX=prefix,
                          TMPDIR=str(server_tmp))
        script = ("import sys, api.cli as cli; cli.APP_FACTORY = 'tests.no_such_module:app'; "
                  "cli.HEALTHCHECK_SECONDS = 5; sys.exit(cli.main(sys.argv[1:]))")
        failed = subprocess.run([sys.executable, "-c", script, "serve", "--workers", "2",
                                 "--port", str(free_port())], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=180)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert "an API process failed to start" in failed.stderr
    assert list(server_tmp.iterdir()) == []
