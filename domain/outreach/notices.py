"""What outreach tells people, as jobs after commit and sweeps (convention 4): the
announcement, the reminder the business day before, and the coordinators' follow-up of an
event still PLANNED after its day or HELD without a report after 5 business days. Each task
re-checks its event and is safe to run twice (notification keys are unique)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock.business import BANGKOK, OFFICE_OPENS, BusinessCalendar, business_days_between
from domain.clock.thai import english_datetime, thai_datetime
from domain.notifications.messages import Message
from domain.notifications.models import NotificationKind
from domain.notifications.service import notify
from domain.outreach import repository
from domain.outreach.models import EventKind, EventStatus, OutreachEvent
from domain.uow import UnitOfWork
from domain.users import repository as users_repo
from domain.users.models import User

REMIND_JOB = "outreach.remind_volunteers"
FOLLOW_UP_JOB = "outreach.follow_up"
REPORT_DUE_BUSINESS_DAYS = 5
# 5 office days take at least 7 calendar days; the sweep selects from 5 days and the task
# re-checks the business days.
REPORT_CANDIDATE_AFTER = timedelta(days=5)

KIND_TH = {EventKind.MOBILE_UNIT: "หน่วยบริการเคลื่อนที่", EventKind.NETWORK_MEETING: "การประชุมเครือข่าย",
           EventKind.TRAINING: "การอบรม"}
KIND_EN = {EventKind.MOBILE_UNIT: "Mobile service unit", EventKind.NETWORK_MEETING: "Network meeting",
           EventKind.TRAINING: "Training"}


def _what(event: OutreachEvent) -> tuple[str, str]:
    kind = EventKind(event.kind)
    return f"{KIND_TH[kind]} \"{event.title}\"", f"{KIND_EN[kind]} \"{event.title}\""


def announcement(event: OutreachEvent) -> Message:
    th, en = _what(event)
    return Message(
        subject=f"[Khortor] {th}: ประกาศกิจกรรม / event announced",
        body_th=f"{th} ณ {event.venue} วันที่ {thai_datetime(event.starts_at)} ประกาศแล้ว",
        body_en=f"{en} at {event.venue} on {english_datetime(event.starts_at)} is announced.")


def reminder(event: OutreachEvent) -> Message:
    th, en = _what(event)
    return Message(
        subject=f"[Khortor] {th}: พรุ่งนี้ / tomorrow",
        body_th=(f"{th} ณ {event.venue} จะจัดใน {thai_datetime(event.starts_at)} "
                 "กรุณาเตรียมสถานที่ เชิญชวนประชาชน และบันทึกรายการเตรียมงาน"),
        body_en=(f"{en} at {event.venue} is on {english_datetime(event.starts_at)}; please prepare "
                 "the venue, invite people and fill in the checklist."))


def follow_up(event: OutreachEvent, held: bool) -> Message:
    th, en = _what(event)
    if held:
        return Message(
            subject=f"[Khortor] {th}: รอรายงานผล / report due",
            body_th=f"{th} จัดเมื่อ {thai_datetime(event.starts_at)} ยังไม่ได้รายงานผลเกิน 5 วันทำการ",
            body_en=f"{en} held on {english_datetime(event.starts_at)} has no report after 5 business days.")
    return Message(
        subject=f"[Khortor] {th}: ยังไม่ได้ประกาศ / still planned",
        body_th=f"{th} กำหนดวันที่ {thai_datetime(event.starts_at)} ผ่านไปแล้วแต่ยังอยู่ในสถานะวางแผน "
                "กรุณาบันทึกผลหรือยกเลิก",
        body_en=f"{en} was due on {english_datetime(event.starts_at)} but is still planned; "
                "please update or cancel it.")


async def _assigned_users(session: AsyncSession, event_id: uuid.UUID) -> list[User]:
    return [u for _, u in await repository.assigned(session, [event_id]) if u.is_active]


async def announced(uow: UnitOfWork, event_id: uuid.UUID, now: datetime, calendar: BusinessCalendar) -> int:
    """Tell the assigned volunteers and the attending offices' officers; once per announcement."""
    session = uow.session
    event = await repository.event(session, event_id)
    if event is None or event.status != EventStatus.ANNOUNCED or event.announced_at is None:
        return 0
    units = sorted({o.org_unit_code for o in await repository.offers(session, [event.id])})
    people = await _assigned_users(session, event.id) + list(await repository.officers_of(session, units))
    key = f"event-announced:{event.id}:{event.announced_at.isoformat()}"
    message = announcement(event)
    return await notify(uow, people, NotificationKind.EVENT_ANNOUNCED, key, message, now, calendar)


def reminder_window(now: datetime, calendar: BusinessCalendar) -> tuple[datetime, datetime] | None:
    """On a business day, the events starting from the next business day up to (not including)
    the one after: tomorrow's event, or Monday's on a Friday (a holiday stretch included)."""
    today = now.astimezone(BANGKOK).date()
    if not calendar.is_business_day(today):
        return None
    start_day = today + timedelta(days=1)
    end_day = calendar.next_business_day(today) + timedelta(days=1)
    as_instant = lambda d: datetime.combine(d, time(0), tzinfo=BANGKOK)  # noqa: E731
    return as_instant(start_day), as_instant(end_day)


async def reminder_due_ids(session: AsyncSession, now: datetime, calendar: BusinessCalendar,
                           limit: int) -> list[uuid.UUID]:
    """Events to remind about now: within office hours of the business day before."""
    local = now.astimezone(BANGKOK)
    window = reminder_window(now, calendar)
    if window is None or local.time() < OFFICE_OPENS:
        return []
    return await repository.announced_between_ids(session, window[0], window[1], limit)


async def remind_volunteers(uow: UnitOfWork, event_id: uuid.UUID, now: datetime,
                            calendar: BusinessCalendar) -> int:
    session = uow.session
    event = await repository.event(session, event_id)
    window = reminder_window(now, calendar)
    if (event is None or event.status != EventStatus.ANNOUNCED or window is None
            or not window[0] <= event.starts_at < window[1]):
        return 0
    key = f"event-reminder:{event.id}:{event.starts_at.isoformat()}"
    return await notify(uow, await _assigned_users(session, event.id), NotificationKind.EVENT_REMINDER, key,
                        reminder(event), now, calendar)


async def follow_up_due_ids(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    planned = await repository.planned_past_ids(session, now, limit)
    held = await repository.held_since_ids(session, now - REPORT_CANDIDATE_AFTER, limit)
    return planned + held


async def remind_coordinators(uow: UnitOfWork, event_id: uuid.UUID, now: datetime,
                              calendar: BusinessCalendar) -> int:
    """Remind the province's coordinators once: an event still PLANNED after it ended, or
    HELD without a report 5 business days after it ended (the key says which)."""
    session = uow.session
    event = await repository.event(session, event_id)
    if event is None:
        return 0
    if event.status == EventStatus.PLANNED and event.ends_at < now:
        held = False
    elif (event.status == EventStatus.HELD
          and business_days_between(event.ends_at, now, calendar) >= REPORT_DUE_BUSINESS_DAYS):
        held = True
    else:
        return 0
    key = f"event-follow-up:{event.id}:{'HELD' if held else 'PLANNED'}"
    return await notify(uow, await users_repo.coordinators(session, event.province_code),
                        NotificationKind.EVENT_FOLLOW_UP, key, follow_up(event, held), now, calendar)
