"""The async domain services the workers call, tested directly on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text

from domain.cases import deadlines, notices
from domain.cases import repository as cases_repo
from domain.cases.clocks import running
from domain.calendar.service import add_holiday, load_calendar, remove_holiday
from domain.cases.models import Case, CaseEvent, Referral, ReferralOutcome
from domain.cases.state import ReferralAction
from domain.db import Database
from domain.errors import AccessDenied, IllegalTransition, ValidationFailed
from domain.escalations import repository as esc_repo
from domain.cases.models import Escalation
from domain.escalations.service import decide_extension, escalate_if_overdue, request_extension
from domain.notifications import repository as notifications_repo
from domain.notifications import service as notifications
from domain.notifications.channels import Outgoing
from domain.notifications.models import Delivery, Notification
from domain.outbox.models import OutboxJob
from domain.reminders import service as reminders
from domain.settings import Settings
from domain.uow import OutboxRun, UnitOfWork
from domain.users.models import User
from workers import handlers
from tests.factories import CAL, act_directly, bkk, ensure_user, file_case_directly, principal


MONDAY = bkk(2026, 11, 23, 10)


async def _rows(db: Database, model: Any, *where: Any) -> list[Any]:
    async with db.read_sessions() as session:
        return list((await session.execute(select(model).where(*where))).scalars())


async def _escalate(db: Database, referral_id: uuid.UUID, now: datetime) -> list[Any]:
    async with UnitOfWork(db) as uow:
        return await escalate_if_overdue(uow, referral_id, now, CAL)


async def _users(db: Database, ids: list[uuid.UUID]) -> list[str]:
    async with db.read_sessions() as session:
        return sorted((await session.execute(select(User.username).where(User.id.in_(ids)))).scalars())  # type: ignore[attr-defined]


async def test_an_overdue_referral_climbs_the_ladder_once_per_level(db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL)
    assert referral.org_unit_code == "DLPW-43"
    assert referral.legal_due_at == case.received_at + timedelta(days=60)
    assert referral.next_escalation_at == bkk(2026, 11, 25, 12)  # 80 % of the acceptance allowance

    assert await _escalate(db, referral.id, bkk(2026, 11, 25, 11)) == []
    fired = await _escalate(db, referral.id, bkk(2026, 11, 26, 9))
    assert [(k.value, int(lv)) for k, lv in fired] == [("ACCEPT", 0), ("ACCEPT", 1)]
    assert await _escalate(db, referral.id, bkk(2026, 11, 26, 9)) == []

    events = await _rows(db, CaseEvent, CaseEvent.case_id == case.id)
    assert [(e.type, (e.data or {}).get("level")) for e in events if e.type in ("ESCALATED", "DEADLINE_WARNING")] \
        == [("DEADLINE_WARNING", 0), ("ESCALATED", 1)]
    [row] = await _rows(db, Referral, Referral.id == referral.id)
    [case_row] = await _rows(db, Case, Case.id == case.id)
    assert (row.escalation_level, case_row.escalation_level) == (1, 1)
    assert row.next_escalation_at == bkk(2026, 11, 27, 11, 45)

    fired = await _escalate(db, referral.id, bkk(2026, 12, 10, 9))
    assert [int(lv) for _, lv in fired] == [2, 3]
    notes = await _rows(db, Notification, Notification.case_id == case.id)
    by_key: dict[str, list[uuid.UUID]] = {}
    for n in notes:
        by_key.setdefault(n.key.rsplit(":", 1)[-1] if n.key.startswith("esc:") else n.key, []).append(n.user_id)
    assert await _users(db, by_key["0"]) == ["dlpw.nongkhai"]        # warning: the unit's officer
    assert await _users(db, by_key["1"]) == ["dlpw.nongkhai"]        # level 1: the unit's head
    assert await _users(db, by_key["2"]) == ["ops.nongkhai"]         # level 2: coordinators
    assert await _users(db, by_key["3"]) == ["sup.national", "sup.nongkhai"]  # level 3: supervisors
    [row] = await _rows(db, Referral, Referral.id == referral.id)
    assert row.escalation_level == 3
    # the acceptance ladder is done; the legal clock's warning comes next
    assert row.next_escalation_at == case.received_at + timedelta(days=48)


async def test_an_action_after_levels_fired_counts_them_as_fired(db: Database) -> None:
    """The levels fired are read with the referrals' lock when an officer acts: the next
    escalation is the first level not yet fired, as a fresh read of them says."""
    case, referral = await file_case_directly(db, MONDAY, CAL)
    await act_directly(db, "dlpw.nongkhai", ReferralAction.ACCEPT, referral.id, bkk(2026, 11, 23, 11), CAL)
    late = case.received_at + timedelta(days=49)  # past the legal clock's warning (48 days)
    assert await _escalate(db, referral.id, late)
    held = await act_directly(db, "dlpw.nongkhai", ReferralAction.HOLD, referral.id, late + timedelta(hours=1),
                              CAL, reason="รอเอกสาร")
    async with db.read_sessions() as session:
        fired = await cases_repo.fired_levels(session, referral.id)
    assert fired  # the warning, at least
    assert held.next_escalation_at == deadlines.next_escalation_at(running(held), fired, CAL)
    assert held.next_escalation_at > late  # not the warning again


async def test_a_unit_without_a_head_tells_the_coordinators(db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL, category="WORK_INJURY")  # SSO-43: no head
    await _escalate(db, referral.id, bkk(2026, 11, 30, 9))
    notes = await _rows(db, Notification, Notification.key == f"esc:{referral.id}:ACCEPT:1")
    assert await _users(db, [n.user_id for n in notes]) == ["ops.nongkhai"]


async def test_concurrent_escalations_fire_each_level_once(db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL)
    results = await asyncio.gather(*[_escalate(db, referral.id, bkk(2026, 12, 10, 9)) for _ in range(8)],
                                   return_exceptions=True)
    fired = [f for r in results if isinstance(r, list) for f in r]
    assert sorted(int(lv) for _, lv in fired) == [0, 1, 2, 3]
    rows = await _rows(db, Escalation, Escalation.referral_id == referral.id)
    assert sorted(r.level for r in rows) == [0, 1, 2, 3]
    events = await _rows(db, CaseEvent, CaseEvent.case_id == case.id,
                         CaseEvent.type.in_(["ESCALATED", "DEADLINE_WARNING"]))  # type: ignore[attr-defined]
    assert len(events) == 4


async def test_hold_pauses_the_target_deadline_and_resume_adds_the_time_back(db: Database) -> None:
    _, referral = await file_case_directly(db, MONDAY, CAL)
    await act_directly(db, "dlpw.nongkhai", ReferralAction.ACCEPT, referral.id, bkk(2026, 11, 23, 11), CAL)
    held = await act_directly(db, "dlpw.nongkhai", ReferralAction.HOLD, referral.id, bkk(2026, 11, 24, 12, 30), CAL,
                     reason="รอเอกสารจากผู้ขอรับบริการ")
    assert held.held_at == bkk(2026, 11, 24, 12, 30)
    assert held.next_escalation_at == referral.legal_from + timedelta(days=48)  # only the legal clock runs
    resolve_before = held.resolve_due_at
    resumed = await act_directly(db, "dlpw.nongkhai", ReferralAction.RESUME, referral.id, bkk(2026, 11, 26, 12, 30), CAL)
    assert resumed.held_days == pytest.approx(2.0)
    assert resolve_before == bkk(2027, 1, 8, 16, 30)
    assert resumed.resolve_due_at == bkk(2027, 1, 12, 16, 30)  # Friday + 2 office days held
    assert resumed.next_due_at == resumed.resolve_due_at
    assert resumed.held_at is None


async def test_an_admin_added_holiday_moves_open_deadlines(db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL)
    assert referral.accept_due_at == bkk(2026, 11, 25, 16, 30)
    admin = await principal(db, "admin")
    async with UnitOfWork(db) as uow:
        calendar, moved = await add_holiday(uow, admin, date(2026, 11, 24), "วันหยุดพิเศษ", MONDAY)
    assert moved == 1 and not calendar.is_business_day(date(2026, 11, 24))
    [row] = await _rows(db, Referral, Referral.id == referral.id)
    assert row.accept_due_at == bkk(2026, 11, 26, 16, 30)
    assert row.next_due_at == row.accept_due_at
    events = await _rows(db, CaseEvent, CaseEvent.case_id == case.id, CaseEvent.type == "DEADLINES_MOVED")
    assert len(events) == 1
    async with db.read_sessions() as session:
        assert not (await load_calendar(session)).is_business_day(date(2026, 11, 24))

    async with UnitOfWork(db) as uow:
        await remove_holiday(uow, admin, date(2026, 11, 24), MONDAY)
    [row] = await _rows(db, Referral, Referral.id == referral.id)
    assert row.accept_due_at == bkk(2026, 11, 25, 16, 30)

    officer = await principal(db, "dlpw.nongkhai")
    with pytest.raises(AccessDenied):
        async with UnitOfWork(db) as uow:
            await add_holiday(uow, officer, date(2026, 11, 24), "x", MONDAY)


async def test_the_legal_clock_extends_once_by_at_most_30_days_with_an_approver(db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL)
    officer, approver = await principal(db, "dlpw.nongkhai"), await principal(db, "sup.national")
    with pytest.raises(ValidationFailed):
        async with UnitOfWork(db) as uow:
            await request_extension(uow, officer, referral.id, 31, "ต้องตรวจสอบเพิ่มเติม", MONDAY, CAL)
    async with UnitOfWork(db) as uow:
        await request_extension(uow, officer, referral.id, 30, "ต้องตรวจสอบเพิ่มเติม", MONDAY, CAL)
    with pytest.raises(IllegalTransition):
        async with UnitOfWork(db) as uow:
            await request_extension(uow, officer, referral.id, 10, "อีกครั้ง", MONDAY, CAL)
    with pytest.raises(AccessDenied):
        async with UnitOfWork(db) as uow:
            await decide_extension(uow, officer, referral.id, True, None, MONDAY, CAL)
    async with UnitOfWork(db) as uow:
        extension, row = await decide_extension(uow, approver, referral.id, True, "อนุมัติ", MONDAY, CAL)
    assert extension.status == "APPROVED"
    assert row.legal_due_at == case.received_at + timedelta(days=90)
    with pytest.raises(IllegalTransition):
        async with UnitOfWork(db) as uow:
            await decide_extension(uow, approver, referral.id, False, None, MONDAY, CAL)
    # a referral without a legal clock has nothing to extend
    _, injury = await file_case_directly(db, MONDAY, CAL, category="WORK_INJURY")
    sso = await principal(db, "sso.nongkhai")
    with pytest.raises(IllegalTransition):
        async with UnitOfWork(db) as uow:
            await request_extension(uow, sso, injury.id, 10, "x", MONDAY, CAL)


async def test_jobs_are_written_with_the_transaction_and_vanish_with_its_rollback(db: Database) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with UnitOfWork(db) as uow:
            uow.enqueue("escalations.escalate", referral_id=str(uuid.uuid4()))
            raise Boom
    assert await _rows(db, OutboxJob) == []
    _, referral = await file_case_directly(db, MONDAY, CAL)
    jobs = await _rows(db, OutboxJob)
    assert [(j.name, j.ids) for j in jobs] == [("notifications.referral_routed",
                                                {"referral_id": str(referral.id)})]


async def test_a_job_s_work_and_its_outbox_row_commit_together_in_one_transaction(db: Database) -> None:
    """The worker marks an outbox job done in the transaction of the job's own work: done
    exactly when the work committed, and one transaction per job instead of two."""
    _, referral = await file_case_directly(db, MONDAY, CAL)
    [job] = await _rows(db, OutboxJob, OutboxJob.name == notices.REFERRAL_ROUTED_JOB)
    rt = handlers.Runtime(settings=Settings(database_url=db.url,
                                            clock_offset_seconds=(MONDAY - datetime.now(UTC)).total_seconds()),
                          db=db)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):  # work that fails leaves the job to run again
        async with UnitOfWork(db, running=OutboxRun(job.id, MONDAY)) as uow:
            await notices.referral_routed(uow, referral.id, MONDAY, CAL)
            raise Boom
    [job] = await _rows(db, OutboxJob, OutboxJob.id == job.id)
    assert job.done_at is None
    assert await _rows(db, Notification, Notification.referral_id == referral.id) == []

    begun: list[object] = []

    def began(connection: object) -> None:
        begun.append(connection)

    event.listen(db.engine.sync_engine, "begin", began)
    try:
        assert await handlers.run_job(rt, job.name, job.ids, job.id) == 1
    finally:
        event.remove(db.engine.sync_engine, "begin", began)
    assert len(begun) == 1
    [job] = await _rows(db, OutboxJob, OutboxJob.id == job.id)
    assert job.done_at is not None
    assert len(await _rows(db, Notification, Notification.referral_id == referral.id)) == 1


class RecordingChannel:
    """A fake of the mail transport port (the only kind of fake these tests use besides the clock)."""

    name = "EMAIL"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def address_of(self, user: User) -> str | None:
        return user.email

    async def send(self, message: Outgoing) -> None:
        self.sent.append(message)


async def test_messages_are_held_outside_business_hours_and_sent_once(db: Database) -> None:
    _, referral = await file_case_directly(db, MONDAY, CAL)
    saturday = bkk(2026, 11, 28, 10)
    async with UnitOfWork(db) as uow:
        await notices.referral_routed(uow, referral.id, saturday, CAL)
    [delivery] = await _rows(db, Delivery)
    assert delivery.not_before == bkk(2026, 11, 30, 8, 30)
    channel = RecordingChannel()
    async with UnitOfWork(db) as uow:
        assert not await notifications.deliver(uow, delivery.id, saturday, {"EMAIL": channel})
    async with db.read_sessions() as session:
        assert await notifications_repo.due_delivery_ids(session, saturday) == []
        assert await notifications_repo.due_delivery_ids(session, bkk(2026, 11, 30, 8, 30)) == [delivery.id]
    for _ in range(2):
        async with UnitOfWork(db) as uow:
            await notifications.deliver(uow, delivery.id, bkk(2026, 11, 30, 8, 31), {"EMAIL": channel})
    assert len(channel.sent) == 1
    assert channel.sent[0].address == "dlpw.nongkhai@demo.khortor.example"
    # the inbox entry was there at once, and the routed notice is not doubled by a rerun
    async with UnitOfWork(db) as uow:
        assert await notices.referral_routed(uow, referral.id, saturday, CAL) == 0


async def test_the_office_s_officers_are_told_of_a_referral_in_one_insert_and_once(db: Database) -> None:
    await ensure_user(db, "dlpw.colleague")
    _, referral = await file_case_directly(db, MONDAY, CAL)
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement.lstrip().upper())

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with UnitOfWork(db) as uow:
            assert await notices.referral_routed(uow, referral.id, MONDAY, CAL) == 2
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    assert len([s for s in sent if s.startswith("INSERT INTO NOTIFICATION ")]) == 1
    told = await _rows(db, Notification, Notification.referral_id == referral.id)
    assert await _users(db, [n.user_id for n in told]) == ["dlpw.colleague", "dlpw.nongkhai"]
    assert {n.kind for n in told} == {"NEW_REFERRAL"}
    async with UnitOfWork(db) as uow:  # a rerun tells nobody twice
        assert await notices.referral_routed(uow, referral.id, MONDAY, CAL) == 0
    assert len(await _rows(db, Notification, Notification.referral_id == referral.id)) == 2


async def test_reminders_hold_satisfaction_and_auto_close(db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL)
    await act_directly(db, "dlpw.nongkhai", ReferralAction.ACCEPT, referral.id, bkk(2026, 11, 23, 11), CAL)
    await act_directly(db, "dlpw.nongkhai", ReferralAction.HOLD, referral.id, bkk(2026, 11, 23, 12), CAL,
              reason="รอผู้ขอรับบริการส่งสลิปเงินเดือน")
    async with db.read_sessions() as session:
        assert referral.id in await reminders.on_hold_due_ids(session, bkk(2026, 11, 26, 9))
    async with UnitOfWork(db) as uow:  # 2.6 office days: not yet
        assert not await reminders.remind_on_hold(uow, referral.id, bkk(2026, 11, 26, 9), CAL)
    for _ in range(2):
        async with UnitOfWork(db) as uow:
            await reminders.remind_on_hold(uow, referral.id, bkk(2026, 11, 26, 13), CAL)
    notes = await _rows(db, Notification, Notification.kind == "ON_HOLD_REMINDER")
    assert await _users(db, [n.user_id for n in notes]) == ["vol.naimueang"]

    await act_directly(db, "dlpw.nongkhai", ReferralAction.RESUME, referral.id, bkk(2026, 11, 27, 9), CAL)
    resolved_at = bkk(2026, 11, 27, 10)
    await act_directly(db, "dlpw.nongkhai", ReferralAction.COMPLETE, referral.id, resolved_at, CAL,
              outcome=ReferralOutcome.RESOLVED, amount_recovered_thb=Decimal("15000"))
    async with db.read_sessions() as session:
        assert case.id in await reminders.satisfaction_due_ids(session)
    async with UnitOfWork(db) as uow:
        assert await reminders.ask_satisfaction(uow, case.id, bkk(2026, 11, 27, 11), CAL)
    async with UnitOfWork(db) as uow:
        assert not await reminders.ask_satisfaction(uow, case.id, bkk(2026, 11, 27, 11), CAL)
    async with db.read_sessions() as session:
        assert case.id not in await reminders.satisfaction_due_ids(session)
        assert await reminders.auto_close_due_ids(session, resolved_at + timedelta(days=13)) == []
        assert await reminders.auto_close_due_ids(session, resolved_at + timedelta(days=14)) == [case.id]
    for _ in range(2):
        async with UnitOfWork(db) as uow:
            await reminders.close_resolved(uow, case.id, resolved_at + timedelta(days=14), CAL)
    [row] = await _rows(db, Case, Case.id == case.id)
    assert row.status == "CLOSED"
    closed = await _rows(db, CaseEvent, CaseEvent.case_id == case.id, CaseEvent.type == "CLOSED")
    assert len(closed) == 1 and closed[0].actor_id is None and closed[0].data == {"by": "system"}


async def test_morning_digest_for_officers_with_something_due_today(db: Database) -> None:
    await file_case_directly(db, MONDAY, CAL)
    wednesday_early, wednesday = bkk(2026, 11, 25, 7), bkk(2026, 11, 25, 8, 45)
    async with db.read_sessions() as session:
        assert await reminders.digest_officer_ids(session, wednesday_early, CAL) == []
        ids = await reminders.digest_officer_ids(session, wednesday, CAL)
    assert await _users(db, ids) == ["dlpw.nongkhai"]
    for _ in range(2):
        async with UnitOfWork(db) as uow:
            await reminders.send_digest(uow, ids[0], wednesday, CAL)
    digests = await _rows(db, Notification, Notification.kind == "MORNING_DIGEST")
    assert len(digests) == 1 and "ครบกำหนดวันนี้ 1" in digests[0].body_th


async def test_the_sweep_reads_the_partial_index(db: Database, backend: str) -> None:
    """EXPLAIN: with many referrals and few due, the sweep's query uses the partial index
    ix_referral_escalation_due (ARCHITECTURE.md: a planner can pick the wrong index)."""
    _, referral = await file_case_directly(db, MONDAY, CAL)
    async with db.read_sessions() as session:
        template = (await session.execute(select(Referral.__table__).where(  # type: ignore[attr-defined]
            Referral.__table__.c.id == referral.id))).mappings().one()  # type: ignore[attr-defined]
    rows = []
    for i in range(20_000):
        row = dict(template)
        row["id"] = uuid.uuid4()
        row["status"] = "COMPLETED" if i % 100 else "PENDING"
        row["next_escalation_at"] = None if i % 100 else MONDAY + timedelta(minutes=i)
        rows.append(row)
    async with UnitOfWork(db) as uow:
        await uow.session.execute(insert(Referral.__table__), rows)  # type: ignore[attr-defined]
    async with db.engine.connect() as connection:
        await connection.execute(text("ANALYZE referral" if backend == "postgresql" else "ANALYZE"))
        compiled = esc_repo.due_selection(bkk(2026, 12, 1), 1000).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN" if backend == "postgresql" else "EXPLAIN QUERY PLAN"
        plan = "\n".join(str(r[-1]) for r in (await connection.execute(text(f"{explain} {compiled}"))).all())
        await connection.rollback()
    assert "ix_referral_escalation_due" in plan, plan
    async with db.read_sessions() as session:
        count = (await session.execute(select(func.count()).select_from(Referral))).scalar_one()
    assert count == 20_001


async def test_an_escalation_does_not_make_the_officers_version_stale(db: Database) -> None:
    """The system raising a level is not a person's edit: the version the officer saw stays valid."""
    case, referral = await file_case_directly(db, MONDAY, CAL)
    assert referral.version == 1
    fired = await _escalate(db, referral.id, bkk(2026, 11, 26, 9))
    assert [int(lv) for _, lv in fired] == [0, 1]
    [row] = await _rows(db, Referral, Referral.id == referral.id)
    [case_row] = await _rows(db, Case, Case.id == case.id)
    assert (row.escalation_level, row.version, case_row.version) == (1, 1, case.version)

    accepted = await act_directly(db, "dlpw.nongkhai", ReferralAction.ACCEPT, referral.id, bkk(2026, 11, 26, 10),
                         CAL, expected_version=1)
    assert (accepted.status, accepted.version) == ("ACCEPTED", 2)
    [case_row] = await _rows(db, Case, Case.id == case.id)
    assert (case_row.status, case_row.version) == ("IN_PROGRESS", case.version + 1)
