"""Every change a person makes to a case is also an access-log entry, in the same transaction.

A history event (`CaseEvent`) with an actor is what every change by a person writes
(domain/cases, domain/escalations, domain/privacy); one flush hook turns each into a CHANGE
entry carrying the request id, so no use case can forget it and no entry exists for a change
that rolled back. domain/bootstrap.py gives the hook to every database a process opens.

The hook runs after the flush wrote the events and queues the entries, written when the
transaction commits in its one round trip of such rows (domain/commit_writes.py): nothing reads
them before, and an ORM object each would be one INSERT ... RETURNING each on SQLite. History
entries that are themselves written at commit (`record_at_commit`) get theirs from the commit's
collector (`collect`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from domain.cases.changes import HISTORY
from domain.cases.models import CaseEvent
from domain.commit_writes import INSERT, Collected, Part, queue, queued
from domain.privacy.models import AccessAction, AccessLogEntry
from domain.requests import current_request_id


CHANGES = Part(AccessLogEntry.__table__, INSERT,  # type: ignore[attr-defined]
               ("at", "user_id", "request_id", "action", "case_id", "detail", "subject_hash", "reason"))


def _entry(at: Any, actor_id: Any, case_id: Any, event_type: str) -> dict[str, Any]:
    return {"at": at, "user_id": actor_id, "request_id": current_request_id(),
            "action": AccessAction.CHANGE.value, "case_id": case_id, "detail": event_type,
            "subject_hash": None, "reason": None}


def log_changes(session: Session, _context: Any) -> None:
    """An `after_flush` hook: `session.new` still holds what the flush inserted."""
    entries = [_entry(row.at, row.actor_id, row.case_id, row.type) for row in session.new
               if isinstance(row, CaseEvent) and row.actor_id is not None]
    if entries:
        queue(session, CHANGES, entries)


def collect(session: Session) -> Collected | None:
    """The commit's collector: history entries written at commit, not flushed
    (domain/cases/changes.py `record_at_commit`), are changes too."""
    entries = [_entry(e["at"], e["actor_id"], e["case_id"], e["type"]) for e in queued(session, HISTORY)
               if e["actor_id"] is not None]
    return Collected({CHANGES: entries}) if entries else None
