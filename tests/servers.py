"""A real `khortor` process for tests: `seed-demo`, then `serve` on a free loopback port
(one API process, or several with `--workers N`), stopped with SIGTERM afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# uvicorn's line when an API process has run the app's start-up (one per process).
STARTED = b"Application startup complete."
CLI = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main(sys.argv[1:]))"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def khortor_env(database_url: str, **settings: str) -> dict[str, str]:
    """This process's environment without any KHORTOR_ setting, plus the given ones; the
    attachments go to a temporary directory of their own unless one is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHORTOR_")}
    attachments = settings.pop("KHORTOR_ATTACHMENTS_DIR", None) or tempfile.mkdtemp(prefix="khortor-files-")
    env.update({"KHORTOR_DATABASE_URL": database_url, "KHORTOR_ATTACHMENTS_DIR": attachments, **settings})
    return env


@dataclass
class Served:
    """A running `khortor serve`: its base URL, its (parent) process and its log."""

    base: str
    process: subprocess.Popen[bytes]
    log_path: Path


def descendants(pid: int) -> list[int]:
    """The processes below `pid` (children, grandchildren...), read from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def still_running_after(pids: list[int], seconds: float) -> list[int]:
    """Those of `pids` still running after waiting up to `seconds` for them to end on their
    own (a child may take a moment after its parent: the resource tracker reads EOF first)."""
    deadline = time.monotonic() + seconds
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if running(pid)]


def stop(process: subprocess.Popen[bytes], timeout: float = 15) -> list[int]:
    """SIGTERM, then SIGKILL after `timeout` s; the processes that were below it and had to
    be killed after it ended (none when it stops its children itself)."""
    below = descendants(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in below if running(pid)]
    for pid in left:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


@contextmanager
def khortor_serving(env: dict[str, str], log_path: Path, *serve_args: str,
                    processes: int = 1) -> Iterator[Served]:
    """Seed the demo users, `khortor serve` with `serve_args`, wait for /healthz and for
    `processes` API processes to have started; the process is stopped afterwards."""
    seeded = subprocess.run([*CLI, "seed-demo"], cwd=ROOT, env=env, capture_output=True)
    assert seeded.returncode == 0, seeded.stderr.decode()[-3000:]
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port),
                                    *serve_args], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                        if answer.status == 200 and (
                                processes == 1 or log_path.read_bytes().count(STARTED) >= processes):
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{log_path.read_text()[-2000:]}",
                                pytrace=False)
                time.sleep(0.2)
            yield Served(base, process, log_path)
        finally:
            stop(process)


@contextmanager
def khortor_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Seed the demo users, serve, wait for /healthz; yields the base URL. Output goes to
    `log_path`; the process is stopped afterwards."""
    with khortor_serving(env, log_path) as served:
        yield served.base
