"""Attendance on the day, offline-first: people served per service (counts, no names) at a
mobile unit; who came, and the topics, at a meeting or training. Each record carries the
device's client id, so a replay after the signal returns is stored once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from domain.errors import AccessDenied, ValidationFailed
from domain.outreach import errors, repository
from domain.outreach.commands import RecordMeetingAttendance, RecordServiceAttendance
from domain.outreach.events import mark
from domain.outreach.models import EventKind, EventStatus, EventVolunteer, OutreachEvent, ServiceAttendance
from domain.outreach.rules import attendance_open, checked_breakdown, checked_count
from domain.text import optional_text
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal

CLOCK_SKEW = timedelta(minutes=5)


def _captured(value: datetime | None, now: datetime) -> datetime:
    captured = value or now
    if captured.tzinfo is None or captured > now + CLOCK_SKEW:
        raise errors.captured_in_future()
    return captured


async def _open_event(uow: UnitOfWork, principal: Principal, event_id: uuid.UUID, captured_at: datetime,
                      now: datetime) -> OutreachEvent:
    """The event, if the principal may see it and attendance is open; an ANNOUNCED event on
    its day becomes HELD by the first attendance recorded there."""
    event = await repository.visible_event(uow.session, principal, event_id)
    if event is None:
        raise errors.event_not_found()
    status = EventStatus(event.status)
    if not attendance_open(status, event.starts_at, event.ends_at, captured_at):
        raise errors.attendance_closed()
    return event


def _held(event: OutreachEvent, now: datetime) -> None:
    if event.status == EventStatus.ANNOUNCED:
        event.held_at = now
        mark(event, EventStatus.HELD, now)


async def record_service_attendance(uow: UnitOfWork, principal: Principal, cmd: RecordServiceAttendance,
                                    now: datetime) -> ServiceAttendance:
    """People served for one service of one office at a mobile unit. Assigned volunteers, the
    attending office's own officers and the province's coordinators record it."""
    if not principal.is_(Role.VOLUNTEER, Role.OFFICER, Role.COORDINATOR):
        raise AccessDenied("Only the event's volunteers and staff record attendance.")
    session = uow.session
    if cmd.client_id is not None:
        existing = await repository.attendance(session, cmd.client_id)
        if existing is not None:
            if existing.recorded_by_id == principal.user_id and existing.event_id == cmd.event_id:
                return existing
            raise errors.client_id_conflict()
    captured_at = _captured(cmd.captured_at, now)
    event = await _open_event(uow, principal, cmd.event_id, captured_at, now)
    if event.kind != EventKind.MOBILE_UNIT:
        raise errors.wrong_kind("mobile service units", "หน่วยบริการเคลื่อนที่")
    if principal.role is Role.VOLUNTEER and await repository.assignment(session, event.id, principal.user_id) is None:
        raise errors.not_assigned()
    unit = cmd.org_unit_code.strip()
    if principal.role is Role.OFFICER and unit != principal.org_unit_code:
        raise ValidationFailed("orgUnitCode", "You record attendance for your own office only.",
                               "ท่านบันทึกผู้รับบริการได้เฉพาะของหน่วยงานของท่าน", code="NOT_ASSIGNED")
    offers = {(o.org_unit_code, o.service_code) for o in await repository.offers(session, [event.id])}
    if unit not in {u for u, _ in offers}:
        raise errors.unknown_office()
    if (unit, cmd.service_code.strip()) not in offers:
        raise errors.not_offered()
    served = checked_count("peopleServed", cmd.people_served, required=True)
    assert served is not None
    b = checked_breakdown(served, cmd.breakdown)
    row = ServiceAttendance(
        id=cmd.client_id or uuid.uuid4(), event_id=event.id, org_unit_code=unit,
        service_code=cmd.service_code.strip(), people_served=served, men=b.men, women=b.women,
        other_gender=b.other_gender, age_under_25=b.age_under_25, age_25_to_59=b.age_25_to_59,
        age_60_plus=b.age_60_plus, recorded_by_id=principal.user_id, captured_at=captured_at,
        recorded_at=now)
    session.add(row)
    _held(event, now)
    await uow.flush()
    return row


MAX_TOPICS_CHARS = 2000


async def record_meeting_attendance(uow: UnitOfWork, principal: Principal, cmd: RecordMeetingAttendance,
                                    now: datetime) -> Sequence[EventVolunteer]:
    """Who came to a network meeting or training, and the topics covered. A volunteer records
    their own attendance; a coordinator records anyone assigned. Recording a volunteer again
    keeps the first time they were marked present (and the topics given last)."""
    if not principal.is_(Role.VOLUNTEER, Role.COORDINATOR):
        raise AccessDenied("Only the volunteers and coordinators record who came.")
    session = uow.session
    captured_at = _captured(cmd.captured_at, now)
    event = await _open_event(uow, principal, cmd.event_id, captured_at, now)
    if event.kind == EventKind.MOBILE_UNIT:
        raise errors.wrong_kind("network meetings and training", "การประชุมเครือข่ายและการอบรม")
    topics = optional_text(cmd.topics, "topics", MAX_TOPICS_CHARS, "the topics", "หัวข้อที่ประชุมหรืออบรม")
    if principal.role is Role.VOLUNTEER:
        if cmd.volunteer_usernames and set(cmd.volunteer_usernames) != {principal.username}:
            raise ValidationFailed("volunteerUsernames", "A volunteer records their own attendance only.",
                                   "อาสาสมัครบันทึกการเข้าร่วมได้เฉพาะของตนเอง", code="NOT_ASSIGNED")
        user_ids = [principal.user_id]
    else:
        if not cmd.volunteer_usernames:
            raise ValidationFailed("volunteerUsernames", "Name who came.", "กรุณาระบุผู้เข้าร่วม",
                                   code="REQUIRED")
        users = await repository.users_by_usernames(session, cmd.volunteer_usernames)
        if len(users) != len(set(cmd.volunteer_usernames)):
            raise errors.not_assigned("volunteerUsernames")
        user_ids = [u.id for u in users]
    rows = []
    for user_id in user_ids:
        row = await repository.assignment(session, event.id, user_id)
        if row is None:
            raise errors.not_assigned("volunteerUsernames" if principal.role is Role.COORDINATOR else "eventId")
        if row.attended_at is None:
            row.attended_at = captured_at
            row.attendance_client_id = cmd.client_id
        if topics is not None:
            row.topics = topics
        rows.append(row)
    _held(event, now)
    await uow.flush()
    return rows
