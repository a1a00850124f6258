"""Volunteers hear what happened to their cases (issue 12): one notification per history
entry that concerns them, run as the worker runs it (the outbox row's job), never doubled by
a rerun; a case back at triage tells the province's coordinators."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.cases import closing
from domain.cases.commands import ReopenCase
from domain.cases.models import CaseEvent, EventType, ReferralOutcome
from domain.cases.notices import CASE_EVENT_JOB
from domain.cases.state import ReferralAction
from domain.db import Database
from domain.notifications.models import Notification
from domain.outbox.models import OutboxJob
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.users import repository as users
from tests.factories import CAL, act_directly, bkk, file_case_directly, principal, run_case_event_jobs
from workers import handlers

MONDAY = bkk(2026, 11, 23, 9)


async def inbox(db: Database, username: str, case_id: uuid.UUID) -> list[Notification]:
    async with db.read_sessions() as session:
        user = await users.by_username(session, username)
        assert user is not None
        rows = (await session.execute(select(Notification).where(
            Notification.user_id == user.id, Notification.case_id == case_id)  # type: ignore[arg-type]
            .order_by(Notification.created_at, Notification.subject))).scalars().all()
    return list(rows)


async def test_the_volunteer_hears_each_step_of_their_referral_once(db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL)
    steps = [
        (ReferralAction.ACCEPT, {}, "รับเรื่องแล้ว"),
        (ReferralAction.HOLD, {"reason": "รอผู้ขอรับบริการส่งสลิปเงินเดือน"}, "รอผู้ขอรับบริการส่งสลิปเงินเดือน"),
        (ReferralAction.RESUME, {}, "ดำเนินการต่อแล้ว"),
        (ReferralAction.COMPLETE, {"outcome": ReferralOutcome.RESOLVED,
                                   "amount_recovered_thb": Decimal("18000")},
         "ผล: แก้ไขได้ ได้รับเงินคืน 18,000.00 บาท"),
    ]
    for hour, (action, change, said) in enumerate(steps, start=10):
        now = bkk(2026, 11, 23, hour)
        await act_directly(db, "dlpw.nongkhai", action, referral.id, now, CAL, **change)
        assert await run_case_event_jobs(db, now) == 1
        told = await inbox(db, "vol.naimueang", case.id)
        assert len(told) == hour - 9, [n.subject for n in told]
        latest = told[-1]
        assert latest.kind == "CASE_UPDATE" and latest.referral_id == referral.id
        assert case.reference in latest.subject and said in latest.body_th, latest.body_th
        assert latest.body_en.startswith(f"Case {case.reference}: ")
    # The volunteer reopening their own case is not told of their own act.
    now = bkk(2026, 11, 23, 15)
    async with UnitOfWork(db) as uow:
        await closing.reopen_case(uow, await principal(db, "vol.naimueang"),
                                  ReopenCase(case.id, "นายจ้างยังไม่จ่ายตามที่ตกลง"), now, CAL)
    assert await run_case_event_jobs(db, now) == 0
    assert len(await inbox(db, "vol.naimueang", case.id)) == len(steps)


async def test_a_declined_case_tells_the_volunteer_why_and_the_coordinators_to_triage(
        db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL)
    now = bkk(2026, 11, 23, 10)
    await act_directly(db, "dlpw.nongkhai", ReferralAction.REJECT, referral.id, now, CAL,
                       reason="ไม่ใช่อำนาจหน้าที่")
    assert await run_case_event_jobs(db, now) == 2  # the volunteer, and the one coordinator
    (declined,) = await inbox(db, "vol.naimueang", case.id)
    assert "ไม่รับเรื่อง: ไม่ใช่อำนาจหน้าที่" in declined.body_th
    (triage,) = await inbox(db, "ops.nongkhai", case.id)
    assert triage.kind == "BACK_TO_TRIAGE" and "คัดกรอง" in triage.body_th
    assert "DLPW-43" in triage.body_th


async def test_an_entry_written_at_commit_is_named_by_its_case_type_instant_and_referral(
        db: Database) -> None:
    """A referral's action writes its history with the commit's other rows, so its entries have
    no id when their jobs are made: the job names the entry otherwise, and tells as one naming it
    by id does (the form of the jobs made before, and of the entries still flushed)."""
    case, referral = await file_case_directly(db, MONDAY, CAL)
    now = bkk(2026, 11, 23, 10)
    await act_directly(db, "dlpw.nongkhai", ReferralAction.ACCEPT, referral.id, now, CAL)
    async with db.read_sessions() as session:
        (job,) = (await session.execute(select(OutboxJob).where(
            OutboxJob.name == CASE_EVENT_JOB, OutboxJob.done_at.is_(None)))).scalars().all()  # type: ignore[arg-type, union-attr]
        history = (await session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                         .order_by(CaseEvent.id))).scalars().all()  # type: ignore[arg-type]
    assert [e.type for e in history][-2:] == [EventType.ACCEPTED, EventType.STATUS_CHANGED]
    accepted = history[-2]
    assert job.ids == {"case_id": str(case.id), "type": "ACCEPTED", "at": now.isoformat(),
                       "referral_id": str(referral.id)}
    assert await run_case_event_jobs(db, now) == 1
    (told,) = await inbox(db, "vol.naimueang", case.id)
    assert told.key == f"event:{accepted.id}"  # the entry's own key: a job by id would not tell again

    rt = handlers.Runtime(settings=Settings(database_url=db.url), db=db)
    assert await handlers.run_job(rt, CASE_EVENT_JOB, {"event_id": str(accepted.id)}) == 0
    with pytest.raises(ValueError, match="names its entry"):
        await handlers.run_job(rt, CASE_EVENT_JOB, {"case_id": str(case.id)})
