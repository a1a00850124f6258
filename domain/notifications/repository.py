"""All SQL about the inbox and the deliveries of its messages (convention 3)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.notifications.models import Delivery, DeliveryStatus, Notification
from domain.upsert import insert_each_once
from domain.users.principal import Principal


async def add_each_once(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert the notifications, in one statement, except those whose user already has one
    with the same key; the users whose notification this call inserted."""
    return {user_id for user_id, _key in await insert_each_once(session, Notification, rows, ["user_id", "key"])}


async def due_delivery_ids(session: AsyncSession, now: datetime, limit: int = 500) -> list[uuid.UUID]:
    """Deliveries held for business hours (or retrying) whose time has come."""
    stmt = (select(Delivery.id)
            .where(Delivery.status == DeliveryStatus.PENDING, Delivery.not_before <= now)  # type: ignore[operator]
            .order_by(Delivery.not_before).limit(limit))  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())


async def lock_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> Delivery | None:
    stmt = select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def inbox(session: AsyncSession, principal: Principal, unread_only: bool, first: int,
                after: tuple[datetime, uuid.UUID] | None) -> tuple[list[Notification], bool]:
    """The principal's own notifications, newest first, keyset-paginated."""
    stmt = select(Notification).where(Notification.user_id == principal.user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))  # type: ignore[union-attr]
    if after is not None:
        at, last = after
        stmt = stmt.where(or_(Notification.created_at < at,  # type: ignore[operator]
                              and_(Notification.created_at == at, Notification.id < last)))  # type: ignore[operator]
    stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(first + 1)  # type: ignore[attr-defined]
    rows = list((await session.execute(stmt)).scalars())
    return rows[:first], len(rows) > first


async def unread_count(session: AsyncSession, principal: Principal) -> int:
    stmt = select(func.count()).select_from(Notification).where(
        Notification.user_id == principal.user_id, Notification.read_at.is_(None))  # type: ignore[union-attr]
    return int((await session.execute(stmt)).scalar_one())


async def mark_read(session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID],
                    now: datetime) -> int:
    """Set `read_at` on the principal's own unread notifications among `ids`; others' are
    untouched. Returns how many changed."""
    stmt = (update(Notification)
            .where(Notification.user_id == principal.user_id, Notification.id.in_(list(ids)),  # type: ignore[attr-defined]
                   Notification.read_at.is_(None))  # type: ignore[union-attr]
            .values(read_at=now))
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
