"""SQLite through aiosqlite's thread, one hop per statement.

aiosqlite runs each call on its connection's thread and hands the answer back to the event
loop: a hop each way. Through SQLAlchemy a statement made four calls of it — open a cursor,
execute, fetch the rows, close the cursor — and each hop costs more than SQLite's own work on a
small statement (a thread woken, the loop woken through its self-pipe, the GIL passed twice).
`Connection.cursor` here opens no cursor on the thread: a statement's `execute` runs, fetches
its first `CHUNK` rows and closes its sqlite3 cursor in one call; `fetchall` and `close` then
hop only when a statement had more rows than that (a report streaming its rows), one call
per further chunk.

A transaction's BEGIN goes in the same call as its first statement (`begin_with_next`), and a
commit or rollback costs no call when sqlite3 said after the last call that no transaction is
open and no call is still queued or running (one cancelled while queued still runs).

Everything else is aiosqlite's: its thread, its queue, `close`, the exceptions (sqlite3's own,
raised as they were).
"""
from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable
from typing import Any

import aiosqlite

# Rows fetched with the statement; a statement with more goes on fetching, one call a chunk.
CHUNK = 512

_Done = tuple[Any, int, Any, list[Any], "sqlite3.Cursor | None"]


def _execute(connection: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> _Done:
    """On aiosqlite's thread: run the statement and fetch its first chunk. Returns the
    description, rowcount, lastrowid, the rows, and the sqlite3 cursor when rows are left."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        elif parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchmany(CHUNK) if description is not None else []
        done = len(rows) < CHUNK
        answer = (description, cursor.rowcount, cursor.lastrowid, rows, None if done else cursor)
    except BaseException:
        cursor.close()
        raise
    if done:
        cursor.close()
    return answer


def _fetch(cursor: sqlite3.Cursor) -> tuple[list[Any], bool, int]:
    """On aiosqlite's thread: the next chunk of a statement's rows and its rowcount so far
    (a DML statement's RETURNING rows count as they are stepped); the cursor is closed after
    the last."""
    rows = cursor.fetchmany(CHUNK)
    done = len(rows) < CHUNK
    rowcount = cursor.rowcount
    if done:
        cursor.close()
    return rows, done, rowcount


class Cursor:
    """The asyncio cursor SQLAlchemy's aiosqlite dialect drives (aiosqlite.Cursor's methods),
    holding a statement's rows instead of a cursor on the thread."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: Any = None
        self._rows: deque[Any] = deque()
        self._open: sqlite3.Cursor | None = None  # on the thread, while rows are left

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> Cursor:
        await self._run(sql, parameters, False)
        return self

    async def executemany(self, sql: str, parameters: Any) -> Cursor:
        await self._run(sql, parameters, True)
        return self

    async def _run(self, sql: str, parameters: Any, many: bool) -> None:
        await self.close()
        connection = self._connection
        self.description, self.rowcount, self.lastrowid, rows, self._open = await connection._execute(
            _execute, connection._conn, sql, parameters, many)
        self._rows.extend(rows)

    async def _more(self) -> None:
        if self._open is None:
            return
        rows, done, self.rowcount = await self._connection._execute(_fetch, self._open)
        self._rows.extend(rows)
        if done:
            self._open = None

    async def fetchone(self) -> Any:
        if not self._rows:
            await self._more()
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        wanted = size or self.arraysize
        while len(self._rows) < wanted and self._open is not None:
            await self._more()
        return [self._rows.popleft() for _ in range(min(wanted, len(self._rows)))]

    async def fetchall(self) -> list[Any]:
        while self._open is not None:
            await self._more()
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()
        if self._open is not None:
            cursor, self._open = self._open, None
            await self._connection._execute(cursor.close)


class Connection(aiosqlite.Connection):
    """aiosqlite's connection whose cursors cost no hop of their own, whose BEGIN goes with
    the call after it, and whose commit or rollback costs none when no transaction is open."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._begin: str | None = None  # run on the thread just before the next call
        self._in_transaction = False  # as sqlite3 told after the last call on the thread
        self._sent = 0  # calls handed to the thread (counted by the event loop)
        self._done = 0  # calls the thread finished (counted by the thread)

    def begin_with_next(self, statement: str) -> None:
        """`statement` (a BEGIN) runs in the same call as the next statement, or not at all
        when the transaction ends before one: a hop saved on every transaction. A BEGIN that
        fails (the write lock not had within the busy timeout) fails that statement."""
        self._begin = statement

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        begin, self._begin = self._begin, None
        self._sent += 1
        return await super()._execute(self._on_thread, begin, fn, *args, **kwargs)

    def _on_thread(self, begin: str | None, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._conn
        try:
            if begin is not None:
                connection.execute(begin)
            return fn(*args, **kwargs)
        finally:
            try:
                self._in_transaction = connection.in_transaction
            except sqlite3.ProgrammingError:  # the call closed it
                self._in_transaction = False
            self._done += 1

    def _maybe_in_transaction(self) -> bool:
        """Whether a transaction may be open: sqlite3 said so after the last call, or a call
        is still queued or running (its await cancelled, say) and may open one."""
        return self._in_transaction or self._sent != self._done

    async def commit(self) -> None:
        self._begin = None
        if self._maybe_in_transaction():  # sqlite3 does nothing otherwise
            await super().commit()

    async def rollback(self) -> None:
        self._begin = None
        if self._maybe_in_transaction():
            await super().rollback()

    def cursor(self) -> Cursor:  # type: ignore[override]  # a cursor at once, not a coroutine
        return Cursor(self)


def connect(database: str, **kwargs: Any) -> Connection:
    """As `aiosqlite.connect`, with this module's cursors; awaited by SQLAlchemy."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    connection = Connection(connector, 64)
    connection._thread.daemon = True  # as SQLAlchemy's dialect does for aiosqlite's
    return connection
