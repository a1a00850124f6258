"""All SQL about users."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.quick_reads import KeyedRows, QuickReads, load
from domain.upsert import insert_once
from domain.users.models import LoginThrottle, Role, User
from domain.users.throttle import Count, forgotten_before


async def by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username))
    return result.scalar_one_or_none()


async def by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def by_id_quickly(quick: QuickReads, user_id: uuid.UUID) -> User | None:
    """`by_id` on SQLite's connection for single-statement reads (domain/quick_reads.py): the
    row each request's sign-in check reads, detached."""
    statement = _by_id()
    rows = await quick.rows(statement, id=user_id)
    return load(User, statement, rows[0]) if rows else None


@cache
def _by_id() -> Select[Any]:
    return select(*User.__table__.columns).where(User.__table__.c.id == bindparam("id"))  # type: ignore[attr-defined]


async def by_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> Sequence[User]:
    wanted = list(set(ids))
    if not wanted:
        return []
    return (await session.execute(_by_ids(), {"users": wanted})).scalars().all()


# The loader's batch (api/loaders.py): the rows `by_ids` reads, past SQLAlchemy's execution.
BY_IDS = KeyedRows(User, User.id)


@cache
def _by_ids() -> Any:
    """Built once: the statement and its cache key (domain/cases/repository.py)."""
    return select(User).where(User.id.in_(bindparam("users", expanding=True)))  # type: ignore[attr-defined]


def count_of(row: LoginThrottle) -> Count:
    return Count(row.failures, row.window_started_at, row.locked_until)


def store_count(row: LoginThrottle, count: Count) -> None:
    """Write a count into its (locked) row; flushed with the session."""
    row.failures, row.window_started_at = count.failures, count.window_started_at
    row.locked_until = count.locked_until


async def throttle_counts(session: AsyncSession, keys: Sequence[str]) -> dict[str, Count]:
    """The counts of the keys that have a row (a plain read, no lock)."""
    if not keys:
        return {}
    result = await session.execute(
        select(LoginThrottle).where(LoginThrottle.key.in_(list(keys))))  # type: ignore[attr-defined]
    return {row.key: count_of(row) for row in result.scalars()}


# How often an attempt makes its count row again when concurrent right passwords keep deleting it.
THROTTLE_ROW_TRIES = 5


async def locked_throttle_row(session: AsyncSession, key: str, now: datetime) -> LoginThrottle:
    """The row for `key`, created if missing, locked for update (serialised on SQLite).

    On PostgreSQL a right password's sign-in may delete the row (`clear_throttle`) between
    this insert, which met the row and did nothing, and the lock, which then waits for that
    delete and finds no row once it commits: the row is made again (two concurrent sign-ins
    of one user answered "No row was found" in tests/test_serve_workers.py)."""
    stmt = (select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
            .execution_options(populate_existing=True))
    for _ in range(THROTTLE_ROW_TRIES):
        await insert_once(session, LoginThrottle, {"key": key, "failures": 0,
                                                   "window_started_at": now}, ["key"])
        row = (await session.execute(stmt)).scalar_one_or_none()
        if row is not None:
            return row
    raise RuntimeError(f"the sign-in count row vanished {THROTTLE_ROW_TRIES} times in a row")


async def clear_throttle(session: AsyncSession, key: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))  # type: ignore[arg-type]


async def forget_old_throttles(session: AsyncSession, now: datetime) -> int:
    """Delete the counts that no longer count (`throttle.forgotten_before`); how many."""
    result = await session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_started_at < forgotten_before(now),  # type: ignore[arg-type]
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now)))  # type: ignore[union-attr, operator]
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def active_users(session: AsyncSession, *conditions: object) -> list[User]:
    stmt = select(User).where(User.is_active, *conditions).order_by(User.username)  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())


async def unit_officers(session: AsyncSession, org_unit_code: str, heads_only: bool = False) -> list[User]:
    conditions: list[object] = [User.org_unit_code == org_unit_code, User.role == Role.OFFICER]
    if heads_only:
        conditions.append(User.is_unit_head)
    return await active_users(session, *conditions)


async def unit_staff(session: AsyncSession, org_unit_code: str) -> list[User]:
    """The active people who work a unit's referrals (its officers, and coordinators posted there)."""
    return await active_users(session, User.org_unit_code == org_unit_code,
                              User.role.in_([Role.OFFICER, Role.COORDINATOR]))  # type: ignore[attr-defined]


async def coordinators(session: AsyncSession, province_code: str) -> list[User]:
    return await active_users(session, User.role == Role.COORDINATOR,
                              User.area_code.like(province_code + "%"))  # type: ignore[union-attr]


async def supervisors_over(session: AsyncSession, subdistrict_code: str) -> list[User]:
    """Supervisors whose scope (nation, province, district) contains the sub-district."""
    prefixes = [subdistrict_code[:n] for n in (2, 4, 6)]
    return await active_users(session, User.role == Role.SUPERVISOR,
                              or_(User.area_code.is_(None), User.area_code.in_(prefixes)))  # type: ignore[union-attr]


async def approvers(session: AsyncSession) -> list[User]:
    return await active_users(session, User.is_extension_approver)


@dataclass(frozen=True)
class UserFilter:
    """Who to list: `province` is the coordinator's scope (their volunteers and mentors)."""

    text: str | None = None  # in the username, the name, the phone or the e-mail
    role: Role | None = None
    area_prefix: str | None = None
    org_unit_code: str | None = None
    active: bool | None = None
    province: str | None = None


def _listed(f: UserFilter) -> Select[tuple[User]]:
    stmt = select(User)
    if f.province is not None:
        stmt = stmt.where(User.role.in_([Role.VOLUNTEER, Role.MENTOR]),  # type: ignore[attr-defined]
                          User.area_code.like(f.province + "%"))  # type: ignore[union-attr]
    if f.role is not None:
        stmt = stmt.where(User.role == f.role)
    if f.area_prefix:
        stmt = stmt.where(User.area_code.like(f.area_prefix + "%"))  # type: ignore[union-attr]
    if f.org_unit_code:
        stmt = stmt.where(User.org_unit_code == f.org_unit_code)
    if f.active is not None:
        stmt = stmt.where(User.is_active == f.active)
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(column.ilike(pattern, escape="\\") for column in (  # type: ignore[attr-defined]
            User.username, User.display_name, User.phone, User.email))))
    return stmt


async def list_users(session: AsyncSession, f: UserFilter, first: int,
                     offset: int) -> tuple[Sequence[User], bool]:
    stmt = _listed(f).order_by(User.display_name, User.username).offset(offset).limit(first + 1)
    rows = (await session.execute(stmt)).scalars().all()
    return rows[:first], len(rows) > first


async def count_users(session: AsyncSession, f: UserFilter) -> int:
    inner = _listed(f).with_only_columns(User.id)  # type: ignore[arg-type]
    return int((await session.execute(select(func.count()).select_from(inner.subquery()))).scalar_one())


async def for_update(session: AsyncSession, username: str) -> User | None:
    stmt = select(User).where(User.username == username).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_admin_count(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.is_active)  # type: ignore[arg-type]
    return int((await session.execute(stmt)).scalar_one())


async def mentees_of(session: AsyncSession, mentor_id: uuid.UUID) -> list[User]:
    return await active_users(session, User.mentor_id == mentor_id)
