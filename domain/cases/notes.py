"""Notes in a case's history: volunteers' notes are shared; staff may keep theirs internal."""

from __future__ import annotations

from datetime import datetime

from domain.cases import policy, repository
from domain.cases.changes import event
from domain.cases.commands import MAX_NOTE_CHARS, AddNote
from domain.cases.models import Case, CaseEvent, EventType
from domain.errors import NotFound
from domain.text import required_text
from domain.uow import UnitOfWork
from domain.users.principal import Principal


async def add_note(uow: UnitOfWork, principal: Principal, cmd: AddNote,
                   now: datetime) -> tuple[Case, CaseEvent]:
    session = uow.session
    case = await repository.visible_case(session, principal, cmd.case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    referrals = await repository.referrals_of(session, [case.id])
    policy.require_note_writer(principal, case, referrals, cmd.internal)
    text = required_text(cmd.text, "text", MAX_NOTE_CHARS, "the note", "ข้อความ")
    note = event(case, EventType.NOTE, principal, now, note=text, internal=cmd.internal)
    session.add(note)
    await uow.flush()
    return case, note
