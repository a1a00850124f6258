"""All SQL about attachments."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.attachments.models import Attachment
from domain.quick_reads import KeyedRows


async def by_id(session: AsyncSession, attachment_id: uuid.UUID) -> Attachment | None:
    return await session.get(Attachment, attachment_id)


async def by_client_id(session: AsyncSession, case_id: uuid.UUID,
                       client_id: uuid.UUID) -> Attachment | None:
    stmt = select(Attachment).where(Attachment.case_id == case_id, Attachment.client_id == client_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def of_cases(session: AsyncSession, case_ids: Iterable[uuid.UUID]) -> Sequence[Attachment]:
    ids = list(case_ids)
    if not ids:
        return []
    return (await session.execute(_of_cases(), {"cases": ids})).scalars().all()


# The loader's batch (api/loaders.py): the rows `of_cases` reads, past SQLAlchemy's execution.
OF_CASES = KeyedRows(Attachment, Attachment.case_id, order_by=(Attachment.created_at, Attachment.id))


@cache
def _of_cases() -> Any:
    """Built once: the statement and its cache key (domain/cases/repository.py)."""
    return (select(Attachment).where(Attachment.case_id.in_(bindparam("cases", expanding=True)))  # type: ignore[attr-defined]
            .order_by(Attachment.created_at, Attachment.id))  # type: ignore[arg-type]


async def usage(session: AsyncSession, case_id: uuid.UUID) -> tuple[int, int]:
    """How many files a case has, and their bytes."""
    stmt = select(func.count(), func.coalesce(func.sum(Attachment.size_bytes), 0)).where(
        Attachment.case_id == case_id)
    count, size = (await session.execute(stmt)).one()
    return int(count), int(size)


async def delete_rows(session: AsyncSession, ids: Iterable[uuid.UUID]) -> None:
    ids = list(ids)
    if ids:
        await session.execute(delete(Attachment).where(Attachment.id.in_(ids)))  # type: ignore[attr-defined]


async def sealed_with_older_key(session: AsyncSession, current_key_id: str,
                                limit: int) -> Sequence[Attachment]:
    stmt = (select(Attachment).where(Attachment.key_id != current_key_id)
            .limit(limit).with_for_update(skip_locked=True))
    return (await session.execute(stmt)).scalars().all()
