"""SQLite: one statement's rows read on a connection of their own, past SQLAlchemy's sessions.

Every request's sign-in check reads its user's row (api/app.py). On PostgreSQL the API keeps
the rows while it listens for their changes (domain/users/cache.py); SQLite tells a process of
nobody's changes, so there each request read the row through a read session: a session, a
pooled connection and SQLAlchemy's execution around one hop to aiosqlite's thread. That cost
about 1 ms a request, the hop itself under 0.1 ms (in process, 2026-12-07). `QuickReads` sends
such a statement to a connection kept for it (`sqlite_driver`, `PRAGMA query_only`), compiled
once, with the bind and result processing of the columns' types, so the values are those a
session would give. Each statement is its own transaction: in WAL mode it sees everything
committed before it began and never waits for a writer.

For single-statement reads whose rows nothing writes back, built once with named bound
parameters only (`bindparam("id")`: no literals, no expanding IN); `load` makes ORM entities of
them as a query would (detached, their attributes committed). Closed with its database
(`Database.dispose`), the next read opens it again, as the engine's pool does.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import exc, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Select

from domain import sqlite_driver

T = TypeVar("T")
Processor = Callable[[Any], Any] | None


class QuickReads:
    """A SQLite database's connection for single-statement reads, opened at first use."""

    def __init__(self, dialect: Dialect, connect_args: tuple[list[Any], dict[str, Any]]) -> None:
        self._dialect = dialect
        self._args, self._named = connect_args
        self._connection: sqlite_driver.Connection | None = None
        self._opening = asyncio.Lock()  # one connection, however many requests come first at once

    async def _connected(self) -> sqlite_driver.Connection:
        connection = self._connection
        if connection is not None:
            return connection
        async with self._opening:
            if self._connection is None:
                opened = await sqlite_driver.connect(*self._args, **{**self._named, "timeout": 30})
                try:
                    await opened._execute(_read_only, opened._conn)
                except BaseException:  # cancelled or failed: closed, not left open on its thread
                    await asyncio.shield(opened.close())
                    raise
                self._connection = opened
            return self._connection

    async def rows(self, statement: Select[Any], **values: Any) -> list[tuple[Any, ...]]:
        """`statement`'s rows with `values` bound, each value as its column's type reads it."""
        sql, binds, results = _compiled(self._dialect, statement)
        parameters = tuple(p(values[name]) if p else values[name] for name, p in binds)
        try:
            connection = await self._connected()
            found = await connection._execute(_fetch, connection._conn, sql, parameters)
        except sqlite3.Error as error:  # as a session would raise it (a 503 when unavailable)
            raise exc.DBAPIError.instance(sql, None, error, sqlite3.Error) from error
        return [tuple(p(v) if p else v for p, v in zip(results, row, strict=True)) for row in found]

    async def close(self) -> None:
        """Close the connection (as the engine's pool closes its own: the next read opens one)."""
        async with self._opening:
            connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()


def load(entity: type[T], statement: Select[Any], row: tuple[Any, ...]) -> T:
    """An entity of `row` (of `statement`, which selects the entity's columns, each attribute
    named as its column), as a query gives it once its session is closed: detached, with its
    identity and committed values."""
    instance: T = inspect(entity).class_manager.new_instance()
    for column, value in zip(statement.selected_columns, row, strict=True):
        set_committed_value(instance, column.key, value)
    make_transient_to_detached(instance)
    return instance


def _read_only(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA query_only = ON")


def _fetch(connection: sqlite3.Connection, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
    """On the connection's thread: a statement of its own (sqlite3 opens no transaction for a
    SELECT), all its rows."""
    cursor = connection.execute(sql, parameters)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


@lru_cache(maxsize=64)
def _compiled(dialect: Dialect, statement: Select[Any]) -> tuple[str, tuple[tuple[str, Processor], ...],
                                                                  tuple[Processor, ...]]:
    """The statement's SQL, its parameters' names in order with their bind processors, and
    its columns' result processors (statements built once, so compiled once)."""
    compiled = statement.compile(dialect=dialect)
    binds = tuple((name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                  for name in compiled.positiontup or ())
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                    for c in statement.selected_columns)
    return str(compiled), binds, results
