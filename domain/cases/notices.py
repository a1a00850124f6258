"""What the case work tells people: each notice is a job run after the change commits,
re-checking that it still applies, and safe to run twice (one notification per key).

The volunteer who filed a case hears what happened to it (issue 12): they are the one who
calls the citizen back. Each history entry that concerns them is one `notifications.case_event`
job (`tell`), which tells them once; a case that falls back to triage tells the province's
coordinators. The job names a flushed entry by its id, and an entry written at commit
(domain/cases/changes.py `record_at_commit`), whose id is not known before, by its case, type,
instant and referral (`case_events_named`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from domain.cases import repository
from domain.cases.models import Case, CaseEvent, EventType, Referral
from domain.cases.state import CaseStatus, ReferralStatus
from domain.clock.business import BusinessCalendar
from domain.notifications import messages
from domain.notifications.messages import CaseNews, Message
from domain.notifications.models import NotificationKind
from domain.notifications.service import notify
from domain.reference import repository as reference
from domain.uow import UnitOfWork
from domain.users import repository as users_repo
from domain.users.models import User

REFERRAL_ROUTED_JOB = "notifications.referral_routed"
CASE_EVENT_JOB = "notifications.case_event"
# The filer is told of these, by the message each makes from the news (an escalation only
# from level 2 on: the office is told first).
FILER_MESSAGES: dict[str, Callable[[CaseNews], Message]] = {
    EventType.ACCEPTED: messages.referral_accepted,
    EventType.HELD: messages.referral_held,
    EventType.RESUMED: messages.referral_resumed,
    EventType.COMPLETED: messages.referral_completed,
    EventType.REJECTED: messages.referral_declined,
    EventType.REDIRECTED: messages.referral_redirected,
    EventType.ESCALATED: messages.case_escalated,
    EventType.REOPENED: messages.case_reopened,
}
FILER_FROM_LEVEL = 2


def _back_at_triage(event: CaseEvent) -> bool:
    return (event.type == EventType.STATUS_CHANGED and event.to_status == CaseStatus.NEW
            and event.from_status != CaseStatus.NEW)


def tell(uow: UnitOfWork, *events: CaseEvent | None) -> None:
    """A job for each entry that concerns anyone (`case_event`); the others are ignored."""
    for event in events:
        if event is not None and (event.type in FILER_MESSAGES or event.type == EventType.ASSIGNED
                                  or _back_at_triage(event)):
            uow.enqueue(CASE_EVENT_JOB, **_named(event))


def _named(event: CaseEvent) -> dict[str, str]:
    """How a job names the entry: its id once flushed, else what `case_events_named` finds it by."""
    if event.id is not None:
        return {"event_id": str(event.id)}
    named = {"case_id": str(event.case_id), "type": str(event.type), "at": event.at.isoformat()}
    if event.referral_id is not None:
        named["referral_id"] = str(event.referral_id)
    return named


async def case_events_named(uow: UnitOfWork, case_id: uuid.UUID, type_: str, at: datetime,
                            referral_id: uuid.UUID | None, now: datetime, calendar: BusinessCalendar) -> int:
    """`case_event` for the entries of this case, type, instant and referral: one in practice,
    a case's changes being made one at a time under its lock; each of several is told once
    (its notification is keyed by its id)."""
    told = 0
    for event_id in await repository.events_named(uow.session, case_id, type_, at, referral_id):
        told += await case_event(uow, event_id, now, calendar)
    return told


async def case_event(uow: UnitOfWork, event_id: int, now: datetime, calendar: BusinessCalendar) -> int:
    """Tell the people one history entry concerns; how many were told now. Idempotent: one
    notification per person and entry, whoever runs it and how often."""
    session = uow.session
    event = await session.get(CaseEvent, event_id)
    case = await session.get(Case, event.case_id) if event is not None else None
    if event is None or case is None:
        return 0
    referral = await session.get(Referral, event.referral_id) if event.referral_id else None
    if referral is None and _back_at_triage(event):  # the office that declined last
        declined = [r for r in await repository.referrals_of(session, [case.id])
                    if r.status == ReferralStatus.REJECTED]
        referral = max(declined, key=lambda r: r.updated_at, default=None)
    news = await _news(uow, event, case, referral)
    people: list[User]
    if _back_at_triage(event):
        people, kind = await users_repo.coordinators(session, case.province_code), NotificationKind.BACK_TO_TRIAGE
        message = messages.back_at_triage(news)
    elif event.type == EventType.ASSIGNED:
        assignee = await users_repo.by_username(session, str((event.data or {}).get("to", "")))
        people = [assignee] if assignee is not None and assignee.id != event.actor_id else []
        kind, message = NotificationKind.REFERRAL_ASSIGNED, messages.referral_assigned(news)
    else:
        make = FILER_MESSAGES.get(event.type)
        if make is None or (event.type == EventType.ESCALATED and (news.level or 0) < FILER_FROM_LEVEL):
            return 0
        filer = await session.get(User, case.filed_by_id)
        people = [filer] if filer is not None and filer.id != event.actor_id else []
        kind, message = NotificationKind.CASE_UPDATE, make(news)
    return await notify(uow, [user for user in people if user.is_active], kind, f"event:{event.id}",
                        message, now, calendar, case_id=case.id, referral_id=event.referral_id)


async def _news(uow: UnitOfWork, event: CaseEvent, case: Case, referral: Referral | None) -> CaseNews:
    data = event.data or {}

    async def office(code: str | None) -> str:
        unit = await reference.org_unit(uow.session, code) if code else None
        return f"{unit.name_th} ({unit.code})" if unit is not None else (code or "-")

    return CaseNews(reference=case.reference,
                    office=await office(referral.org_unit_code if referral else None),
                    note=event.note if not event.internal else None,
                    outcome=referral.outcome if referral is not None else None,
                    amount_thb=referral.amount_recovered_thb if referral is not None else None,
                    to_office=await office(data.get("toOrgUnit")) if data.get("toOrgUnit") else None,
                    level=int(data["level"]) if "level" in data else None)


async def referral_routed(uow: UnitOfWork, referral_id: uuid.UUID, now: datetime,
                          calendar: BusinessCalendar) -> int:
    """Tell the officers of the office a referral was sent to (where it has none, the
    province's coordinators). Idempotent: one notification per officer and referral."""
    session = uow.session
    referral = await session.get(Referral, referral_id)
    if referral is None or referral.status != ReferralStatus.PENDING:
        return 0
    case = await session.get(Case, referral.case_id)
    if case is None:
        return 0
    people = (await users_repo.unit_officers(session, referral.org_unit_code)
              or await users_repo.coordinators(session, case.province_code))
    message = messages.new_referral(case.reference, referral.org_unit_code, referral.accept_due_at)
    return await notify(uow, people, NotificationKind.NEW_REFERRAL, f"routed:{referral.id}",
                        message, now, calendar, case_id=case.id, referral_id=referral.id)
