"""All SQL about the access log (convention 3). Inserts and reads only: no update, no delete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Database
from domain.privacy.models import AccessLogEntry
from domain.users.models import User


@dataclass(frozen=True)
class AccessFilter:
    case_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    action: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def append(session: AsyncSession, *entries: AccessLogEntry) -> None:
    session.add_all(entries)


# Built once (the statement and its cache key); `inline`: the ids are not read back.
_INSERT = insert(AccessLogEntry).inline()


async def append_alone(db: Database, user_id: uuid.UUID | None, request_id: str | None, action: str,
                       case_ids: Sequence[uuid.UUID], at: datetime, on: AsyncSession | None = None) -> None:
    """One entry per case in one statement (a page of cases viewed costs one INSERT, not
    fifty), committed by itself (`Database.write_alone`, on the read session `on` when given).
    The rows go as they are: no `AccessLogEntry` is made (validating one cost more than
    writing it)."""
    if case_ids:
        await db.write_alone(_INSERT, [
            {"at": at, "user_id": user_id, "request_id": request_id, "action": action, "case_id": case_id,
             "subject_hash": None, "detail": None, "reason": None} for case_id in case_ids], on)


async def search(session: AsyncSession, f: AccessFilter, first: int,
                 before_id: int | None) -> tuple[Sequence[AccessLogEntry], bool]:
    """Newest first, keyset-paginated on the id."""
    stmt = select(AccessLogEntry)
    if f.case_id is not None:
        stmt = stmt.where(AccessLogEntry.case_id == f.case_id)
    if f.user_id is not None:
        stmt = stmt.where(AccessLogEntry.user_id == f.user_id)
    if f.action is not None:
        stmt = stmt.where(AccessLogEntry.action == f.action)
    if f.request_id is not None:
        stmt = stmt.where(AccessLogEntry.request_id == f.request_id)
    if f.since is not None:
        stmt = stmt.where(AccessLogEntry.at >= f.since)  # type: ignore[operator]
    if f.until is not None:
        stmt = stmt.where(AccessLogEntry.at < f.until)  # type: ignore[operator]
    if before_id is not None:
        stmt = stmt.where(AccessLogEntry.id < before_id)  # type: ignore[operator]
    rows = (await session.execute(
        stmt.order_by(AccessLogEntry.id.desc()).limit(first + 1))).scalars().all()  # type: ignore[union-attr]
    return rows[:first], len(rows) > first


async def usage_since(session: AsyncSession, user_id: uuid.UUID, actions: Sequence[str],
                      since: datetime) -> tuple[int, datetime | None]:
    """How many entries of these actions the user has since `since`, and the oldest one's time."""
    stmt = select(func.count(), func.min(AccessLogEntry.at)).where(
        AccessLogEntry.user_id == user_id, AccessLogEntry.action.in_(actions),  # type: ignore[attr-defined]
        AccessLogEntry.at >= since)  # type: ignore[operator]
    used, oldest = (await session.execute(stmt)).one()
    return int(used), oldest


async def of_cases(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> Sequence[AccessLogEntry]:
    """Every entry about these cases, in writing order."""
    if not case_ids:
        return []
    stmt = (select(AccessLogEntry).where(AccessLogEntry.case_id.in_(case_ids))  # type: ignore[union-attr]
            .order_by(AccessLogEntry.id))  # type: ignore[arg-type]
    return (await session.execute(stmt)).scalars().all()


async def lock_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Serialise one user's quota checks (PostgreSQL; SQLite writers are serial anyway)."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
