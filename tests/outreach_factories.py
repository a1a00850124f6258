"""Outreach objects for tests, made through the domain services at a chosen instant."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from domain.db import Database
from domain.outreach import events, needs
from domain.outreach.commands import Offer, PlanEvent, RecordNeed
from domain.outreach.models import EventKind, OutreachEvent
from domain.outreach.rules import EventAction
from domain.uow import UnitOfWork
from tests.factories import ensure_user, principal


async def plan(db: Database, now: datetime, *, coordinator: str = "ops.nongkhai", subdistrict: str = "430101",
               kind: EventKind = EventKind.MOBILE_UNIT, offers: tuple[Offer, ...] | None = None,
               starts_in: timedelta = timedelta(days=2), hours: int = 6, announce: bool = False,
               volunteers: tuple[str, ...] | None = None) -> OutreachEvent:
    """An event planned (and announced) by `coordinator` at `now`."""
    if coordinator not in ("ops.nongkhai",):
        await ensure_user(db, coordinator)
    who = await principal(db, coordinator)
    province = subdistrict[:2]
    if offers is None:
        offers = (Offer(f"DLPW-{province}", ("LABOUR_RIGHTS_ADVICE",)),
                  Offer(f"SSO-{province}", ("SECTION_40_ENROLMENT",))) if kind is EventKind.MOBILE_UNIT else ()
    starts = now + starts_in
    cmd = PlanEvent(kind=kind, title="ออกหน่วยบริการเคลื่อนที่ตำบลในเมือง", subdistrict_code=subdistrict,
                    venue="ศาลาประชาคมหมู่ 3", starts_at=starts, ends_at=starts + timedelta(hours=hours),
                    offers=offers, capacity=200, volunteer_usernames=volunteers)
    async with UnitOfWork(db) as uow:
        event = await events.plan_event(uow, who, cmd, now)
        if announce:
            event = await events.act_on_event(uow, who, event.id, EventAction.ANNOUNCE, now)
    return event


async def need(db: Database, now: datetime, volunteer: str = "vol.naimueang", people: int = 30,
               service: str = "SECTION_40_ENROLMENT") -> uuid.UUID:
    if volunteer not in ("vol.naimueang", "vol.michai"):
        await ensure_user(db, volunteer)
    who = await principal(db, volunteer)
    async with UnitOfWork(db) as uow:
        row = await needs.record_need(uow, who, RecordNeed(None, service, people), now)
    return row.id
