"""Writing to the admin audit log, in the same transaction as the change it records."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AdminAuditEntry
from domain.requests import current_request_id

# Never written, whatever a caller passes: secrets and a citizen's or user's identifiers.
SECRET_KEYS = frozenset({"password", "password_hash", "reset_code", "reset_code_hash", "code",
                         "token", "national_id", "national_id_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if str(k) not in SECRET_KEYS}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def changed(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
            ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Only the fields that differ (all of them when one side is missing)."""
    if before is None or after is None:
        return (_plain(before) if before is not None else None, _plain(after) if after is not None else None)
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: _plain(before.get(k)) for k in keys}, {k: _plain(after.get(k)) for k in keys}


def record(session: AsyncSession, actor_id: uuid.UUID | None, action: str, target_type: str,
           target_id: str, now: datetime, before: Mapping[str, Any] | None = None,
           after: Mapping[str, Any] | None = None, *, only_changes: bool = True) -> AdminAuditEntry:
    """Add one entry to the session (it commits or rolls back with the change itself)."""
    old, new = changed(before, after) if only_changes else (
        _plain(before) if before is not None else None, _plain(after) if after is not None else None)
    entry = AdminAuditEntry(at=now, actor_id=actor_id, request_id=current_request_id(), action=action,
                            target_type=target_type, target_id=target_id[:80], before=old, after=new)
    session.add(entry)
    return entry


async def record_many(session: AsyncSession, actor_id: uuid.UUID | None, action: str, target_type: str,
                      items: list[tuple[str, Mapping[str, Any]]], now: datetime) -> None:
    """One entry per (target id, what it became), for imports of thousands: one executemany,
    no ORM object per entry; in the caller's transaction like `record`."""
    if not items:
        return
    request = current_request_id()
    await session.execute(insert(AdminAuditEntry), [
        {"at": now, "actor_id": actor_id, "request_id": request, "action": action,
         "target_type": target_type, "target_id": target[:80], "before": None, "after": _plain(after)}
        for target, after in items])
