"""Reminders nobody has to remember (SPEC.md §3): each sweep selects ids; each task
re-checks its row and is safe to run twice (notification keys are unique)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import repository as cases_repo
from domain.cases.models import Case, CaseEvent, EventType, Referral, touch
from domain.cases.state import CaseStatus, ReferralStatus
from domain.clock.business import BANGKOK, OFFICE_OPENS, BusinessCalendar, business_days_between
from domain.notifications import messages
from domain.notifications.models import NotificationKind
from domain.notifications.service import notify
from domain.reminders import repository
from domain.uow import UnitOfWork
from domain.users.models import User

HOLD_REMINDER_BUSINESS_DAYS = 3
# 3 office days take at least 2 calendar days: the sweep selects this superset and the task
# re-checks the business days.
HOLD_CANDIDATE_AFTER = timedelta(days=2)
AUTO_CLOSE_AFTER = timedelta(days=14)
DIGEST_MAX_LINES = 50


# --- ON_HOLD for the citizen: remind the case's volunteer after 3 business days -----------

async def on_hold_due_ids(session: AsyncSession, now: datetime, limit: int = 500) -> list[uuid.UUID]:
    return await repository.unreminded_hold_ids(session, now - HOLD_CANDIDATE_AFTER, limit)


async def remind_on_hold(uow: UnitOfWork, referral_id: uuid.UUID, now: datetime,
                         calendar: BusinessCalendar) -> bool:
    session = uow.session
    referral = await session.get(Referral, referral_id)
    if (referral is None or referral.status != ReferralStatus.ON_HOLD or referral.held_at is None
            or referral.hold_reminded
            or business_days_between(referral.held_at, now, calendar) < HOLD_REMINDER_BUSINESS_DAYS):
        return False
    case = await session.get(Case, referral.case_id)
    volunteer = await session.get(User, case.filed_by_id) if case else None
    referral.hold_reminded = True
    if case is None or volunteer is None:
        return False
    await notify(uow, [volunteer], NotificationKind.ON_HOLD_REMINDER,
                 f"hold:{referral.id}:{referral.held_at.isoformat()}",
                 messages.on_hold_reminder(case.reference, referral.reason), now, calendar,
                 case_id=case.id, referral_id=referral.id)
    await uow.flush()
    return True


# --- RESOLVED: ask for satisfaction; after 14 days with no reopen, close -------------------

async def satisfaction_due_ids(session: AsyncSession, limit: int = 500) -> list[uuid.UUID]:
    """Resolved cases whose satisfaction is not recorded: asked once per resolution."""
    return await repository.unasked_satisfaction_ids(session, limit)


async def ask_satisfaction(uow: UnitOfWork, case_id: uuid.UUID, now: datetime,
                           calendar: BusinessCalendar) -> bool:
    session = uow.session
    case = await cases_repo.lock_case(session, case_id)
    if (case is None or case.status != CaseStatus.RESOLVED or case.resolved_at is None
            or case.satisfaction is not None
            or (case.satisfaction_asked_at is not None and case.satisfaction_asked_at >= case.resolved_at)):
        return False
    case.satisfaction_asked_at = now
    volunteer = await session.get(User, case.filed_by_id)
    if volunteer is not None:
        await notify(uow, [volunteer], NotificationKind.SATISFACTION_REQUEST,
                     f"satisfaction:{case.id}:{case.resolved_at.isoformat()}",
                     messages.satisfaction_request(case.reference), now, calendar, case_id=case.id)
    await uow.flush()
    return True


async def auto_close_due_ids(session: AsyncSession, now: datetime, limit: int = 500) -> list[uuid.UUID]:
    return await repository.resolved_case_ids(session, now - AUTO_CLOSE_AFTER, limit)


async def close_resolved(uow: UnitOfWork, case_id: uuid.UUID, now: datetime,
                         calendar: BusinessCalendar) -> bool:
    """Close a case resolved 14 days ago and not reopened, as the system, with an event."""
    session = uow.session
    case = await cases_repo.lock_case(session, case_id)
    if (case is None or case.status != CaseStatus.RESOLVED or case.resolved_at is None
            or case.resolved_at > now - AUTO_CLOSE_AFTER):
        return False
    session.add(CaseEvent(case_id=case.id, type=EventType.CLOSED, at=now, actor_id=None,
                          from_status=CaseStatus.RESOLVED, to_status=CaseStatus.CLOSED,
                          note="ปิดเรื่องโดยระบบ: แก้ไขแล้วครบ 14 วันโดยไม่มีการเปิดเรื่องอีกครั้ง "
                               "(closed by the system 14 days after resolution)",
                          data={"by": "system"}))
    case.status, case.closed_at, case.updated_at = "CLOSED", now, now
    touch(case)
    volunteer = await session.get(User, case.filed_by_id)
    if volunteer is not None:
        await notify(uow, [volunteer], NotificationKind.CASE_CLOSED, f"closed:{case.id}:{now.date()}",
                     messages.closed_by_system(case.reference), now, calendar, case_id=case.id)
    await uow.flush()
    return True


# --- The morning digest: each officer, what is due today -----------------------------------

def digest_day_started(now: datetime, calendar: BusinessCalendar) -> bool:
    local = now.astimezone(BANGKOK)
    return calendar.is_business_day(local.date()) and local.time() >= OFFICE_OPENS


def _end_of_day(now: datetime) -> datetime:
    local = now.astimezone(BANGKOK)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=BANGKOK)


async def digest_officer_ids(session: AsyncSession, now: datetime,
                             calendar: BusinessCalendar) -> list[uuid.UUID]:
    """Officers of units with a running deadline due by the end of today (after 08:30 on a
    business day; none otherwise)."""
    if not digest_day_started(now, calendar):
        return []
    return await repository.officer_ids_with_due(session, _end_of_day(now))


async def send_digest(uow: UnitOfWork, user_id: uuid.UUID, now: datetime,
                      calendar: BusinessCalendar) -> bool:
    session = uow.session
    if not digest_day_started(now, calendar):
        return False
    user = await session.get(User, user_id)
    if user is None or not user.is_active or user.org_unit_code is None:
        return False
    rows = await repository.unit_due_before(session, user.org_unit_code, _end_of_day(now), DIGEST_MAX_LINES)
    if not rows:
        return False
    overdue = sum(1 for r, _ in rows if r.next_due_at is not None and r.next_due_at <= now)
    lines = [f"- {c.reference} {r.status} {r.next_due_at.astimezone(BANGKOK):%H:%M}"  # type: ignore[union-attr]
             for r, c in rows]
    day = now.astimezone(BANGKOK).date()
    return await notify(uow, [user], NotificationKind.MORNING_DIGEST, f"digest:{day.isoformat()}",
                        messages.morning_digest(day, lines, overdue, len(rows) - overdue), now, calendar) > 0
