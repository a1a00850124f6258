"""The Celery wiring with real components: Redis, worker processes started by the test
(prefork, 2 children each), an SMTP server (aiosmtpd), and the test database of each backend.
The clock is the only fake: the workers' clock is shifted to a Monday morning."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from domain.cases.commands import CitizenDetails, OpenCase
from domain.cases.models import Case, CaseEvent
from domain.settings import Settings
from domain.cases import filing
from domain.db import Database
from domain.cases.models import Escalation
from domain.notifications.models import Notification
from domain.outbox.models import OutboxJob
from domain.uow import UnitOfWork
from tests.factories import CAL, bkk, file_case_directly, principal
from tests.workers.harness import (Mailbox, PrivateRedis, client_app, key_prefix, redis_url_or_fail,
                                   smtp_server, worker_env, workers)
from workers.celery_app import RELAY, job_sink

FILED = bkk(2026, 11, 23, 10)        # Monday 10:00
WORKERS_NOW = bkk(2026, 11, 30, 10)  # a week later, 10:00
# At WORKERS_NOW the acceptance deadline (Wed 16:30) is past: warning, level 1 and level 2
# have come due; level 3 (Monday 15:00) has not.
LEVELS_DUE = [0, 1, 2]


def offset_to(target: datetime) -> float:
    return (target - datetime.now(UTC)).total_seconds()


async def until(check: Callable[[], Awaitable[Any]], timeout: float, what: str,
                pump: Callable[[], None] | None = None, every: float = 0.3) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if pump is not None:
            pump()
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def ladder_events(db: Database, case_id: uuid.UUID) -> list[int]:
    async with db.read_sessions() as session:
        rows = (await session.execute(select(CaseEvent).where(
            CaseEvent.case_id == case_id,
            CaseEvent.type.in_(["ESCALATED", "DEADLINE_WARNING"])))).scalars().all()  # type: ignore[attr-defined]
    return sorted(int((e.data or {})["level"]) for e in rows)


def escalation_mails(mailbox: Mailbox, reference: str) -> list[Any]:
    """The ladder's e-mails to the office and above (not the volunteer's "escalated" news)."""
    return [m for m in mailbox.all() if reference in Mailbox.subject(m)
            and ("/ overdue (level" in Mailbox.subject(m) or "deadline approaching" in Mailbox.subject(m))]


async def test_an_overdue_referral_escalates_once_and_its_emails_arrive_with_two_workers(
        db: Database, db_url: str, tmp_path: Path) -> None:
    url = redis_url_or_fail()
    case, referral = await file_case_directly(db, FILED, CAL)
    with key_prefix(url) as prefix, smtp_server() as (mailbox, port):
        app = client_app(url, prefix)
        env = worker_env(db_url=db_url, redis_url=url, prefix=prefix, smtp_port=port,
                         clock_offset=offset_to(WORKERS_NOW))
        with workers(2, env, app, tmp_path):
            relay = lambda: app.send_task("outbox.relay", ignore_result=True)  # noqa: E731 (what beat does)
            for _ in range(10):  # the sweep, many times, consumed by two workers at once
                app.send_task("escalations.sweep", ignore_result=True)
            await until(lambda: count(db, Escalation, Escalation.referral_id == referral.id), 60,
                        "the escalation")

            async def mailed() -> bool:
                return len(escalation_mails(mailbox, case.reference)) >= len(LEVELS_DUE)

            await until(mailed, 60, "the escalation e-mails", pump=relay, every=1.0)
            for _ in range(10):
                app.send_task("escalations.sweep", ignore_result=True)
                app.send_task("escalations.escalate", kwargs={"referral_id": str(referral.id)},
                              ignore_result=True)
                app.send_task("notifications.sweep", ignore_result=True)
            for _ in range(5):
                relay()
                await asyncio.sleep(1)
    assert await ladder_events(db, case.id) == LEVELS_DUE
    mails = escalation_mails(mailbox, case.reference)
    assert len(mails) == len(LEVELS_DUE), [Mailbox.subject(m) for m in mails]
    assert len({m["Message-ID"] for m in mails}) == len(mails)
    recipients = sorted(m["To"] for m in mails)
    assert recipients == ["dlpw.nongkhai@demo.khortor.example"] * 2 + ["ops.nongkhai@demo.khortor.example"]
    level_one = next(m for m in mails if "ระดับ 1" in Mailbox.subject(m))
    body = level_one.get_payload(decode=True).decode("utf-8")
    assert case.reference in body and "overdue (level 1)" in body  # Thai, with an English line


class CaseLock:
    """Hold the case row's lock from outside (PostgreSQL: FOR UPDATE; SQLite: the write lock),
    so that a worker's escalation stops in the middle of its transaction."""

    def __init__(self, db_url: str, case_id: uuid.UUID) -> None:
        self.url, self.case_id = make_url(db_url), case_id
        self.pg: asyncpg.Connection | None = None
        self.sqlite: sqlite3.Connection | None = None

    async def acquire(self) -> None:
        if self.url.get_backend_name() == "postgresql":
            dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.pg = await asyncpg.connect(dsn)
            await self.pg.execute("BEGIN")
            await self.pg.execute("SELECT 1 FROM case_file WHERE id = $1 FOR UPDATE", self.case_id)
        else:
            self.sqlite = sqlite3.connect(self.url.database or "", isolation_level=None, timeout=30)
            self.sqlite.execute("BEGIN IMMEDIATE")

    async def release(self) -> None:
        if self.pg is not None:
            await self.pg.execute("ROLLBACK")
            await self.pg.close()
        if self.sqlite is not None:
            self.sqlite.execute("ROLLBACK")
            self.sqlite.close()


async def test_a_worker_killed_mid_escalation_runs_it_again_exactly_once(
        db: Database, db_url: str, tmp_path: Path) -> None:
    url = redis_url_or_fail()
    case, referral = await file_case_directly(db, FILED, CAL)
    with key_prefix(url) as prefix, smtp_server() as (mailbox, port):
        app = client_app(url, prefix)
        env = worker_env(db_url=db_url, redis_url=url, prefix=prefix, smtp_port=port,
                         clock_offset=offset_to(WORKERS_NOW))
        with workers(1, env, app, tmp_path) as [worker]:
            lock = CaseLock(db_url, case.id)
            await lock.acquire()
            try:
                app.send_task("escalations.escalate", kwargs={"referral_id": str(referral.id)},
                              ignore_result=True)

                async def busy() -> list[int]:
                    return worker.active_pids(app, "escalations.escalate")

                [pid] = await until(busy, 30, "the escalation to start")
                await asyncio.sleep(0.5)  # it is inside its transaction, waiting for the lock
                os.kill(pid, signal.SIGKILL)
            finally:
                await lock.release()
            relay = lambda: app.send_task("outbox.relay", ignore_result=True)  # noqa: E731

            async def mailed() -> bool:
                return len(escalation_mails(mailbox, case.reference)) >= len(LEVELS_DUE)

            await until(mailed, 90, "the escalation to run again and its e-mails", pump=relay, every=1.0)
            for _ in range(3):
                relay()
                app.send_task("escalations.escalate", kwargs={"referral_id": str(referral.id)},
                              ignore_result=True)
                await asyncio.sleep(1)
        log = worker.log.read_text()
    assert "SIGKILL" in log or "WorkerLostError" in log, log[-2000:]
    assert await ladder_events(db, case.id) == LEVELS_DUE
    assert await count(db, Escalation, Escalation.referral_id == referral.id) == len(LEVELS_DUE)
    assert len(escalation_mails(mailbox, case.reference)) == len(LEVELS_DUE)


async def test_redis_restarted_while_cases_are_filed_loses_no_job_and_doubles_none(
        db: Database, db_url: str, tmp_path: Path) -> None:
    redis_url_or_fail()  # the suite's Redis must be there too; this test runs its own
    private = PrivateRedis(tmp_path)
    private.start()
    try:
        prefix = "khortor-restart:"
        app = client_app(private.url, prefix)
        env = worker_env(db_url=db_url, redis_url=private.url, prefix=prefix, smtp_port=None,
                         clock_offset=0.0, KHORTOR_OUTBOX_RETRY_SECONDS="4")
        sink = job_sink(app)
        referrals: list[uuid.UUID] = []
        with workers(1, env, app, tmp_path) as (worker,):
            for i in range(36):
                if i == 12:
                    private.stop()      # Redis goes away in the middle of filing
                if i == 24:
                    private.start()     # and comes back, empty (no persistence)
                _, referral = await file_case_directly(db, datetime.now(UTC), CAL, jobs=sink)
                referrals.append(referral.id)

            def relay() -> None:
                # kombu 5.7 may end the worker ("Unrecoverable error", AttributeError in
                # restore_unacked) when Redis drops while a late-acked task runs: its
                # supervisor starts it again, and no job may be lost or doubled either way.
                worker.restart_if_exited()
                try:
                    app.send_task("outbox.relay", retry=False, ignore_result=True)
                except Exception:
                    pass

            async def all_done() -> bool:
                return await count(db, OutboxJob, OutboxJob.done_at.is_(None)) == 0  # type: ignore[union-attr]

            await until(all_done, 120, "every committed job to run", pump=relay, every=1.0)
    finally:
        private.stop()
    async with db.read_sessions() as session:
        rows = (await session.execute(select(Notification.referral_id, func.count()).where(
            Notification.kind == "NEW_REFERRAL").group_by(Notification.referral_id))).all()
    per_referral = dict(rows)
    assert sorted(per_referral, key=str) == sorted(referrals, key=str)  # none lost
    assert set(per_referral.values()) == {1}                           # none doubled
    assert await count(db, Case) == 36


async def test_a_rolled_back_transaction_enqueues_nothing_on_a_real_broker(
        db: Database, db_url: str, tmp_path: Path) -> None:
    url = redis_url_or_fail()
    with key_prefix(url) as prefix:
        app = client_app(url, prefix)
        env = worker_env(db_url=db_url, redis_url=url, prefix=prefix, smtp_port=None, clock_offset=0.0)
        sink = job_sink(app)
        with workers(1, env, app, tmp_path) as [worker]:
            class Abort(Exception):
                pass

            volunteer = await principal(db, "vol.naimueang")

            rolled_back_id = uuid.uuid4()
            try:
                async with UnitOfWork(db, sink) as uow:  # type: ignore[arg-type]
                    await filing.open_case(uow, volunteer, OpenCase(
                        client_id=rolled_back_id, category_code="UNPAID_WAGES", subdistrict_code="430101",
                        description="ทดสอบการยกเลิกธุรกรรม", citizen=CitizenDetails(
                            full_name="ทดสอบ", national_id=None, phone=None, consent=True)),
                        datetime.now(UTC), CAL, Settings().vault)
                    raise Abort
            except Abort:
                pass
            _, kept = await file_case_directly(db, datetime.now(UTC), CAL, jobs=sink)
            relay = lambda: app.send_task("outbox.relay", ignore_result=True)  # noqa: E731

            async def delivered() -> int:
                return await count(db, Notification, Notification.referral_id == kept.id)

            await until(delivered, 60, "the committed job", pump=relay, every=1.0)
            for _ in range(3):
                relay()
                await asyncio.sleep(1)
            log = worker.log.read_text()
    assert await count(db, Case, Case.id == rolled_back_id) == 0
    # Only the committed case's routing job; in office hours (Bangkok) the notice it made also
    # queued e-mail deliveries, which are the only other jobs allowed.
    assert await count(db, OutboxJob, OutboxJob.name == "notifications.referral_routed") == 1
    assert await count(db, OutboxJob, OutboxJob.name.not_in(  # type: ignore[attr-defined]
        ["notifications.referral_routed", "notifications.deliver"])) == 0
    assert await count(db, Notification, Notification.kind == "NEW_REFERRAL") == 1
    # the routed job ran in the relay, once, and no Celery task was sent for it
    assert "Task notifications.referral_routed[" not in log
    ran = [line for line in log.splitlines() if "run in the relay" in line]
    assert [line.split("outbox relay: ")[1].split(" of ")[0] for line in ran] == ["1"], ran
    assert "notifications.referral_routed" in ran[0]


async def test_the_relay_runs_short_jobs_itself_and_one_that_fails_stays_due(
        db: Database, db_url: str, tmp_path: Path) -> None:
    """Jobs declared `in_relay` (workers/handlers.py) are run by the relay after its claim
    commits, not sent as Celery tasks; a failing one is logged and stays claimed, due again
    after the retry delay, and the relay goes on with the next."""
    url = redis_url_or_fail()
    with key_prefix(url) as prefix:
        app = client_app(url, prefix)
        env = worker_env(db_url=db_url, redis_url=url, prefix=prefix, smtp_port=None, clock_offset=0.0)
        with workers(1, env, app, tmp_path) as [worker]:
            async with UnitOfWork(db) as uow:  # a routed job whose referral id is garbled
                uow.enqueue("notifications.referral_routed", referral_id="not-a-referral-id")
            referrals = [(await file_case_directly(db, datetime.now(UTC), CAL))[1].id for _ in range(3)]
            relay = lambda: app.send_task("outbox.relay", ignore_result=True)  # noqa: E731

            async def told() -> bool:
                return await count(db, Notification, Notification.referral_id.in_(referrals)) == 3  # type: ignore[attr-defined]

            await until(told, 60, "the three offices' notices", pump=relay, every=1.0)
            log = worker.log.read_text()
            async with db.read_sessions() as session:
                jobs = (await session.execute(select(OutboxJob).where(
                    OutboxJob.name == "notifications.referral_routed"))).scalars().all()
    garbled = [job for job in jobs if job.ids == {"referral_id": "not-a-referral-id"}]
    assert len(garbled) == 1 and garbled[0].done_at is None and garbled[0].attempts == 1
    assert garbled[0].next_attempt_at > datetime.now(UTC)  # due again after the retry delay
    assert sum(job.done_at is not None for job in jobs) == 3
    assert f"outbox job {garbled[0].id} (notifications.referral_routed) failed in the relay" in log
    assert "Task notifications.referral_routed[" not in log
    assert log.count("Traceback") == 1  # the failed job's, logged once


async def test_an_api_process_kicks_the_relay_once_for_a_burst_of_filings_and_none_waits(
        db: Database, db_url: str, tmp_path: Path) -> None:
    """`khortor serve`'s sink (a 0.2 s window): a burst of filings shares its relay kicks,
    and the last filings' jobs still run at once, without the beat (none runs here). The kicks
    counted are the ones this process sends to Celery; the worker's relays also run after its own
    tasks' commits (a relay whose jobs queue a delivery kicks again, at once), so the relays it
    receives are more, the more so the faster the burst."""
    url = redis_url_or_fail()
    filings = 12
    with key_prefix(url) as prefix:
        app = client_app(url, prefix)
        env = worker_env(db_url=db_url, redis_url=url, prefix=prefix, smtp_port=None, clock_offset=0.0)
        sent: list[str] = []
        send_task = app.send_task

        def counted(name: str, *args: Any, **kwargs: Any) -> Any:  # Celery's own send, counted
            sent.append(name)
            return send_task(name, *args, **kwargs)

        app.send_task = counted  # type: ignore[method-assign]
        sink = job_sink(app, window=0.2)
        with workers(1, env, app, tmp_path) as [worker]:
            loop = asyncio.get_running_loop()
            began = loop.time()
            referrals = [(await file_case_directly(db, datetime.now(UTC), CAL, jobs=sink))[1].id
                         for _ in range(filings)]
            burst = loop.time() - began

            async def all_told() -> bool:
                return await count(db, Notification, Notification.referral_id.in_(referrals)) == filings  # type: ignore[attr-defined]

            await until(all_told, 30, "every filing's notice, with no relay but the kicks'")
            await asyncio.sleep(0.5)  # a stray late kick would be counted
            kicks = sent.count(RELAY)
            received = [line for line in worker.log.read_text().splitlines()
                        if "Task outbox.relay[" in line and "received" in line]
    assert 1 <= kicks < filings, (kicks, burst)
    assert kicks <= burst / 0.2 + 2, (kicks, burst)
    assert len(received) >= kicks  # each kick ran a relay


async def test_two_beats_started_by_mistake_trigger_the_schedule_once(
        db: Database, db_url: str, tmp_path: Path) -> None:
    """celery-redbeat's lock: with two beats running, the relay (every second) runs about
    once a second, not twice."""
    import subprocess
    import sys

    from tests.workers.harness import ROOT

    url = redis_url_or_fail()
    with key_prefix(url) as prefix:
        app = client_app(url, prefix)
        env = worker_env(db_url=db_url, redis_url=url, prefix=prefix, smtp_port=None, clock_offset=0.0,
                         KHORTOR_RELAY_SECONDS="1", KHORTOR_SWEEP_SECONDS="3600")
        celery = str(Path(sys.executable).with_name("celery"))
        with workers(1, env, app, tmp_path) as [worker]:
            logs = [(tmp_path / f"beat-{i}.log").open("wb") for i in range(2)]
            beats = [subprocess.Popen([celery, "-A", "workers.celery_app", "beat", "--loglevel=INFO",
                                       "-s", str(tmp_path / f"beat-{i}-schedule")],
                                      cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
                     for i, log in enumerate(logs)]
            try:
                def relays() -> int:
                    return worker.log.read_text().count("Task outbox.relay[") // 2  # received + succeeded

                await until(lambda: asyncio.sleep(0, result=relays() >= 2), 60, "the beat to start")
                first = relays()
                await asyncio.sleep(8)
                ran = relays() - first
            finally:
                for beat in beats:
                    os.killpg(beat.pid, signal.SIGTERM)
                for beat in beats:
                    beat.wait(20)
                for log in logs:
                    log.close()
    assert 4 <= ran <= 11, ran  # ~8 with one beat; ~16 if both ran the schedule
