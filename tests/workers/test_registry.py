"""Every job is declared once (workers/handlers.py): the Celery tasks, the beat schedule and
the embedded schedule are derived from that registry; a job nothing handles is an error that
is logged and kept in the outbox, never marked done."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.db import Database
from domain.outbox.models import OutboxJob
from domain.settings import Settings
from domain.uow import UnitOfWork
from workers import embedded, handlers
from workers.celery_app import beat_schedule, make_app
from workers.registry import Registry, UnknownJob

SETTINGS = Settings(redis_url="redis://127.0.0.1:6379/0", redis_prefix="khortor-registry-test:",
                    sweep_seconds=60, relay_seconds=2)


def test_celery_has_one_task_per_job_and_sweep_and_the_relay() -> None:
    app = make_app(SETTINGS)
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == set(handlers.registry.jobs) | set(handlers.registry.sweeps) | {"outbox.relay"}


def test_the_beat_runs_every_sweep_at_its_period_and_the_relay() -> None:
    schedule = {entry["task"]: entry["schedule"] for entry in beat_schedule(SETTINGS).values()}
    assert schedule.pop("outbox.relay") == timedelta(seconds=2)
    assert schedule == {"escalations.sweep": timedelta(seconds=60), "notifications.sweep": timedelta(seconds=60),
                        "reminders.sweep": timedelta(seconds=300),
                        "outreach.sweep": timedelta(seconds=300),
                        "privacy.retention_sweep": timedelta(seconds=300),
                        "uploads.expire": timedelta(seconds=300),
                        "stats.pass_deadlines": timedelta(seconds=60),
                        "stats.check_rollups": timedelta(seconds=3600),
                        "users.throttle_sweep": timedelta(seconds=3600)}


def test_a_name_is_declared_once() -> None:
    registry = Registry()

    @registry.job("x.y")
    async def one(rt: object) -> None: ...

    with pytest.raises(ValueError, match="declared twice"):
        registry.sweep("x.y")(one)
    with pytest.raises(UnknownJob):
        registry.handler("x.z")


async def test_an_unknown_job_is_logged_and_kept(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    async with UnitOfWork(db) as uow:
        uow.enqueue("nobody.handles_this", case_id="00000000-0000-0000-0000-000000000000")
    rt = handlers.Runtime(settings=Settings(database_url=db.url), db=db)
    with caplog.at_level(logging.ERROR, logger="khortor.embedded"):
        assert await embedded.relay_once(rt) == 1
    assert any("nobody.handles_this" in r.getMessage() and r.exc_info
               and isinstance(r.exc_info[1], UnknownJob) for r in caplog.records)
    async with db.read_sessions() as session:
        row = (await session.execute(select(OutboxJob).where(OutboxJob.name == "nobody.handles_this"))).scalar_one()
    assert row.done_at is None and row.attempts == 1
    assert row.next_attempt_at > datetime.now(UTC)  # tried again after the retry window, not dropped
