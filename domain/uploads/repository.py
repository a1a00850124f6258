"""All SQL about unfinished uploads (convention 3). The caller owns the transaction.

The lease (`lease_token`, `lease_until`) is taken and given back with conditional UPDATEs, so
two PATCHes of one upload in two API processes cannot both append: the database decides
(SQLite drops `FOR UPDATE`; a conditional UPDATE works on both)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.uploads.models import Upload


def add(session: AsyncSession, upload: Upload) -> None:
    session.add(upload)


async def by_id(session: AsyncSession, upload_id: uuid.UUID) -> Upload | None:
    result = await session.execute(select(Upload).where(Upload.id == upload_id)  # type: ignore[arg-type]
                                   .execution_options(populate_existing=True))
    return result.scalar_one_or_none()


async def pending_on_case(session: AsyncSession, case_id: uuid.UUID,
                          now: datetime) -> tuple[int, int]:
    """How many unfinished, unexpired uploads the case has and their announced bytes."""
    stmt = select(func.count(), func.coalesce(func.sum(Upload.length), 0)).where(
        Upload.case_id == case_id, Upload.attachment_id.is_(None),  # type: ignore[union-attr,arg-type]
        Upload.expires_at > now)  # type: ignore[operator]
    count, total = (await session.execute(stmt)).one()
    return int(count), int(total)


async def unfinished_of_client(session: AsyncSession, user_id: uuid.UUID, case_id: uuid.UUID,
                               client_id: uuid.UUID) -> Sequence[Upload]:
    """The user's earlier unfinished uploads of the same file (case, client id)."""
    stmt = select(Upload).where(Upload.user_id == user_id, Upload.case_id == case_id,  # type: ignore[arg-type]
                                Upload.client_id == client_id,  # type: ignore[arg-type]
                                Upload.attachment_id.is_(None))  # type: ignore[union-attr]
    return (await session.execute(stmt)).scalars().all()


async def take_lease(session: AsyncSession, upload_id: uuid.UUID, token: uuid.UUID,
                     now: datetime, until: datetime) -> bool:
    """Take the upload's lease unless another PATCH holds it; whether it was taken."""
    stmt = (update(Upload)
            .where(Upload.id == upload_id,  # type: ignore[arg-type]
                   Upload.attachment_id.is_(None),  # type: ignore[union-attr]
                   or_(Upload.lease_until.is_(None), Upload.lease_until <= now))  # type: ignore[union-attr,operator]
            .values(lease_token=token, lease_until=until)
            .execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount == 1  # type: ignore[attr-defined]


async def extend_lease(session: AsyncSession, upload_id: uuid.UUID, token: uuid.UUID,
                       until: datetime) -> bool:
    stmt = (update(Upload).where(Upload.id == upload_id, Upload.lease_token == token)  # type: ignore[arg-type]
            .values(lease_until=until).execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount == 1  # type: ignore[attr-defined]


async def record_offset(session: AsyncSession, upload_id: uuid.UUID, token: uuid.UUID,
                        offset: int, release: bool) -> bool:
    """Store the offset reached by the lease holder (and give the lease back); False when the
    lease is no longer this one's (nothing changed then)."""
    values: dict[str, object] = {"offset": offset}
    if release:
        values.update(lease_token=None, lease_until=None)
    stmt = (update(Upload).where(Upload.id == upload_id, Upload.lease_token == token)  # type: ignore[arg-type]
            .values(**values).execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount == 1  # type: ignore[attr-defined]


async def release_lease(session: AsyncSession, upload_id: uuid.UUID, token: uuid.UUID) -> None:
    stmt = (update(Upload).where(Upload.id == upload_id, Upload.lease_token == token)  # type: ignore[arg-type]
            .values(lease_token=None, lease_until=None).execution_options(synchronize_session=False))
    await session.execute(stmt)


async def mark_finished(session: AsyncSession, upload_id: uuid.UUID, token: uuid.UUID,
                        attachment_id: uuid.UUID) -> bool:
    """The last byte became this attachment: the sealed name is no longer needed here."""
    stmt = (update(Upload).where(Upload.id == upload_id, Upload.lease_token == token,  # type: ignore[arg-type]
                                 Upload.attachment_id.is_(None))  # type: ignore[union-attr]
            .values(attachment_id=attachment_id, offset=Upload.length, name_sealed=None,
                    key_id=None, lease_token=None, lease_until=None)
            .execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount == 1  # type: ignore[attr-defined]


async def remove(session: AsyncSession, upload_id: uuid.UUID) -> bool:
    result = await session.execute(delete(Upload).where(Upload.id == upload_id)  # type: ignore[arg-type]
                                   .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def remove_if_expired(session: AsyncSession, upload_id: uuid.UUID, now: datetime) -> bool:
    """Delete the row when it has expired and no PATCH holds it; whether it was deleted."""
    stmt = (delete(Upload).where(Upload.id == upload_id,  # type: ignore[arg-type]
                                 Upload.expires_at <= now,  # type: ignore[operator]
                                 or_(Upload.lease_until.is_(None), Upload.lease_until <= now))  # type: ignore[union-attr,operator]
            .execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount == 1  # type: ignore[attr-defined]


async def expired_ids(session: AsyncSession, now: datetime, limit: int) -> Sequence[uuid.UUID]:
    """Uploads past their expiry (finished or not) that no PATCH holds, oldest first."""
    stmt = (select(Upload.id)
            .where(Upload.expires_at <= now,  # type: ignore[operator]
                   or_(Upload.lease_until.is_(None), Upload.lease_until <= now))  # type: ignore[union-attr,operator]
            .order_by(Upload.expires_at).limit(limit))  # type: ignore[arg-type]
    return (await session.execute(stmt)).scalars().all()


async def ids_of_case(session: AsyncSession, case_id: uuid.UUID) -> Sequence[uuid.UUID]:
    """Every upload of the case (for removing them with the case's files)."""
    return (await session.execute(select(Upload.id).where(Upload.case_id == case_id)  # type: ignore[arg-type]
                                  )).scalars().all()



async def existing_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[uuid.UUID]:
    """Which of these ids are uploads."""
    if not ids:
        return []
    return (await session.execute(select(Upload.id).where(Upload.id.in_(ids))  # type: ignore[attr-defined]
                                  )).scalars().all()


async def sealed_with_older_key(session: AsyncSession, current_key_id: str,
                                limit: int) -> Sequence[Upload]:
    stmt = (select(Upload).where(Upload.name_sealed.is_not(None),  # type: ignore[union-attr]
                                 Upload.key_id != current_key_id)  # type: ignore[arg-type]
            .limit(limit))
    return (await session.execute(stmt)).scalars().all()
