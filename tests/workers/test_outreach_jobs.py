"""Outreach jobs (issue 16): the announcement, the reminder the business day before, and
the coordinators' follow-up; each is safe to run twice and says things once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.db import Database
from domain.notifications.models import Notification, NotificationKind
from domain.outreach import events, notices
from domain.outreach.models import EventStatus, OutreachEvent
from domain.outreach.rules import EventAction
from domain.uow import UnitOfWork
from domain.users.models import User
from tests.factories import CAL, bkk, principal
from tests.outreach_factories import plan
from workers import handlers

NOW = bkk(2026, 7, 6, 10)  # Monday


async def _told(db: Database, kind: str) -> list[tuple[str, str]]:
    async with db.read_sessions() as session:
        rows = (await session.execute(select(Notification).where(Notification.kind == kind))).scalars().all()
        users = {r.user_id for r in rows}
        names = {u.id: u.username for u in (await session.execute(select(User).where(User.id.in_(users)))).scalars()}  # type: ignore[attr-defined]
    return sorted((names[r.user_id], r.body_th) for r in rows)


def test_the_jobs_and_the_sweep_are_registered() -> None:
    assert {events.ANNOUNCED_JOB, notices.REMIND_JOB, notices.FOLLOW_UP_JOB} <= set(handlers.registry.jobs)
    assert "outreach.sweep" in handlers.registry.sweeps


async def test_announcing_tells_the_volunteers_and_the_offices_once(db: Database) -> None:
    event = await plan(db, NOW, announce=True)
    for expected in (4, 0):  # 2 volunteers, DLPW-43's and SSO-43's officers; then nothing again
        async with UnitOfWork(db) as uow:
            assert await notices.announced(uow, event.id, NOW, CAL) == expected
    told = await _told(db, NotificationKind.EVENT_ANNOUNCED)
    assert [name for name, _ in told] == ["dlpw.nongkhai", "sso.nongkhai", "vol.michai", "vol.naimueang"]
    assert all("หน่วยบริการเคลื่อนที่" in body and "2569" in body for _, body in told)  # B.E. dates


async def test_a_cancelled_event_is_not_announced(db: Database) -> None:
    event = await plan(db, NOW, announce=True)
    async with UnitOfWork(db) as uow:
        await events.act_on_event(uow, await principal(db, "ops.nongkhai"), event.id, EventAction.CANCEL, NOW,
                                  reason="เลื่อนออกไป")
    async with UnitOfWork(db) as uow:
        assert await notices.announced(uow, event.id, NOW, CAL) == 0


async def test_the_volunteers_are_reminded_the_business_day_before_in_office_hours(db: Database) -> None:
    event = await plan(db, NOW, announce=True)  # Wednesday 8 July, 10:00
    async with db.read_sessions() as session:
        assert await notices.reminder_due_ids(session, NOW, CAL, 100) == []  # Monday: too early
        assert await notices.reminder_due_ids(session, bkk(2026, 7, 7, 7), CAL, 100) == []  # before 08:30
        assert await notices.reminder_due_ids(session, bkk(2026, 7, 7, 9), CAL, 100) == [event.id]
    for expected in (2, 0):
        async with UnitOfWork(db) as uow:
            assert await notices.remind_volunteers(uow, event.id, bkk(2026, 7, 7, 9), CAL) == expected
    # Monday's event is reminded on Friday
    monday = await plan(db, bkk(2026, 7, 6, 9), starts_in=timedelta(days=7), announce=True)
    async with db.read_sessions() as session:
        assert monday.id in await notices.reminder_due_ids(session, bkk(2026, 7, 10, 9), CAL, 100)
        assert monday.id not in await notices.reminder_due_ids(session, bkk(2026, 7, 9, 9), CAL, 100)


async def test_the_coordinators_are_reminded_once_of_a_planned_or_unreported_event(db: Database) -> None:
    planned = await plan(db, NOW)
    held = await plan(db, NOW, announce=True)
    async with UnitOfWork(db) as uow:
        await events.act_on_event(uow, await principal(db, "ops.nongkhai"), held.id, EventAction.MARK_HELD,
                                  bkk(2026, 7, 8, 11))
    after = bkk(2026, 7, 9, 9)  # the day after: PLANNED is overdue; HELD is not yet
    async with db.read_sessions() as session:
        due = await notices.follow_up_due_ids(session, after, 100)
    assert planned.id in due
    async with UnitOfWork(db) as uow:
        assert await notices.remind_coordinators(uow, held.id, after, CAL) == 0
    for expected in (1, 0):
        async with UnitOfWork(db) as uow:
            assert await notices.remind_coordinators(uow, planned.id, after, CAL) == expected
    late = bkk(2026, 7, 16, 15)  # 5 business days after Wednesday 8 July 16:00
    async with db.read_sessions() as session:
        assert held.id in await notices.follow_up_due_ids(session, late, 100)
    for expected in (1, 0):
        async with UnitOfWork(db) as uow:
            assert await notices.remind_coordinators(uow, held.id, late, CAL) == expected
    async with UnitOfWork(db) as uow:  # reported: nothing more
        await events.act_on_event(uow, await principal(db, "ops.nongkhai"), held.id, EventAction.REPORT, late)
    async with db.read_sessions() as session:
        row = await session.get(OutreachEvent, held.id)
        assert row is not None and row.status == EventStatus.REPORTED
        assert held.id not in await notices.follow_up_due_ids(session, late + timedelta(days=30), 100)
    told = await _told(db, NotificationKind.EVENT_FOLLOW_UP)
    assert [name for name, _ in told] == ["ops.nongkhai", "ops.nongkhai"]
