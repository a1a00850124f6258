"""Every change a person makes to a case is also an access-log entry, in the same transaction.

A history event (`CaseEvent`) with an actor is what every change by a person writes
(domain/cases, domain/escalations, domain/privacy); one flush hook turns each into a CHANGE
entry carrying the request id, so no use case can forget it and no entry exists for a change
that rolled back. domain/bootstrap.py gives the hook to every database a process opens.

The hook runs after the flush wrote the events and queues the entries, written when the
transaction commits in its one round trip of such rows (domain/commit_writes.py): nothing reads
them before, and an ORM object each would be one INSERT ... RETURNING each on SQLite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from domain.cases.models import CaseEvent
from domain.commit_writes import INSERT, Part, queue
from domain.privacy.models import AccessAction, AccessLogEntry
from domain.requests import current_request_id


CHANGES = Part(AccessLogEntry.__table__, INSERT,  # type: ignore[attr-defined]
               ("at", "user_id", "request_id", "action", "case_id", "detail", "subject_hash", "reason"))


def log_changes(session: Session, _context: Any) -> None:
    """An `after_flush` hook: `session.new` still holds what the flush inserted."""
    entries = [
        {"at": row.at, "user_id": row.actor_id, "request_id": current_request_id(),
         "action": AccessAction.CHANGE.value, "case_id": row.case_id, "detail": row.type,
         "subject_hash": None, "reason": None}
        for row in session.new
        if isinstance(row, CaseEvent) and row.actor_id is not None
    ]
    if entries:
        queue(session, CHANGES, entries)
