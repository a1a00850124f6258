"""Benchmarks cannot rot: every `bench/*.py --smoke` runs to the end and exits 0.

A smoke run uses tiny sizes and takes seconds. It checks its own figures (the same numbers
from GraphQL and from SQL, counts equal to what it seeded, the load test's exactly-once
verification) and exits non-zero when they are wrong; no time or speed is asserted. The
scripts are found by a glob, so a new one is smoke-run without being named here.

The benches make databases of their own on the PostgreSQL server of KHORTOR_TEST_DATABASE_URL
(`bench/load.py` starts a PostgreSQL cluster and a Redis of its own); they do not use the
shared test database. A server that is down fails the test, it is never skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(ROOT.glob("bench/*.py"))
# The servers the benches use, with the defaults of scripts/test.
SERVERS = {
    "KHORTOR_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "KHORTOR_TEST_REDIS_URL": "redis://127.0.0.1:6379/0",
}
TIMEOUT = 300.0  # seconds; a smoke run takes a small fraction of it


def _env() -> dict[str, str]:
    env = {**SERVERS, **os.environ}
    # The code of this tree, whatever the virtualenv's editable install points at.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


def _run(script: Path) -> tuple[int | None, str, float]:
    """Run `script --smoke`; its exit code (None on timeout), its output and seconds taken."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(script), "--smoke"], cwd=ROOT, env=_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # a bench cleans up what it started on SIGTERM
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        code = None
    return code, output, time.monotonic() - started


def test_the_benches_are_found() -> None:
    assert {p.name for p in SCRIPTS} >= {"dashboards.py", "escalation_sweep.py", "graphql_overhead.py",
                                         "load.py", "attachments.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_bench_smoke_run_passes(script: Path) -> None:
    code, output, seconds = _run(script)
    outcome = f"timed out after {TIMEOUT:.0f} s" if code is None else f"exited {code} after {seconds:.0f} s"
    assert code == 0, f"bench/{script.name} --smoke {outcome}; its output:\n{output}"
