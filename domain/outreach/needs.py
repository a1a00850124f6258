"""Needs of the area: a volunteer records what people of their area ask for, any time and
offline too (the client id makes a replayed record count once)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import AreaLevel
from domain.errors import AccessDenied
from domain.outreach import errors, repository
from domain.outreach.commands import RecordNeed
from domain.outreach.models import AreaNeed
from domain.outreach.rules import checked_count
from domain.reference import repository as reference
from domain.text import optional_text
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal

CLOCK_SKEW = timedelta(minutes=5)
MAX_NOTE_CHARS = 2000


async def record_need(uow: UnitOfWork, principal: Principal, cmd: RecordNeed, now: datetime) -> AreaNeed:
    """Record a need of the volunteer's own area; the same client id records it once."""
    if not principal.is_(Role.VOLUNTEER):
        raise AccessDenied("Only labour volunteers record the needs of their area.")
    session = uow.session
    if cmd.client_id is not None:
        existing = await repository.need(session, cmd.client_id)
        if existing is not None:
            if existing.recorded_by_id == principal.user_id:
                return existing
            raise errors.client_id_conflict()
    own = principal.area_code or ""
    code = (cmd.subdistrict_code or "").strip() or own
    area = await reference.area(session, code) if code else None
    if area is None or area.level != AreaLevel.SUBDISTRICT:
        raise errors.unknown_subdistrict()
    if not own or not area.code.startswith(own):
        raise errors.outside_area()
    service = await repository.service(session, cmd.service_code.strip())
    if service is None or not service.active or service.province_code not in (None, area.code[:2]):
        raise errors.unknown_service()
    people = checked_count("peopleCount", cmd.people_count, required=True)
    assert people is not None
    note = optional_text(cmd.note, "note", MAX_NOTE_CHARS, "the note", "บันทึก")
    captured_at = cmd.captured_at or now
    if captured_at.tzinfo is None or captured_at > now + CLOCK_SKEW:
        raise errors.captured_in_future()
    need = AreaNeed(id=cmd.client_id or uuid.uuid4(), subdistrict_code=area.code,
                    district_code=area.code[:4], province_code=area.code[:2], service_code=service.code,
                    people_count=people, note=note, recorded_by_id=principal.user_id,
                    captured_at=captured_at, recorded_at=now)
    session.add(need)
    await uow.flush()
    return need


@dataclass(frozen=True)
class NeedRow:
    """Needs of one sub-district for one service: how many records, how many people."""

    subdistrict_code: str
    district_code: str
    service_code: str
    records: int
    people: int


async def list_needs(session: AsyncSession, principal: Principal, area_code: str | None,
                     since: datetime | None, first: int, offset: int) -> Sequence[AreaNeed]:
    return await repository.visible_needs(session, principal, area_code, since, first, offset)


async def need_table(session: AsyncSession, principal: Principal, area_code: str | None,
                     since: datetime | None) -> list[NeedRow]:
    """The coordinators' table: needs per sub-district (and so per district) and service."""
    rows = await repository.need_table(session, principal, area_code, since)
    return [NeedRow(sub, sub[:4], service, records, people) for sub, service, records, people in rows]
