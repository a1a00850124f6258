"""Every change a person makes to a case is also an access-log entry, in the same transaction.

A history event (`CaseEvent`) with an actor is what every change by a person writes
(domain/cases/service.py, domain/escalations/service.py); one listener turns each into a
CHANGE entry carrying the request id, so no use case can forget it and no entry exists for
a change that rolled back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from domain.cases.models import CaseEvent
from domain.privacy.models import AccessAction, AccessLogEntry
from domain.requests import current_request_id


def _log_changes(session: Session, _context: Any, _instances: Any) -> None:
    entries = [
        AccessLogEntry(at=row.at, user_id=row.actor_id, request_id=current_request_id(),
                       action=AccessAction.CHANGE, case_id=row.case_id, detail=row.type)
        for row in session.new
        if isinstance(row, CaseEvent) and row.actor_id is not None
    ]
    session.add_all(entries)


if not event.contains(Session, "before_flush", _log_changes):
    event.listen(Session, "before_flush", _log_changes)
