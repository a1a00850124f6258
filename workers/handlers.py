"""The work itself, shared by the Celery tasks and the embedded runner: each handler opens
one unit of work, loads the calendar in force and calls one domain service.

`JOBS` maps job names (as the domain enqueues them, "<module>.<verb>") to handlers;
`SWEEPS` select ids and return the jobs to fan out, one per item.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import domain.models  # noqa: F401  (every table, so that foreign keys resolve in a worker)
from domain.calendar.service import load_calendar
from domain.cases.deadlines import BusinessCalendar
from domain.db import Database
from domain.escalations import repository as escalations_repo
from domain.escalations import service as escalations
from domain.jobs import DiscardJobs, Job, JobSink
from domain.notifications import repository as notifications_repo
from domain.notifications import service as notifications
from domain.notifications.channels import Channel, SmtpChannel, SmtpSettings
from domain.outbox import service as outbox
from domain.privacy import pdpa
from domain.reminders import service as reminders
from domain.settings import Settings
from domain.stats import exports
from domain.uow import UnitOfWork

SWEEP_BATCH = 1000


@dataclass
class Runtime:
    """What a handler needs: the database (its engine made in the running loop), the clock,
    the channels, and where follow-up jobs go after commit."""

    settings: Settings
    db: Database
    channels: dict[str, Channel] = field(default_factory=dict)
    jobs: JobSink = field(default_factory=DiscardJobs)

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.settings.clock_offset_seconds)

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.settings.retention_days)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.jobs)

    async def calendar(self) -> BusinessCalendar:
        async with self.db.read_sessions() as session:
            return await load_calendar(session)

    @classmethod
    def create(cls, settings: Settings, jobs: JobSink | None = None) -> Runtime:
        channels: dict[str, Channel] = {}
        if settings.smtp_host:
            channels["EMAIL"] = SmtpChannel(SmtpSettings(
                host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                user=settings.smtp_user, password=settings.smtp_password,
                starttls=settings.smtp_starttls))
        return cls(settings=settings, db=Database(settings.database_url), channels=channels,
                   jobs=jobs or DiscardJobs())


def _id(value: str) -> uuid.UUID:
    return uuid.UUID(str(value))


# --- handlers (one item each) ------------------------------------------------------------

async def escalate(rt: Runtime, referral_id: str) -> int:
    calendar = await rt.calendar()
    async with rt.uow() as uow:
        return len(await escalations.escalate_if_overdue(uow, _id(referral_id), rt.now(), calendar))


async def deliver(rt: Runtime, delivery_id: str) -> bool:
    async with rt.uow() as uow:
        return await notifications.deliver(uow, _id(delivery_id), rt.now(), rt.channels)


async def referral_routed(rt: Runtime, referral_id: str) -> int:
    calendar = await rt.calendar()
    async with rt.uow() as uow:
        return await notifications.referral_routed(uow, _id(referral_id), rt.now(), calendar)


async def remind_on_hold(rt: Runtime, referral_id: str) -> bool:
    calendar = await rt.calendar()
    async with rt.uow() as uow:
        return await reminders.remind_on_hold(uow, _id(referral_id), rt.now(), calendar)


async def ask_satisfaction(rt: Runtime, case_id: str) -> bool:
    calendar = await rt.calendar()
    async with rt.uow() as uow:
        return await reminders.ask_satisfaction(uow, _id(case_id), rt.now(), calendar)


async def close_resolved(rt: Runtime, case_id: str) -> bool:
    calendar = await rt.calendar()
    async with rt.uow() as uow:
        return await reminders.close_resolved(uow, _id(case_id), rt.now(), calendar)


async def send_digest(rt: Runtime, user_id: str) -> bool:
    calendar = await rt.calendar()
    async with rt.uow() as uow:
        return await reminders.send_digest(uow, _id(user_id), rt.now(), calendar)


async def anonymise_expired(rt: Runtime, case_id: str) -> bool:
    async with rt.uow() as uow:
        return await pdpa.anonymise_if_expired(uow, _id(case_id), rt.now(), rt.retention)


async def generate_export(rt: Runtime, export_id: str) -> None:
    await exports.generate_export(rt.db, export_id, await rt.calendar(), clock=rt.now)


JOBS: dict[str, Callable[..., Awaitable[Any]]] = {
    "escalations.escalate": escalate,
    "notifications.deliver": deliver,
    "notifications.referral_routed": referral_routed,
    "reminders.remind_on_hold": remind_on_hold,
    "reminders.ask_satisfaction": ask_satisfaction,
    "reminders.close_resolved": close_resolved,
    "reminders.send_digest": send_digest,
    exports.JOB_NAME: generate_export,
    "privacy.anonymise_expired": anonymise_expired,
}


# --- sweeps: select ids, return one job per item -------------------------------------------

async def escalation_sweep(rt: Runtime) -> list[Job]:
    async with rt.db.read_sessions() as session:
        ids = await escalations_repo.due_referral_ids(session, rt.now(), SWEEP_BATCH)
    return [Job("escalations.escalate", {"referral_id": str(i)}) for i in ids]


async def notification_sweep(rt: Runtime) -> list[Job]:
    async with rt.db.read_sessions() as session:
        ids = await notifications_repo.due_delivery_ids(session, rt.now(), SWEEP_BATCH)
    return [Job("notifications.deliver", {"delivery_id": str(i)}) for i in ids]


async def reminder_sweep(rt: Runtime) -> list[Job]:
    calendar = await rt.calendar()
    now = rt.now()
    async with rt.db.read_sessions() as session:
        held = await reminders.on_hold_due_ids(session, now, SWEEP_BATCH)
        ask = await reminders.satisfaction_due_ids(session, SWEEP_BATCH)
        close = await reminders.auto_close_due_ids(session, now, SWEEP_BATCH)
        digest = await reminders.digest_officer_ids(session, now, calendar)
    return ([Job("reminders.remind_on_hold", {"referral_id": str(i)}) for i in held]
            + [Job("reminders.ask_satisfaction", {"case_id": str(i)}) for i in ask]
            + [Job("reminders.close_resolved", {"case_id": str(i)}) for i in close]
            + [Job("reminders.send_digest", {"user_id": str(i)}) for i in digest])


async def retention_sweep(rt: Runtime) -> list[Job]:
    async with rt.db.read_sessions() as session:
        ids = await pdpa.retention_due_ids(session, rt.now(), rt.retention, SWEEP_BATCH)
    return [Job("privacy.anonymise_expired", {"case_id": str(i)}) for i in ids]


SWEEPS: dict[str, Callable[[Runtime], Awaitable[list[Job]]]] = {
    "escalations.sweep": escalation_sweep,
    "notifications.sweep": notification_sweep,
    "reminders.sweep": reminder_sweep,
    "privacy.retention_sweep": retention_sweep,
}


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


async def mark_done(rt: Runtime, outbox_id: int) -> None:
    async with rt.uow() as uow:
        await outbox.mark_done(uow.session, outbox_id, rt.now())


async def run_job(rt: Runtime, name: str, ids: dict[str, Any], outbox_id: int | None = None) -> Any:
    """Run one job's handler; then mark its outbox row done (a crash before that re-runs it,
    which the handlers allow)."""
    handler = JOBS.get(name)
    result = await handler(rt, **ids) if handler is not None else None
    if outbox_id is not None:
        await mark_done(rt, outbox_id)
    return result
