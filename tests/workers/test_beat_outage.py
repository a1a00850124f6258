"""The beat outlives Redis: after Redis restarts (empty, no persistence) the schedule runs
again without restarting the beat or the worker. Real components: a redis-server of the
test's own, one beat and one worker process. Found by bench/load.py --fault worker-redis:
stock celery-redbeat let the connection error escape and the beat exited, so no sweep (and
no escalation) ran again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.workers.harness import (
    ROOT,
    PrivateRedis,
    client_app,
    redis_url_or_fail,
    wait_for,
    worker_env,
    workers,
)


def relays(log: Path) -> int:
    return log.read_text(errors="replace").count("Task outbox.relay[") // 2  # received + succeeded


async def test_the_schedule_runs_again_after_redis_restarts(db_url: str, tmp_path: Path) -> None:
    redis_url_or_fail()  # the suite's Redis must be there too; this test runs its own
    private = PrivateRedis(tmp_path)
    private.start()
    prefix = "khortor-beat-outage:"
    app = client_app(private.url, prefix)
    env = worker_env(db_url=db_url, redis_url=private.url, prefix=prefix, smtp_port=None,
                     clock_offset=0.0, KHORTOR_RELAY_SECONDS="1", KHORTOR_SWEEP_SECONDS="3600")
    celery = str(Path(sys.executable).with_name("celery"))
    beat_log = tmp_path / "beat.log"
    try:
        with workers(1, env, app, tmp_path) as [worker], beat_log.open("wb") as out:
            beat = subprocess.Popen([celery, "-A", "workers.celery_app", "beat", "--loglevel=INFO"],
                                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                await asyncio.to_thread(wait_for, lambda: relays(worker.log) >= 2, 60,
                                        "the beat's first relays")
                private.stop()
                await asyncio.sleep(4)  # a few ticks with Redis gone
                assert beat.poll() is None, beat_log.read_text()[-3000:]
                private.start()  # back, empty: no lock, no schedule entries, no bindings
                before = relays(worker.log)
                try:
                    await asyncio.to_thread(wait_for, lambda: relays(worker.log) >= before + 3, 60,
                                            "relays after Redis came back")
                except AssertionError as error:  # say which side stopped: the beat or the worker
                    beat_tail = beat_log.read_text(errors="replace")[-4000:]
                    worker_tail = worker.log.read_text(errors="replace")[-4000:]
                    raise AssertionError(f"{error}\n--- beat ---\n{beat_tail}"
                                         f"\n--- worker ---\n{worker_tail}") from None
                assert beat.poll() is None
            finally:
                if beat.poll() is None:
                    os.killpg(beat.pid, signal.SIGTERM)
                beat.wait(20)
    finally:
        private.stop()
    assert "took the lock again" in beat_log.read_text()
