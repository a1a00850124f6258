"""All SQL of bulk onboarding: the places and people a file is checked against, the insert."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import Area, AreaLevel
from domain.users.models import Role, User

ANALYZE_AFTER = 1000  # new users in one import
CHUNK = 900  # bound parameters per IN (SQLite's limit is far above; keeps statements small)


@dataclass(frozen=True)
class Place:
    code: str
    level: str
    parent_code: str | None
    name_th: str
    name_en: str


@dataclass(frozen=True)
class Mentor:
    id: uuid.UUID
    username: str
    display_name: str
    area_code: str | None


async def places(session: AsyncSession) -> list[Place]:
    """Every district and sub-district (about 8,400 rows: read once per file), as plain values."""
    stmt = select(Area.code, Area.level, Area.parent_code, Area.name_th, Area.name_en).where(
        Area.level.in_([AreaLevel.DISTRICT, AreaLevel.SUBDISTRICT]))  # type: ignore[attr-defined]
    return [Place(*row) for row in (await session.execute(stmt)).all()]


@dataclass(frozen=True)
class Known:
    """What matching a row against an existing person needs (no ORM object: 20,000 of them
    took seconds to build)."""

    id: uuid.UUID
    username: str
    display_name: str
    phone: str | None
    role: str
    area_code: str | None


async def users_named_or_reachable(session: AsyncSession, usernames: Iterable[str],
                                   phones: Iterable[str]) -> list[Known]:
    """The users with one of these usernames or phones."""
    found: dict[uuid.UUID, Known] = {}
    columns = (User.id, User.username, User.display_name, User.phone, User.role, User.area_code)
    for column, values in ((User.username, sorted(set(usernames))), (User.phone, sorted(set(phones)))):
        for i in range(0, len(values), CHUNK):
            stmt = select(*columns).where(column.in_(values[i:i + CHUNK]))  # type: ignore[union-attr]
            for row in (await session.execute(stmt)).all():
                found[row[0]] = Known(*row)
    return list(found.values())


async def active_mentors(session: AsyncSession, province: str | None) -> list[Mentor]:
    stmt = select(User.id, User.username, User.display_name, User.area_code).where(
        User.role == Role.MENTOR, User.is_active)  # type: ignore[arg-type]
    if province is not None:
        stmt = stmt.where(User.area_code.like(province + "%"))  # type: ignore[union-attr]
    return [Mentor(*row) for row in (await session.execute(stmt)).all()]


async def usernames_like(session: AsyncSession, prefix: str) -> list[str]:
    """Usernames starting with `prefix` (the generated `vol.` ones)."""
    stmt = select(User.username).where(User.username.like(prefix + "%"))  # type: ignore[attr-defined]
    return list((await session.execute(stmt)).scalars())


async def add_users(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many users at once (executemany; one statement per chunk). After thousands, the
    table's statistics are refreshed on PostgreSQL (ANALYZE runs inside the transaction): with
    the old ones, matching the same file again right away took 25 s instead of 2 (20,000 rows)."""
    for i in range(0, len(rows), 2000):
        await session.execute(insert(User), list(rows[i:i + 2000]))
    if len(rows) >= ANALYZE_AFTER and session.bind.dialect.name == "postgresql":
        await session.execute(text("ANALYZE app_user"))


async def people_in_scope(session: AsyncSession, province: str | None) -> Sequence[User]:
    """Everyone (province None: an admin), or a province's volunteers and mentors."""
    stmt = select(User).order_by(User.area_code, User.display_name, User.username)
    if province is not None:
        stmt = stmt.where(User.role.in_([Role.VOLUNTEER, Role.MENTOR]),  # type: ignore[attr-defined]
                          User.area_code.like(province + "%"))  # type: ignore[union-attr]
    return (await session.execute(stmt)).scalars().all()


async def usernames_of(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = sorted(set(ids), key=str)
    out: dict[uuid.UUID, str] = {}
    for i in range(0, len(wanted), CHUNK):
        stmt = select(User.id, User.username).where(User.id.in_(wanted[i:i + CHUNK]))  # type: ignore[attr-defined]
        out.update({row[0]: row[1] for row in (await session.execute(stmt)).all()})
    return out
