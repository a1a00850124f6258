"""SQLite's statements through domain/sqlite_driver.py: one call on aiosqlite's thread per
statement, every row of a long answer in order, errors as SQLAlchemy raises them, the
connection usable after each. (Every SQLite test of the suite runs on this driver too.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain import sqlite_driver
from domain.db import Database, create_engine

ROWS = 2 * sqlite_driver.CHUNK + 100  # an answer three chunks long


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def _calls_on_thread(connection: AsyncConnection) -> Callable[[], int]:
    """Counts the calls the connection hands to aiosqlite's thread from now on."""
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    assert isinstance(driver, sqlite_driver.Connection)
    calls = 0
    handed = driver._execute

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await handed(*args, **kwargs)

    driver._execute = counted
    return lambda: calls


async def test_a_statement_is_one_call_on_the_thread(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection's BEGIN
        calls = await _calls_on_thread(connection)
        inserted = await connection.execute(text("INSERT INTO item (name) VALUES ('ข้อต่อ')"))
        assert calls() == 1 and inserted.rowcount == 1 and inserted.lastrowid == 1
        names = (await connection.execute(text("SELECT name FROM item"))).scalars().all()
        assert names == ["ข้อต่อ"] and calls() == 2  # Thai text round-trips exactly
        updated = await connection.execute(text("UPDATE item SET name = name || '!'"))
        assert updated.rowcount == 1 and calls() == 3
        await connection.commit()


async def test_a_transactions_begin_goes_with_its_first_statement(engine: AsyncEngine) -> None:
    writer = engine.execution_options(khortor_write=True)  # BEGIN IMMEDIATE
    async with writer.connect() as connection:
        calls = await _calls_on_thread(connection)
        await connection.execute(text("INSERT INTO item (name) VALUES ('a')"))
        assert calls() == 1
        await connection.commit()
        assert calls() == 2
        await connection.execute(text("SELECT 1"))  # a new transaction, nothing written
        await connection.rollback()
        assert calls() == 4
        await connection.begin()  # ended before any statement: nothing sent
        await connection.commit()
        assert calls() == 4
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT name FROM item"))).scalars().all() == ["a"]


async def test_a_read_session_is_one_call_a_statement(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with db.read_sessions() as session:
            calls = await _calls_on_thread(await session.connection())
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
            assert (await session.execute(text("SELECT 2"))).scalar_one() == 2
        assert calls() == 2  # no BEGIN, no ROLLBACK
    finally:
        await db.dispose()


async def test_a_writer_that_cannot_have_the_lock_fails_and_writes_nothing(engine: AsyncEngine) -> None:
    writer = engine.execution_options(khortor_write=True)
    async with writer.connect() as holding, writer.connect() as waiting:
        await holding.execute(text("INSERT INTO item (name) VALUES ('first')"))  # holds the lock
        driver: Any = (await waiting.get_raw_connection()).driver_connection
        await driver._execute(driver._conn.execute, "PRAGMA busy_timeout=50")
        with pytest.raises(OperationalError, match="locked"):
            await waiting.execute(text("INSERT INTO item (name) VALUES ('second')"))
        await waiting.rollback()
        await holding.commit()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT name FROM item"))).scalars().all() == ["first"]


async def test_a_call_cancelled_while_on_the_thread_is_still_rolled_back(engine: AsyncEngine) -> None:
    """A call whose await is cancelled still runs on the thread, and may open a transaction:
    the rollback after it is not skipped, so the write lock is not kept by an idle connection."""
    writer = engine.execution_options(khortor_write=True)
    async with writer.connect() as cancelled, writer.connect() as other:
        driver: Any = (await cancelled.get_raw_connection()).driver_connection
        driver.begin_with_next("BEGIN IMMEDIATE")

        def slow_insert() -> None:
            time.sleep(0.3)
            driver._conn.execute("INSERT INTO item (name) VALUES ('cancelled')")

        call = asyncio.ensure_future(driver._execute(slow_insert))
        await asyncio.sleep(0.05)
        call.cancel()
        await driver.rollback()  # queued behind the call, which took the write lock
        waiting: Any = (await other.get_raw_connection()).driver_connection
        await waiting._execute(waiting._conn.execute, "PRAGMA busy_timeout=1000")
        inserted = await other.execute(text("INSERT INTO item (name) VALUES ('other')"))
        assert inserted.rowcount == 1
        await other.commit()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT name FROM item"))).scalars().all() == ["other"]


async def test_a_long_answer_comes_whole_and_in_order(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO item (name) VALUES (:name)"),
                                 [{"name": f"n{i:05d}"} for i in range(ROWS)])
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        calls = await _calls_on_thread(connection)
        names = (await connection.execute(text("SELECT name FROM item ORDER BY id"))).scalars().all()
        assert names == [f"n{i:05d}" for i in range(ROWS)]
        assert calls() == 3  # the statement with its first chunk, then one call a chunk
        renamed = await connection.execute(text("UPDATE item SET name = name || '.' RETURNING id"))
        assert len(renamed.all()) == ROWS and renamed.rowcount == ROWS  # counted to the last chunk
        await connection.rollback()

        streamed = await connection.stream(text("SELECT name FROM item ORDER BY id"))
        first = await streamed.fetchmany(10)
        assert [row.name for row in first] == [f"n{i:05d}" for i in range(10)]
        await streamed.close()  # left with rows on the thread: that cursor is closed
        assert (await connection.execute(text("SELECT count(*) FROM item"))).scalar_one() == ROWS
        await connection.execute(text("DROP TABLE item"))  # "table is locked" while a read is open


async def test_a_refused_statement_raises_as_before_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO item (name) VALUES ('a')"))
        with pytest.raises(IntegrityError):
            await connection.execute(text("INSERT INTO item (name) VALUES ('a')"))
        with pytest.raises(OperationalError, match="no_such_table"):
            await connection.execute(text("SELECT * FROM no_such_table"))
        assert (await connection.execute(text("SELECT count(*) FROM item"))).scalar_one() == 1
        await connection.commit()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT name FROM item"))).scalars().all() == ["a"]
