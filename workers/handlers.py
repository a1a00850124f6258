"""The work itself, shared by the Celery tasks and the embedded runner: each handler opens
one unit of work, loads the calendar in force and calls one domain service.

Every job and sweep is declared here once, in `registry` (workers/registry.py): the job's
name as the domain enqueues it ("<module>.<verb>"), its handler and, for a sweep, its
period. A sweep selects ids and returns the jobs to fan out, one per item.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.attachments import service as attachments
from domain.attachments.storage import BlobStore, blob_store
from domain.bootstrap import open_database
from domain.calendar.service import load_calendar
from domain.cases import notices
from domain.clock.business import BusinessCalendar
from domain.db import Database
from domain.escalations import repository as escalations_repo
from domain.escalations import service as escalations
from domain.jobs import DiscardJobs, Job, JobSink
from domain.notifications import repository as notifications_repo
from domain.notifications import service as notifications
from domain.notifications.channels import Channel, SmtpChannel, SmtpSettings
from domain.outbox import repository as outbox
from domain.outreach import events as outreach_events
from domain.outreach import notices as outreach
from domain.privacy import pdpa
from domain.reminders import service as reminders
from domain.settings import Settings
from domain.stats import exports
from domain.stats import maintenance as stats_maintenance
from domain.uow import OutboxRun, PartOfWork, UnitOfWork
from domain.uploads import service as uploads
from domain.users import repository as users_repo
from workers.registry import Registry

SWEEP_BATCH = 1000
registry = Registry()
# The outbox job `run_job` is running in this context, if any.
RUNNING: ContextVar[OutboxRun | None] = ContextVar("khortor_outbox_run", default=None)
# Jobs only the sweeps below make (the domain enqueues the others by its own constants).
ESCALATE = "escalations.escalate"
REMIND_ON_HOLD = "reminders.remind_on_hold"
ASK_SATISFACTION = "reminders.ask_satisfaction"
CLOSE_RESOLVED = "reminders.close_resolved"
SEND_DIGEST = "reminders.send_digest"
ANONYMISE_EXPIRED = "privacy.anonymise_expired"
REMOVE_UPLOAD = "uploads.remove"


@dataclass(frozen=True)
class Together:
    """The unit of work `run_together` runs its jobs in, and the calendar it read in it."""

    whole: UnitOfWork
    calendar: BusinessCalendar


# The jobs `run_together` is running in this context, if any: their units of work are parts.
TOGETHER: ContextVar[Together | None] = ContextVar("khortor_jobs_together", default=None)


@dataclass
class Runtime:
    """What a handler needs: the database (its engine made in the running loop), the clock,
    the channels, and where follow-up jobs go after commit."""

    settings: Settings
    db: Database
    channels: dict[str, Channel] = field(default_factory=dict)
    jobs: JobSink = field(default_factory=DiscardJobs)
    blobs: BlobStore | None = None  # where attachments' sealed blobs live (from the settings)

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.settings.clock_offset_seconds)

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.settings.retention_days)

    def uow(self) -> UnitOfWork:
        """A unit of work; within `run_job` it also marks the outbox job done (a job's handler
        does its work in one unit of work); within `run_together`, a part of theirs."""
        together = TOGETHER.get()
        if together is not None:
            return PartOfWork(together.whole)
        return UnitOfWork(self.db, self.jobs, RUNNING.get())

    async def calendar(self) -> BusinessCalendar:
        async with self.db.read_sessions() as session:
            return await load_calendar(session)

    @asynccontextmanager
    async def job_uow(self) -> AsyncIterator[tuple[UnitOfWork, BusinessCalendar]]:
        """A job's unit of work and the calendar in force, read in that same transaction: one
        transaction per job, where a read session for the calendar before it was a second
        (a pool checkout, BEGIN, ROLLBACK) for every notice, escalation and reminder. Within
        `run_together`, a part of theirs and the calendar they read."""
        together = TOGETHER.get()
        async with self.uow() as uow:
            yield uow, together.calendar if together is not None else await load_calendar(uow.session)

    @classmethod
    def create(cls, settings: Settings, jobs: JobSink | None = None) -> Runtime:
        channels: dict[str, Channel] = {}
        if settings.smtp_host:
            channels["EMAIL"] = SmtpChannel(SmtpSettings(
                host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                user=settings.smtp_user, password=settings.smtp_password,
                starttls=settings.smtp_starttls))
        db = open_database(settings.database_url, report_url=settings.read_database_url, **settings.pool)
        return cls(settings=settings, db=db, channels=channels,
                   jobs=jobs or DiscardJobs(), blobs=blob_store(settings))

    @property
    def store(self) -> BlobStore:
        if self.blobs is None:
            self.blobs = blob_store(self.settings)
        return self.blobs


def _id(value: str) -> uuid.UUID:
    return uuid.UUID(str(value))


def _instant(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("an instant without a time zone")
    return at


# --- jobs (one item each) ------------------------------------------------------------------

@registry.job(ESCALATE)
async def escalate(rt: Runtime, referral_id: str) -> int:
    async with rt.job_uow() as (uow, calendar):
        return len(await escalations.escalate_if_overdue(uow, _id(referral_id), rt.now(), calendar))


@registry.job(notifications.DELIVER_JOB)
async def deliver(rt: Runtime, delivery_id: str) -> bool:
    async with rt.uow() as uow:
        return await notifications.deliver(uow, _id(delivery_id), rt.now(), rt.channels)


@registry.job(notices.REFERRAL_ROUTED_JOB, in_relay=True)
async def referral_routed(rt: Runtime, referral_id: str) -> int:
    async with rt.job_uow() as (uow, calendar):
        return await notices.referral_routed(uow, _id(referral_id), rt.now(), calendar)


@registry.job(notices.CASE_EVENT_JOB, in_relay=True)
async def case_event(rt: Runtime, event_id: str | None = None, case_id: str | None = None,
                     type: str | None = None, at: str | None = None, referral_id: str | None = None) -> int:
    """One history entry, named by its id or, written at commit, by its case, type, instant
    and referral (domain/cases/notices.py)."""
    async with rt.job_uow() as (uow, calendar):
        if event_id is not None:
            return await notices.case_event(uow, int(event_id), rt.now(), calendar)
        if case_id is None or type is None or at is None:
            raise ValueError("a case_event job names its entry by an id or by case, type and instant")
        return await notices.case_events_named(uow, _id(case_id), type, _instant(at),
                                               _id(referral_id) if referral_id is not None else None,
                                               rt.now(), calendar)


@registry.job(REMIND_ON_HOLD)
async def remind_on_hold(rt: Runtime, referral_id: str) -> bool:
    async with rt.job_uow() as (uow, calendar):
        return await reminders.remind_on_hold(uow, _id(referral_id), rt.now(), calendar)


@registry.job(ASK_SATISFACTION)
async def ask_satisfaction(rt: Runtime, case_id: str) -> bool:
    async with rt.job_uow() as (uow, calendar):
        return await reminders.ask_satisfaction(uow, _id(case_id), rt.now(), calendar)


@registry.job(CLOSE_RESOLVED)
async def close_resolved(rt: Runtime, case_id: str) -> bool:
    async with rt.job_uow() as (uow, calendar):
        return await reminders.close_resolved(uow, _id(case_id), rt.now(), calendar)


@registry.job(SEND_DIGEST)
async def send_digest(rt: Runtime, user_id: str) -> bool:
    async with rt.job_uow() as (uow, calendar):
        return await reminders.send_digest(uow, _id(user_id), rt.now(), calendar)


@registry.job(ANONYMISE_EXPIRED)
async def anonymise_expired(rt: Runtime, case_id: str) -> bool:
    async with rt.uow() as uow:
        return await pdpa.anonymise_if_expired(uow, _id(case_id), rt.now(), rt.retention)


@registry.job(pdpa.PURGE_ATTACHMENTS_JOB)
async def purge_attachments(rt: Runtime, case_id: str) -> int:
    """An anonymised case's files and thumbnails, and any upload of it not finished."""
    async with rt.uow() as uow:
        purged = await attachments.purge_case(uow, rt.store, _id(case_id))
        if purged is None:  # not anonymised (any more): nothing goes
            return 0
        unfinished = await uploads.remove_of_case(uow, _id(case_id))
    await uploads.discard_bytes(rt.settings, unfinished)
    return purged


@registry.job(exports.JOB_NAME)
async def generate_export(rt: Runtime, export_id: str) -> None:
    await exports.generate_export(rt.db, export_id, await rt.calendar(), clock=rt.now)


@registry.job(REMOVE_UPLOAD)
async def remove_upload(rt: Runtime, upload_id: str) -> bool:
    """An expired upload: its row, then its incoming bytes (safe twice)."""
    async with rt.uow() as uow:
        gone = await uploads.remove_expired(uow, _id(upload_id), rt.now())
    if gone:
        await uploads.discard_bytes(rt.settings, _id(upload_id))
    return gone


@registry.job(outreach_events.ANNOUNCED_JOB)
async def outreach_announced(rt: Runtime, event_id: str) -> int:
    """An announced event: its volunteers and its offices' officers are told (once)."""
    async with rt.job_uow() as (uow, calendar):
        return await outreach.announced(uow, _id(event_id), rt.now(), calendar)


@registry.job(outreach.REMIND_JOB)
async def outreach_remind_volunteers(rt: Runtime, event_id: str) -> int:
    async with rt.job_uow() as (uow, calendar):
        return await outreach.remind_volunteers(uow, _id(event_id), rt.now(), calendar)


@registry.job(outreach.FOLLOW_UP_JOB)
async def outreach_follow_up(rt: Runtime, event_id: str) -> int:
    async with rt.job_uow() as (uow, calendar):
        return await outreach.remind_coordinators(uow, _id(event_id), rt.now(), calendar)


# --- sweeps: select ids, return one job per item; `every` is in sweep periods ---------------

@registry.sweep("outreach.sweep", every=5)
async def outreach_sweep(rt: Runtime) -> list[Job]:
    """The business day before an event: remind its volunteers; an event still PLANNED after
    its day, or HELD 5 business days without a report: remind the coordinators (keyed once)."""
    calendar = await rt.calendar()
    now = rt.now()
    async with rt.db.read_sessions() as session:
        remind = await outreach.reminder_due_ids(session, now, calendar, SWEEP_BATCH)
        follow = await outreach.follow_up_due_ids(session, now, SWEEP_BATCH)
    return ([Job(outreach.REMIND_JOB, {"event_id": str(i)}) for i in remind]
            + [Job(outreach.FOLLOW_UP_JOB, {"event_id": str(i)}) for i in follow])


@registry.sweep("escalations.sweep")
async def escalation_sweep(rt: Runtime) -> list[Job]:
    async with rt.db.read_sessions() as session:
        ids = await escalations_repo.due_referral_ids(session, rt.now(), SWEEP_BATCH)
    return [Job(ESCALATE, {"referral_id": str(i)}) for i in ids]


@registry.sweep("notifications.sweep")
async def notification_sweep(rt: Runtime) -> list[Job]:
    async with rt.db.read_sessions() as session:
        ids = await notifications_repo.due_delivery_ids(session, rt.now(), SWEEP_BATCH)
    return [Job(notifications.DELIVER_JOB, {"delivery_id": str(i)}) for i in ids]


@registry.sweep("reminders.sweep", every=5)
async def reminder_sweep(rt: Runtime) -> list[Job]:
    calendar = await rt.calendar()
    now = rt.now()
    async with rt.db.read_sessions() as session:
        held = await reminders.on_hold_due_ids(session, now, SWEEP_BATCH)
        ask = await reminders.satisfaction_due_ids(session, SWEEP_BATCH)
        close = await reminders.auto_close_due_ids(session, now, SWEEP_BATCH)
        digest = await reminders.digest_officer_ids(session, now, calendar)
    return ([Job(REMIND_ON_HOLD, {"referral_id": str(i)}) for i in held]
            + [Job(ASK_SATISFACTION, {"case_id": str(i)}) for i in ask]
            + [Job(CLOSE_RESOLVED, {"case_id": str(i)}) for i in close]
            + [Job(SEND_DIGEST, {"user_id": str(i)}) for i in digest])


@registry.sweep("privacy.retention_sweep", every=5)
async def retention_sweep(rt: Runtime) -> list[Job]:
    async with rt.db.read_sessions() as session:
        ids = await pdpa.retention_due_ids(session, rt.now(), rt.retention, SWEEP_BATCH)
    return [Job(ANONYMISE_EXPIRED, {"case_id": str(i)}) for i in ids]


@registry.sweep("uploads.expire", every=5)
async def upload_expiry_sweep(rt: Runtime) -> list[Job]:
    async with rt.uow() as uow:
        ids = await uploads.expired_ids(uow, rt.settings, rt.now(), SWEEP_BATCH)
    return [Job(REMOVE_UPLOAD, {"upload_id": str(i)}) for i in ids]


@registry.sweep("stats.check_rollups", every=60)
async def check_rollups(rt: Runtime) -> list[Job]:
    """The duration bins follow a holiday change; a sample of rollup answers is compared with the
    live path and any drift is logged (nothing to fan out)."""
    calendar = await rt.calendar()
    await stats_maintenance.refresh_durations(rt.db, calendar, rt.now())
    await stats_maintenance.check(rt.db, calendar, rt.now())
    return []


@registry.sweep("stats.pass_deadlines")
async def pass_deadlines(rt: Runtime) -> list[Job]:
    """The deadlines passed since the last sweep go into the rollup cells, so a dashboard
    counts live only those of the last sweep period (nothing to fan out)."""
    await stats_maintenance.pass_deadlines(rt.db, rt.now())
    return []


@registry.sweep("users.throttle_sweep", every=60)
async def throttle_sweep(rt: Runtime) -> list[Job]:
    """Sign-in counts that no longer count are deleted (nothing to fan out)."""
    async with rt.uow() as uow:
        await users_repo.forget_old_throttles(uow.session, rt.now())
    return []


# --- the outbox ----------------------------------------------------------------------------

async def relay(rt: Runtime, publish: Callable[[outbox.ClaimedJob], None]) -> int:
    """Hand due outbox jobs to `publish`; if publishing fails the transaction rolls back and
    the jobs stay due. Returns how many were handed over."""
    retry = timedelta(seconds=rt.settings.outbox_retry_seconds)
    async with rt.uow() as uow:
        claimed = await outbox.claim(uow.session, rt.now(), retry)
        for job in claimed:
            publish(job)
    return len(claimed)


async def run_together(rt: Runtime, jobs: Sequence[outbox.ClaimedJob]) -> None:
    """Run claimed jobs in one transaction, with one read of the calendar, each marked done in
    it (one statement for all). For the relay's short jobs (declared `in_relay`) a transaction
    of their own cost more than their work: BEGIN, the calendar, the row marked done, COMMIT
    around four statements (bench/load.py, issue 11). If one raises, everything rolls back and
    the error goes on to the caller, who runs them one by one (`run_job`)."""
    now = rt.now()
    async with UnitOfWork(rt.db, rt.jobs) as whole:
        token = TOGETHER.set(Together(whole, await load_calendar(whole.session)))
        try:
            for job in jobs:
                await registry.handler(job.name)(rt, **job.ids)
        finally:
            TOGETHER.reset(token)
        await outbox.mark_done(whole.session, now, *(job.id for job in jobs))


async def run_job(rt: Runtime, name: str, ids: dict[str, Any], outbox_id: int | None = None) -> Any:
    """Run one job's handler, its outbox row marked done in the handler's unit of work
    (`Runtime.uow`), or after it for a handler that wrote through none. A crash before that
    commit runs the job again later, which the handlers allow. A name nothing handles raises
    `UnknownJob`: the row is kept."""
    handler = registry.handler(name)
    if outbox_id is None:
        return await handler(rt, **ids)
    running = OutboxRun(outbox_id, rt.now())
    token = RUNNING.set(running)
    try:
        result = await handler(rt, **ids)
    finally:
        RUNNING.reset(token)
    if not running.marked:
        async with UnitOfWork(rt.db, rt.jobs, running):
            pass
    return result
