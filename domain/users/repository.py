"""All SQL about users."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.users.models import User


async def by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username))
    return result.scalar_one_or_none()


async def by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def by_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> Sequence[User]:
    wanted = list(set(ids))
    if not wanted:
        return []
    result = await session.execute(select(User).where(User.id.in_(wanted)))  # type: ignore[attr-defined]
    return result.scalars().all()
