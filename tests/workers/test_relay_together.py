"""The relay runs the short jobs it claimed (declared `in_relay`) together, in one transaction
(workers/handlers.py `run_together`, workers/celery_app.py `_run_in_relay`): a transaction
each cost more than their few statements (bench/load.py, issue 11). What must not change:
each job done exactly when its work committed, each office told once, a failing job logged
and left due, one line and no traceback when the database cannot be used."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select, text, update

from domain.cases import notices
from domain.db import Database
from domain.notifications import service as notifications
from domain.notifications.models import Delivery, Notification
from domain.outbox.models import OutboxJob
from domain.outbox.repository import ClaimedJob
from domain.settings import Settings, normalise_database_url
from domain.uow import PartOfWork, UnitOfWork
from domain.users import repository as users_repo
from tests.factories import CAL, bkk, file_case_directly
from tests.servers import free_port
from workers import handlers
from workers.celery_app import _run_in_relay as run_in_relay

MONDAY = bkk(2026, 11, 23, 10)  # office hours: the officers' e-mails are queued at once
CELERY_LOG = "khortor.celery"


def _runtime(db: Database) -> handlers.Runtime:
    return handlers.Runtime(settings=Settings(
        database_url=db.url, clock_offset_seconds=(MONDAY - datetime.now(UTC)).total_seconds()), db=db)


async def _rows(db: Database, model: Any, *where: Any) -> list[Any]:
    async with db.read_sessions() as session:
        return list((await session.execute(select(model).where(*where))).scalars())


@contextmanager
def sending(db: Database) -> Iterator[list[str]]:
    """The statements `db` sends while the block runs, each BEGIN as "BEGIN"."""
    sent: list[str] = []

    def began(_connection: object) -> None:
        sent.append("BEGIN")

    def executed(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "begin", began)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield sent
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine, "before_cursor_execute", executed)


async def _claim(rt: handlers.Runtime) -> list[ClaimedJob]:
    """Claim the due jobs; those the relay runs itself (the others, e-mails, go to Celery)."""
    claimed: list[ClaimedJob] = []
    await handlers.relay(rt, claimed.append)
    return [job for job in claimed if job.name in handlers.registry.in_relay]


async def _two_jobs_in_relay(db: Database, name: str, job: Any, caplog: pytest.LogCaptureFixture) -> None:
    """`job` registered as `name` (run in the relay) and queued twice (n = "1", "2"); the claim
    run in the relay, its lines captured: both ran and are done."""
    handlers.registry.job(name, in_relay=True)(job)
    try:
        async with UnitOfWork(db) as uow:
            uow.enqueue(name, n="1")
            uow.enqueue(name, n="2")
        rt = _runtime(db)
        claimed = await _claim(rt)
        with caplog.at_level(logging.INFO, logger=CELERY_LOG):
            assert await run_in_relay(rt, claimed) == 2
    finally:
        del handlers.registry.jobs[name]
        handlers.registry.in_relay.discard(name)
    done = {claim.id: claim.done_at for claim in await _rows(db, OutboxJob)}
    assert all(done[claim.id] is not None for claim in claimed)


async def _officers_told(db: Database, referral: Any) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Who was told of a routed referral, and who should have been (its office's officers)."""
    told = [n.user_id for n in await _rows(db, Notification, Notification.referral_id == referral.id)]
    assert len(told) == len(set(told)), "someone was told twice"
    async with db.read_sessions() as session:
        officers = {u.id for u in await users_repo.unit_officers(session, referral.org_unit_code)}
    return set(told), officers


async def test_the_relay_runs_the_short_jobs_of_a_claim_in_one_transaction(db: Database) -> None:
    """Three filings' notices, claimed by one relay: one transaction for the three, the
    calendar read once, each job marked done in it, each officer of each office told once (and
    their e-mails queued); the same jobs run again (claimed a second time) tell no one twice."""
    referrals = [(await file_case_directly(db, MONDAY, CAL))[1] for _ in range(3)]
    rt = _runtime(db)
    claimed = await _claim(rt)
    assert [job.name for job in claimed] == [notices.REFERRAL_ROUTED_JOB] * 3
    with sending(db) as sent:
        assert await run_in_relay(rt, claimed) == 3
    assert sent.count("BEGIN") == 1, sent
    assert sum("FROM calendar_day" in statement for statement in sent) == 1, sent
    done = {job.id: job.done_at for job in await _rows(db, OutboxJob)}
    assert all(done[job.id] is not None for job in claimed)
    for referral in referrals:
        told, officers = await _officers_told(db, referral)
        assert told == officers and officers, referral.org_unit_code
    deliveries = {d.id for d in await _rows(db, Delivery)}
    queued = {uuid.UUID(j.ids["delivery_id"]) for j in await _rows(
        db, OutboxJob, OutboxJob.name == notifications.DELIVER_JOB)}
    assert deliveries and queued == deliveries  # each e-mail's job committed with its delivery

    await handlers.run_together(rt, claimed)
    for referral in referrals:
        told, officers = await _officers_told(db, referral)
        assert told == officers


async def test_when_one_job_fails_the_others_run_one_by_one_and_it_later_runs_alone(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """A job that fails among those run together (the last, after the others wrote) rolls
    them all back; then each runs in a transaction of its own: the others are done and their
    offices told once, the one that fails is logged and stays due. Claimed again, it runs on
    its own, and the new jobs of that claim run together."""
    referrals = [(await file_case_directly(db, MONDAY, CAL))[1] for _ in range(2)]
    async with UnitOfWork(db) as uow:
        uow.enqueue(notices.REFERRAL_ROUTED_JOB, referral_id="not-a-referral-id")
    rt = _runtime(db)
    claimed = await _claim(rt)
    assert [job.ids["referral_id"] for job in claimed][-1] == "not-a-referral-id"
    with caplog.at_level(logging.INFO, logger=CELERY_LOG):
        assert await run_in_relay(rt, claimed) == 3
    jobs = {job.id: job for job in await _rows(db, OutboxJob)}
    assert [jobs[job.id].done_at is not None for job in claimed] == [True, True, False]
    for referral in referrals:
        told, officers = await _officers_told(db, referral)
        assert told == officers
    logged = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records
              if r.name == CELERY_LOG]
    garbled = claimed[-1].id
    assert logged == [
        ("WARNING", "outbox relay: 3 job(s) run together failed (ValueError); running them one by one",
         False),
        ("ERROR", f"outbox job {garbled} (notifications.referral_routed) failed in the relay", True),
    ], logged

    # due again (its retry delay over), with two new filings' notices
    async with UnitOfWork(db) as uow:
        await uow.session.execute(update(OutboxJob).where(OutboxJob.id == garbled)
                                  .values(next_attempt_at=MONDAY))
    later = [(await file_case_directly(db, MONDAY, CAL))[1] for _ in range(2)]
    again = await _claim(rt)
    assert [(job.id == garbled, job.attempts) for job in again] == [(True, 2), (False, 1), (False, 1)]
    caplog.clear()
    with sending(db) as sent, caplog.at_level(logging.INFO, logger=CELERY_LOG):
        assert await run_in_relay(rt, again) == 3
    assert sent.count("BEGIN") == 2, sent  # the two new ones together, the old one alone
    assert [r.getMessage() for r in caplog.records if r.name == CELERY_LOG] == [
        f"outbox job {garbled} (notifications.referral_routed) failed in the relay"]
    for referral in later:
        told, officers = await _officers_told(db, referral)
        assert told == officers


async def test_a_failure_only_running_together_causes_is_logged_as_an_error(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """Jobs that fail together but each run alone: they are done, and the fault of running
    them together is an ERROR with its traceback, not hidden behind the one-by-one run."""
    async def fails_together(rt: handlers.Runtime, n: str) -> None:
        async with rt.uow():
            if handlers.TOGETHER.get() is not None:
                raise RuntimeError("only when run together")

    await _two_jobs_in_relay(db, "tests.fails_together", fails_together, caplog)
    errors = [r for r in caplog.records if r.name == CELERY_LOG and r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == [
        "outbox relay: 2 job(s) failed when run together and ran one by one"]
    assert errors[0].exc_info is not None and "only when run together" in str(errors[0].exc_info[1])


@pytest.mark.postgresql_only
async def test_jobs_whose_transaction_the_database_ends_run_again_at_once(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """The database ends the transaction of the jobs run together, and then each job's first
    transaction alone, as it does to break a deadlock (SQLSTATE 40P01, raised by PostgreSQL
    here): they run one by one, each again at once, and are done; no ERROR, no traceback, and
    the relay does not stop as it does for an absent database."""
    ran: list[tuple[str, bool]] = []

    async def conflicts(rt: handlers.Runtime, n: str) -> None:
        together = handlers.TOGETHER.get() is not None
        ran.append((n, together))
        async with rt.uow() as uow:
            if together or ran.count((n, False)) == 1:
                await uow.session.execute(text(
                    "DO $$ BEGIN RAISE EXCEPTION 'ended' USING ERRCODE = '40P01'; END $$"))

    await _two_jobs_in_relay(db, "tests.conflicts", conflicts, caplog)
    assert [r for r in ran if not r[1]] == [("1", False), ("1", False), ("2", False), ("2", False)]
    logged = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records if r.name == CELERY_LOG]
    assert logged == [("WARNING", "outbox relay: the database ended the transaction of 2 job(s) run together to "
                       "let another go on (SQLSTATE 40P01); running them one by one", False)], logged


async def test_a_part_that_fails_dooms_the_whole_even_if_its_caller_goes_on(db: Database) -> None:
    """The parts of one unit of work commit together or not at all: a part's error, caught by
    its caller, still rolls back the whole, the other parts' rows and jobs included."""
    referral = (await file_case_directly(db, MONDAY, CAL))[1]
    before = len(await _rows(db, OutboxJob))

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with UnitOfWork(db) as whole:
            async with PartOfWork(whole) as part:
                await notices.referral_routed(part, referral.id, MONDAY, CAL)
                part.enqueue("escalations.escalate", referral_id=str(referral.id))
            try:
                async with PartOfWork(whole):
                    raise Boom
            except Boom:
                pass  # the caller goes on
    assert await _rows(db, Notification, Notification.referral_id == referral.id) == []
    assert len(await _rows(db, OutboxJob)) == before


async def test_running_together_without_the_database_logs_one_line_and_runs_nothing(
        backend: str, tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = (f"postgresql://postgres@127.0.0.1:{free_port()}/test" if backend == "postgresql"
           else f"sqlite:///{tmp_path / 'gone' / 'khortor.db'}")  # its directory does not exist
    rt = handlers.Runtime.create(Settings(database_url=normalise_database_url(url)))
    jobs = [ClaimedJob(n, notices.REFERRAL_ROUTED_JOB, {"referral_id": str(uuid.uuid4())}) for n in (1, 2)]
    try:
        with caplog.at_level(logging.INFO, logger=CELERY_LOG):
            assert await run_in_relay(rt, jobs) == 0
    finally:
        await rt.db.dispose()
    logged = [r for r in caplog.records if r.name == CELERY_LOG]
    assert [r.getMessage().split(":")[0] for r in logged] == ["outbox relay (2 jobs run together)"]
    assert "is unavailable (" in logged[0].getMessage() and logged[0].exc_info is None
