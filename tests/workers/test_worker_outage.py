"""A worker whose database cannot be reached logs one line per task, no traceback, and leaves
the work to run again: an outbox job not marked done is handed over again after the outbox's
retry delay (bench/load.py --fault pg-restart showed 32 tracebacks in the worker's log)."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from domain.settings import Settings, normalise_database_url
from tests.servers import free_port
from workers import embedded, handlers

ROOT = Path(__file__).resolve().parents[2]
TASKS = f"""
from domain.settings import Settings
from workers.celery_app import RELAY, make_app
app = make_app(Settings.from_env())
print("relay handed over", app.tasks[RELAY]())
print("job ran", app.tasks["notifications.referral_routed"](referral_id="{uuid.uuid4()}", outbox_id=1))
"""


def test_tasks_meeting_an_unreachable_database_log_one_line_each(backend: str, tmp_path: Path) -> None:
    url = (f"postgresql://postgres@127.0.0.1:{free_port()}/test" if backend == "postgresql"
           else f"sqlite:///{tmp_path / 'gone' / 'khortor.db'}")  # its directory does not exist
    env = {**os.environ, "KHORTOR_DATABASE_URL": url, "KHORTOR_REDIS_URL": "redis://127.0.0.1:1/0",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", TASKS], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["relay handed over 0", "job ran None"]
    logged = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr
    assert [line.split(":")[0] for line in logged if "is unavailable (" in line] == [
        "outbox.relay", "notifications.referral_routed"], done.stderr


async def test_the_embedded_worker_meeting_an_unreachable_database_logs_one_line_each(
        backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The same in embedded mode (`khortor serve` without Redis): the relay's round and each
    sweep log one line, no traceback, and the loop goes on."""
    url = (f"postgresql://postgres@127.0.0.1:{free_port()}/test" if backend == "postgresql"
           else f"sqlite:///{tmp_path / 'gone' / 'khortor.db'}")
    rt = handlers.Runtime.create(Settings(database_url=normalise_database_url(url), relay_seconds=0.05))
    try:
        with caplog.at_level(logging.INFO, logger="khortor.embedded"):
            stop = asyncio.Event()
            loop = asyncio.create_task(embedded.run_forever(rt, asyncio.Event(), stop))
            await asyncio.sleep(0.5)  # a few rounds
            stop.set()
            await asyncio.wait_for(loop, 10)
            assert await embedded.sweep_once(rt, ["escalations.sweep", "notifications.sweep"]) == 0
    finally:
        await rt.db.dispose()
    logged = [r for r in caplog.records if r.name == "khortor.embedded"]
    assert logged and not [r for r in logged if r.exc_info], [r.getMessage() for r in logged]
    messages = [r.getMessage() for r in logged]
    assert all("is unavailable (" in m and "\n" not in m for m in messages), messages
    assert any(m.startswith("the embedded worker's round:") for m in messages), messages
    assert [m.split(":")[0] for m in messages[-2:]] == ["sweep escalations.sweep", "sweep notifications.sweep"]
