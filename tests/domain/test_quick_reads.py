"""SQLite's single-statement reads past SQLAlchemy's sessions (domain/quick_reads.py), as the
sign-in check reads its user: the same row, values and types as a session reads, what another
connection committed a moment ago, errors as SQLAlchemy raises them, and nothing written."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

from domain import sqlite_driver
from domain.db import Database
from domain.quick_reads import QuickReads, _compiled
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.models import Role, User
from tests.databases import migrate


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'quick.db'}"
    await migrate(url)
    database = Database(url)
    yield database
    await database.dispose()


async def _add_user(db: Database, **columns: object) -> User:
    now = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    user = User(username=f"vol.{uuid.uuid4().hex[:8]}", password_hash="argon2-hash", display_name="สมหญิง ใจงาม",
                role=Role.VOLUNTEER, created_at=now, **columns)
    async with UnitOfWork(db) as uow:
        uow.session.add(user)
    return user


async def test_a_quick_read_gives_the_row_a_session_gives(db: Database) -> None:
    assert db.quick is not None
    mentor = await _add_user(db)
    at = datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=UTC)
    user = await _add_user(db, mentor_id=mentor.id, email="somying@example.org", phone="0812345678",
                           is_active=False, is_unit_head=True, is_extension_approver=True,
                           last_sign_in_at=at, deactivated_at=at + timedelta(hours=1),
                           reset_code_hash="code-hash", reset_code_expires_at=at + timedelta(days=1),
                           must_change_password=True)
    async with db.read_sessions() as session:
        read = await users.by_id(session, user.id)
    quick = await users.by_id_quickly(db.quick, user.id)
    assert read is not None and quick is not None
    columns = [c.key for c in User.__table__.columns]  # type: ignore[attr-defined]
    unset = {n for n in columns if getattr(read, n) is None}
    assert unset == {"area_code", "org_unit_code"}  # no reference data here; every other column set
    for name in columns:  # the same values, of the same types (ids, instants with their zone, flags)
        assert getattr(quick, name) == getattr(read, name), name
        assert type(getattr(quick, name)) is type(getattr(read, name)), name
    assert quick.display_name == "สมหญิง ใจงาม" and quick.last_sign_in_at == at
    state = inspect(quick)
    assert state.detached and state.identity == (user.id,)  # as a session's row once it closed
    assert not state.modified and not state.expired_attributes
    assert await users.by_id_quickly(db.quick, uuid.uuid4()) is None


async def test_a_quick_read_sees_what_another_connection_committed_a_moment_ago(db: Database,
                                                                                 tmp_path: Path) -> None:
    assert db.quick is not None
    user = await _add_user(db)
    assert (await users.by_id_quickly(db.quick, user.id)).is_active  # type: ignore[union-attr]
    other = sqlite3.connect(tmp_path / "quick.db")  # another process's connection
    try:
        other.execute("UPDATE app_user SET is_active = 0, display_name = 'ย้ายแล้ว' WHERE id = ?",
                      (user.id.hex,))
        other.commit()
    finally:
        other.close()
    seen = await users.by_id_quickly(db.quick, user.id)
    assert seen is not None and not seen.is_active and seen.display_name == "ย้ายแล้ว"


async def test_a_quick_read_never_writes(db: Database) -> None:
    assert db.quick is not None
    user = await _add_user(db)
    await users.by_id_quickly(db.quick, user.id)  # the connection is open now
    connection = await db.quick._connected()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await connection._execute(connection._conn.execute, "DELETE FROM app_user")
    assert await users.by_id_quickly(db.quick, user.id) is not None


async def test_a_failed_quick_read_is_raised_as_sqlalchemy_raises_it(tmp_path: Path) -> None:
    """An empty file where the database was: SQLAlchemy's OperationalError, as a session's read
    raises it (what api/unavailable.py knows); the id read is not in the message."""
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    wanted = uuid.uuid4()
    try:
        assert empty.quick is not None
        with pytest.raises(OperationalError, match="no such table: app_user") as raised:
            await users.by_id_quickly(empty.quick, wanted)
        assert wanted.hex not in str(raised.value) and str(wanted) not in str(raised.value)
    finally:
        await empty.dispose()


async def test_a_database_in_memory_has_no_quick_reads() -> None:
    """A second connection to `:memory:` would be another, empty database."""
    memory = Database("sqlite+aiosqlite:///:memory:")
    try:
        assert memory.quick is None
    finally:
        await memory.dispose()


async def test_statements_are_compiled_once_and_their_rows_read_each_time(db: Database) -> None:
    assert isinstance(db.quick, QuickReads)
    statement = select(User.__table__.c.username).where(text("1 = 1"))  # type: ignore[attr-defined]
    first = await db.quick.rows(statement)
    compiled = _compiled.cache_info()
    await _add_user(db)
    assert len(await db.quick.rows(statement)) == len(first) + 1
    again = _compiled.cache_info()
    assert (again.hits, again.misses) == (compiled.hits + 1, compiled.misses)


async def test_requests_arriving_together_share_one_connection(db: Database) -> None:
    assert db.quick is not None
    user = await _add_user(db)
    opened: list[object] = []
    connect = sqlite_driver.connect

    def counted(*args: Any, **kwargs: Any) -> Any:
        opened.append(args)
        return connect(*args, **kwargs)

    sqlite_driver.connect = counted  # type: ignore[assignment]
    try:
        await db.quick.close()
        read = await asyncio.gather(*(users.by_id_quickly(db.quick, user.id) for _ in range(20)))
    finally:
        sqlite_driver.connect = connect  # type: ignore[assignment]
    assert all(r is not None and r.id == user.id for r in read) and len(opened) == 1
