"""A case filed at an event carries the event (issue 16): the event is checked here, then
domain/cases files the case as usual. Cases sit below outreach, so the check lives above."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


from domain.cases import filing
from domain.cases import repository as cases_repo
from domain.cases.commands import OpenCase
from domain.cases.models import Case
from domain.clock.business import BusinessCalendar
from domain.outreach import errors, repository
from domain.outreach.models import EventStatus
from domain.reference.cache import ReferenceCache
from domain.uow import UnitOfWork
from domain.users.principal import Principal
from domain.vault import Vault

FILING_STATUSES = (EventStatus.ANNOUNCED, EventStatus.HELD)


async def file_case(new_uow: Callable[[], UnitOfWork], principal: Principal, cmd: OpenCase,
                    now: datetime, calendar: BusinessCalendar, vault: Vault,
                    known: ReferenceCache | None = None) -> Case:
    """`open_case_at_event` in a unit of work of its own (as domain/cases/filing.file_case)."""
    if cmd.event_id is None:
        return await filing.file_case(new_uow, principal, cmd, now, calendar, vault, known)
    return await filing.once_per_client_id(
        new_uow, lambda uow: open_case_at_event(uow, principal, cmd, now, calendar, vault, known))


async def open_case_at_event(uow: UnitOfWork, principal: Principal, cmd: OpenCase, now: datetime,
                             calendar: BusinessCalendar, vault: Vault,
                             known: ReferenceCache | None = None) -> Case:
    """File a case from an ANNOUNCED or HELD event of the case's province. A replay of a case
    already filed is answered with it, whatever the event's status is now."""
    session = uow.session
    assert cmd.event_id is not None
    if cmd.client_id is not None and await cases_repo.case_by_id(session, cmd.client_id) is not None:
        return await filing.open_case(uow, principal, cmd, now, calendar, vault, known)
    event = await repository.event(session, cmd.event_id)
    if event is None:
        raise errors.event_not_found_field()
    if event.province_code != (cmd.subdistrict_code or "").strip()[:2]:
        raise errors.event_other_province()
    if EventStatus(event.status) not in FILING_STATUSES:
        raise errors.event_not_filing()
    return await filing.open_case(uow, principal, cmd, now, calendar, vault, known)
