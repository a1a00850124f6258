"""A real `khortor` process for tests: `seed-demo`, then `serve` on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main(sys.argv[1:]))"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def khortor_env(database_url: str, **settings: str) -> dict[str, str]:
    """This process's environment without any KHORTOR_ setting, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHORTOR_")}
    env.update({"KHORTOR_DATABASE_URL": database_url, **settings})
    return env


@contextmanager
def khortor_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Seed the demo users, serve, wait for /healthz; yields the base URL. Output goes to
    `log_path`; the process is stopped afterwards."""
    seeded = subprocess.run([*CLI, "seed-demo"], cwd=ROOT, env=env, capture_output=True)
    assert seeded.returncode == 0, seeded.stderr.decode()[-3000:]
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{log_path.read_text()[-2000:]}",
                                pytrace=False)
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
