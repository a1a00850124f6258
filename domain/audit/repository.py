"""All SQL about the admin audit log (convention 3)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AdminAuditEntry


@dataclass(frozen=True)
class AuditFilter:
    actor_id: uuid.UUID | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _query(f: AuditFilter) -> Select[tuple[AdminAuditEntry]]:
    stmt = select(AdminAuditEntry)
    if f.actor_id is not None:
        stmt = stmt.where(AdminAuditEntry.actor_id == f.actor_id)
    if f.action:
        stmt = stmt.where(AdminAuditEntry.action == f.action)
    if f.target_type:
        stmt = stmt.where(AdminAuditEntry.target_type == f.target_type)
    if f.target_id:
        stmt = stmt.where(AdminAuditEntry.target_id == f.target_id)
    if f.since is not None:
        stmt = stmt.where(AdminAuditEntry.at >= f.since)  # type: ignore[operator]
    if f.until is not None:
        stmt = stmt.where(AdminAuditEntry.at < f.until)  # type: ignore[operator]
    return stmt


async def entries(session: AsyncSession, f: AuditFilter, first: int,
                  before_id: int | None) -> tuple[Sequence[AdminAuditEntry], bool]:
    """The newest first; `before_id` pages on."""
    stmt = _query(f)
    if before_id is not None:
        stmt = stmt.where(AdminAuditEntry.id < before_id)  # type: ignore[operator]
    stmt = stmt.order_by(AdminAuditEntry.id.desc()).limit(first + 1)  # type: ignore[union-attr]
    rows = (await session.execute(stmt)).scalars().all()
    return rows[:first], len(rows) > first
