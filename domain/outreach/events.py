"""Events: a coordinator plans one, moves it along its graph, and volunteers tick their
checklist. Services never commit (convention 3)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import AreaLevel
from domain.clock.thai import fiscal_year_be
from domain.errors import AccessDenied, StaleVersion, ValidationFailed
from domain.outreach import errors, repository
from domain.outreach.commands import PlanEvent, UpdateChecklist
from domain.outreach.models import (EventKind, EventOffer, EventStatus, EventVolunteer, OutreachEvent)
from domain.outreach.rules import EventAction, check_schedule, checked_count, next_status
from domain.reference import repository as reference
from domain.text import optional_text, required_text
from domain.uow import UnitOfWork
from domain.users.models import Role, User
from domain.users.principal import Principal

ANNOUNCED_JOB = "outreach.announced"
MAX_OFFERS = 40
MAX_VOLUNTEERS = 500


@dataclass(frozen=True)
class EventDetail:
    """An event with its offers and its volunteers (and their checklists)."""

    event: OutreachEvent
    offers: Sequence[EventOffer]
    volunteers: Sequence[tuple[EventVolunteer, User]]


def _manager(principal: Principal) -> None:
    if not principal.is_(Role.COORDINATOR, Role.ADMIN):
        raise AccessDenied("Only the Provincial Labour Office's coordinators manage events.")


async def plan_event(uow: UnitOfWork, principal: Principal, cmd: PlanEvent, now: datetime) -> OutreachEvent:
    """A coordinator plans an event in their province; it starts PLANNED. The same
    `client_id` plans one event, however often sent."""
    _manager(principal)
    session = uow.session
    if cmd.client_id is not None:
        existing = await repository.event(session, cmd.client_id)
        if existing is not None:
            if existing.planned_by_id == principal.user_id:
                return existing
            raise errors.client_id_conflict()
    title = required_text(cmd.title, "title", 300, "a title", "ชื่อกิจกรรม")
    venue = required_text(cmd.venue, "venue", 300, "the venue", "สถานที่จัดกิจกรรม")
    area = await reference.area(session, cmd.subdistrict_code.strip()) if cmd.subdistrict_code else None
    if area is None or area.level != AreaLevel.SUBDISTRICT:
        raise errors.unknown_subdistrict()
    province = area.code[:2]
    if principal.role is Role.COORDINATOR and province != principal.province_code:
        raise errors.outside_area()
    check_schedule(cmd.starts_at, cmd.ends_at, now)
    capacity = checked_count("capacity", cmd.capacity)
    offers = await _offers(session, cmd, province)
    volunteers = await _volunteers(session, cmd, area.code[:4], province)
    event = OutreachEvent(
        id=cmd.client_id or uuid.uuid4(), kind=cmd.kind, status=EventStatus.PLANNED, title=title,
        subdistrict_code=area.code, district_code=area.code[:4], province_code=province, venue=venue,
        starts_at=cmd.starts_at, ends_at=cmd.ends_at, fiscal_year=fiscal_year_be(cmd.starts_at),
        capacity=capacity, planned_by_id=principal.user_id, created_at=now, updated_at=now)
    session.add(event)
    await session.flush()
    session.add_all([EventOffer(event_id=event.id, org_unit_code=unit, service_code=code)
                     for unit, code in offers])
    session.add_all([EventVolunteer(event_id=event.id, user_id=v.id) for v in volunteers])
    await uow.flush()
    return event


async def _offers(session: AsyncSession, cmd: PlanEvent, province: str) -> list[tuple[str, str]]:
    if cmd.kind is EventKind.MOBILE_UNIT and not cmd.offers:
        raise ValidationFailed("offices", "A mobile service unit needs at least one office and service.",
                               "หน่วยบริการเคลื่อนที่ต้องมีหน่วยงานและบริการอย่างน้อยหนึ่งรายการ",
                               code="REQUIRED")
    pairs: list[tuple[str, str]] = []
    for i, offer in enumerate(cmd.offers):
        where = f"offices.{i}."
        unit = await reference.org_unit(session, offer.org_unit_code.strip())
        if unit is None:
            raise errors.unknown_office(where + "orgUnitCode")
        if unit.province_code != province:
            raise ValidationFailed(where + "orgUnitCode", "The office is not of the event's province.",
                                   "หน่วยงานนี้ไม่ได้อยู่ในจังหวัดที่จัดกิจกรรม", code="OFFICE_OUTSIDE_AREA")
        if not offer.service_codes:
            raise ValidationFailed(where + "serviceCodes", "Name at least one service the office offers.",
                                   "กรุณาระบุบริการที่หน่วยงานให้บริการอย่างน้อยหนึ่งรายการ", code="REQUIRED")
        for code in offer.service_codes:
            service = await repository.service(session, code)
            if service is None or not service.active or service.province_code not in (None, province):
                raise errors.unknown_service(where + "serviceCodes")
            if (unit.code, service.code) not in pairs:
                pairs.append((unit.code, service.code))
    if len(pairs) > MAX_OFFERS:
        raise ValidationFailed("offices", f"At most {MAX_OFFERS} services at one event.",
                               f"กิจกรรมหนึ่งมีบริการได้ไม่เกิน {MAX_OFFERS} รายการ", code="OUT_OF_RANGE")
    return pairs


async def _volunteers(session: AsyncSession, cmd: PlanEvent, district: str, province: str) -> Sequence[User]:
    if cmd.volunteer_usernames is None:
        return await repository.volunteers_around(session, district)
    names = list(dict.fromkeys(n.strip() for n in cmd.volunteer_usernames))
    if len(names) > MAX_VOLUNTEERS:
        raise ValidationFailed("volunteerUsernames", f"At most {MAX_VOLUNTEERS} volunteers.",
                               f"ระบุอาสาสมัครได้ไม่เกิน {MAX_VOLUNTEERS} คน", code="OUT_OF_RANGE")
    found = {u.username: u for u in await repository.users_by_usernames(session, names)}
    for name in names:
        user = found.get(name)
        if (user is None or not user.is_active or user.role not in (Role.VOLUNTEER, Role.MENTOR)
                or not (user.area_code or "").startswith(province)):
            raise ValidationFailed("volunteerUsernames", "A volunteer named is not an active volunteer "
                                   "or mentor of the province.",
                                   "มีรายชื่อที่ไม่ใช่อาสาสมัครแรงงานหรือพี่เลี้ยงของจังหวัดนี้",
                                   code="NOT_A_VOLUNTEER")
    return [found[n] for n in names]


async def act_on_event(uow: UnitOfWork, principal: Principal, event_id: uuid.UUID, action: EventAction,
                       now: datetime, *, reason: str | None = None, note: str | None = None,
                       expected_version: int | None = None) -> OutreachEvent:
    """Announce, mark held, report or cancel an event of one's province (dispatch table in
    rules.py); announcing tells the volunteers and offices (a job after commit)."""
    _manager(principal)
    event = await repository.visible_event(uow.session, principal, event_id)
    if event is None:
        raise errors.event_not_found()
    if expected_version is not None and expected_version != event.version:
        raise StaleVersion(expected_version, event.version)
    target = next_status(EventStatus(event.status), action)
    if action is EventAction.CANCEL:
        event.cancel_reason = required_text(reason, "reason", 1000, "a reason", "เหตุผลที่ยกเลิก")
        event.cancelled_at = now
    elif action is EventAction.ANNOUNCE:
        if event.starts_at <= now:
            raise ValidationFailed("eventId", "An event that has already started cannot be announced.",
                                   "ไม่สามารถประกาศกิจกรรมที่เริ่มไปแล้วได้", code="EVENT_IN_PAST")
        event.announced_at = now
        uow.enqueue(ANNOUNCED_JOB, event_id=str(event.id))
    elif action is EventAction.MARK_HELD:
        if now < event.starts_at:
            raise ValidationFailed("eventId", "An event is held once it has started.",
                                   "บันทึกว่าจัดแล้วได้เมื่อกิจกรรมเริ่มแล้ว", code="EVENT_NOT_STARTED")
        event.held_at = now
    elif action is EventAction.REPORT:
        event.report_note = optional_text(note, "note", 5000, "the note", "บันทึกสรุปผล")
        event.reported_at = now
    mark(event, target, now)
    await uow.flush()
    return event


def mark(event: OutreachEvent, status: EventStatus, now: datetime) -> None:
    event.status = status
    event.updated_at = now
    event.version += 1


async def update_checklist(uow: UnitOfWork, principal: Principal, cmd: UpdateChecklist,
                           now: datetime) -> EventVolunteer:
    """An assigned volunteer says the venue is ready and how many people they invited."""
    if not principal.is_(Role.VOLUNTEER):
        raise AccessDenied("Only labour volunteers keep an event's checklist.")
    session = uow.session
    event = await repository.visible_event(session, principal, cmd.event_id)
    if event is None:
        raise errors.event_not_found()
    if event.status not in (EventStatus.PLANNED, EventStatus.ANNOUNCED, EventStatus.HELD):
        raise ValidationFailed("eventId", "The checklist is kept until the event is held.",
                               "บันทึกรายการเตรียมงานได้จนถึงวันจัดกิจกรรม", code="EVENT_NOT_OPEN")
    row = await repository.assignment(session, event.id, principal.user_id)
    if row is None:
        raise errors.not_assigned()
    row.venue_ready = cmd.venue_ready
    row.people_invited = checked_count("peopleInvited", cmd.people_invited)
    row.checklist_at = now
    await uow.flush()
    return row


async def detail(session: AsyncSession, event: OutreachEvent) -> EventDetail:
    return EventDetail(event, await repository.offers(session, [event.id]),
                       await repository.assigned(session, [event.id]))


async def find_event(session: AsyncSession, principal: Principal, event_id: uuid.UUID) -> EventDetail | None:
    event = await repository.visible_event(session, principal, event_id)
    return await detail(session, event) if event is not None else None


async def list_events(session: AsyncSession, principal: Principal, area_code: str | None,
                      statuses: Sequence[EventStatus], starts_from: datetime | None,
                      starts_to: datetime | None, first: int, offset: int) -> list[EventDetail]:
    events = await repository.visible_events(session, principal, area_code, statuses, starts_from,
                                             starts_to, first, offset)
    ids = [e.id for e in events]
    offers = await repository.offers(session, ids)
    volunteers = await repository.assigned(session, ids)
    return [EventDetail(e, [o for o in offers if o.event_id == e.id],
                        [v for v in volunteers if v[0].event_id == e.id]) for e in events]
