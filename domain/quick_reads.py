"""Reads past SQLAlchemy's sessions and execution, for the statements every request sends.

`QuickReads` (SQLite): every request's sign-in check reads its user's row (api/app.py). On
PostgreSQL the API keeps the rows while it listens for their changes (domain/users/cache.py);
SQLite tells a process of nobody's changes, so there each request read the row through a read
session: a session, a pooled connection and SQLAlchemy's execution around one hop to
aiosqlite's thread. That cost about 1 ms a request, the hop itself under 0.1 ms (in process,
2026-12-07). `QuickReads` sends such a statement to a connection kept for it (`sqlite_driver`,
`PRAGMA query_only`), compiled once, with the bind and result processing of the columns'
types, so the values are those a session would give. Each statement is its own transaction:
in WAL mode it sees everything committed before it began and never waits for a writer. For
single-statement reads whose rows nothing writes back, built once with named bound parameters
only (`bindparam("id")`: no literals, no expanding IN); `load` makes ORM entities of them as a
query would (detached, their attributes committed). Closed with its database
(`Database.dispose`), the next read opens it again, as the engine's pool does.

`KeyedRows` (both databases): a loader's batch, the rows whose key is one of a list, on the
request's read session's own connection with the driver's own call (see the class).

`select_rows` (both databases): a statement built once, on a read session's connection or inside
a unit of work's transaction for rows it only reads; `rows_to_change`: the same for rows the
transaction locks to change, put in the session as its loading puts them; `written_rows`
(SQLite): a write with RETURNING inside the transaction (a filing's counter).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

import asyncpg
from sqlalchemy import String, any_, bindparam, exc, func, inspect, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql import Select

from domain import sqlite_driver

T = TypeVar("T")
R = TypeVar("R")
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
        return _processed(results, found)

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
    return _entities(entity, tuple(c.key for c in statement.selected_columns), [row])[0]


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
def _compiled(dialect: Dialect, statement: Any) -> tuple[str, tuple[tuple[str, Processor], ...],
                                                         tuple[Processor, ...]]:
    """The statement's SQL, its parameters' names in order with their bind processors, and
    its columns' result processors (statements built once, so compiled once; every value
    given at each call: a statement holding one of its own is not for this)."""
    compiled = statement.compile(dialect=dialect)
    binds = tuple((name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                  for name in compiled.positiontup or ())
    return str(compiled), binds, _results(dialect, statement)


class KeyedRows(Generic[T]):
    """An entity's rows whose `key` column holds one of a list of keys (a loader's batch), read
    on a read session's own connection past SQLAlchemy's execution.

    The loaders' batches (api/loaders.py) read many small statements a request: a case's
    referrals, history and attachments, the users they name. Through a session each cost about
    0.35 ms in process on a connection already held, against 0.15 ms for the driver's own call
    (PostgreSQL, 2026-12-07): SQLAlchemy's execution, its ORM loading and, for an expanding IN,
    a new SQL text for each number of keys, which asyncpg prepares again. Here the statement is
    compiled once per dialect with the keys as one value (`= ANY($1)` of an array on
    PostgreSQL, the rows of `json_each` of a JSON array on SQLite), sent with the driver's own
    call on the session's connection, and its rows are processed as SQLAlchemy processes them
    (the columns' result processors; on PostgreSQL chosen by the type each column comes back
    as) and made the detached entities a closed session's query gives (`load`).

    Only for read sessions (`Database.read_sessions`: each statement on its own, no
    transaction to join), one statement at a time on the session (as `SharedReads` lends it).
    A failure is raised as SQLAlchemy's `DBAPIError`, naming the SQL but not the keys. On
    PostgreSQL a connection that failed other than by refusing the statement is invalidated;
    one that was lost (closed, class 08, 57P01-57P04) retires the pool's older connections
    too and is an outage (`connection_invalidated`), as SQLAlchemy does on a disconnect."""

    def __init__(self, entity: type[T], key: Any, *where: Any, order_by: Sequence[Any] = ()) -> None:
        self.entity = entity
        self._key, self._where, self._order_by = key, where, tuple(order_by)
        self._names = tuple(c.key for c in select(entity).selected_columns)
        self._compiled: dict[str, tuple[str, Processor, tuple[Processor, ...]]] = {}

    def statement(self, dialect: Dialect) -> Select[Any]:
        """The statement for `dialect`, its keys one bound value named "keys"."""
        if dialect.name == "postgresql":
            keys = self._key == any_(bindparam("keys", type_=postgresql.ARRAY(self._key.type)))
        else:
            keys = self._key.in_(select(literal_column("value")).select_from(
                func.json_each(bindparam("keys", type_=String()))))
        return select(self.entity).where(keys, *self._where).order_by(*self._order_by)

    async def read(self, session: AsyncSession, keys: Iterable[Any]) -> list[T]:
        """The rows of these keys, in the statement's order."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return []
        connection = await _read_connection(session)
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        dialect = connection.dialect
        sql = self._sql(dialect)
        _announce(connection, sql)
        if dialect.name == "postgresql":
            rows = await self._on_postgresql(connection, raw, sql, wanted)
        else:
            rows = await self._on_sqlite(dialect, driver, wanted)
        return _entities(self.entity, self._names, rows)

    def _sql(self, dialect: Dialect) -> str:
        compiled = self._compiled.get(dialect.name)
        return compiled[0] if compiled else str(self.statement(dialect).compile(dialect=dialect))

    async def _on_postgresql(self, connection: AsyncConnection, raw: Any, sql: str, keys: list[Any]) -> list[Any]:
        async def fetch(driver: Any) -> tuple[list[Any], tuple[Processor, ...]]:
            compiled = self._compiled.get("postgresql")
            if compiled is None:
                compiled = self._compiled["postgresql"] = await self._prepare(connection.dialect, driver)
            _, bind, results = compiled
            return await driver.fetch(sql, bind(keys) if bind else keys), results

        found, results = await _on_postgresql(connection, raw, sql, fetch)
        return _processed(results, found)

    async def _prepare(self, dialect: Dialect, driver: Any) -> tuple[str, Processor, tuple[Processor, ...]]:
        """The SQL, the keys' bind processor, and each column's result processor for the
        type PostgreSQL gives it (as SQLAlchemy picks them from a result's description)."""
        statement = self.statement(dialect)
        compiled = statement.compile(dialect=dialect)
        sql = str(compiled)
        prepared = await driver.prepare(sql)
        bind = compiled.binds["keys"].type.dialect_impl(dialect).bind_processor(dialect)
        return sql, bind, _results(dialect, statement, prepared)

    async def _on_sqlite(self, dialect: Dialect, driver: Any, keys: list[Any]) -> list[Any]:
        compiled = self._compiled.get("sqlite")
        if compiled is None:
            statement = self.statement(dialect)
            key = self._key.type.dialect_impl(dialect).bind_processor(dialect)
            compiled = self._compiled["sqlite"] = (str(statement.compile(dialect=dialect)), key,
                                                   _results(dialect, statement))
        sql, key, results = compiled
        found = await _on_sqlite(driver, sql, (json.dumps([key(k) for k in keys] if key else keys),))
        return _processed(results, found)


async def _on_postgresql(connection: AsyncConnection, raw: Any, sql: str,
                         call: Callable[[Any], Awaitable[R]]) -> R:
    """`call(asyncpg's connection)`, its failure as SQLAlchemy would raise it: a DBAPIError
    naming `sql`, not its values; a connection that was lost (closed, class 08, 57P01-57P04)
    invalidated with the pool's older ones, as SQLAlchemy does on a disconnect (an outage:
    `connection_invalidated`); one left in a state unknown (not a PostgreSQL error) invalidated."""
    driver = raw.driver_connection
    try:
        return await call(driver)
    except BaseException as error:
        lost = driver.is_closed() or _connection_failed(error)  # as SQLAlchemy's is_disconnect
        if lost:  # as SQLAlchemy does on a disconnect: the pool's older connections retired too
            connection.sync_engine.pool._invalidate(raw, error, _checkin=False)
        if lost or not isinstance(error, asyncpg.PostgresError):  # closed, or in a state unknown
            await asyncio.shield(connection.invalidate())
        if isinstance(error, Exception):
            raise exc.DBAPIError.instance(sql, None, error, Exception, connection_invalidated=lost) from error
        raise


async def _on_sqlite(driver: Any, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
    """`sql`'s rows on the SQLite connection's thread (a pending BEGIN goes first:
    `sqlite_driver`), its failure as SQLAlchemy would raise it, naming `sql`, not its values."""
    try:
        return await driver._execute(_fetch, driver._conn, sql, parameters)  # type: ignore[no-any-return]
    except sqlite3.Error as error:
        raise exc.DBAPIError.instance(sql, None, error, sqlite3.Error) from error


def _results(dialect: Dialect, statement: Any, prepared: Any = None) -> tuple[Processor, ...]:
    """Each column's result processor (of a SELECT, or of a write's RETURNING); on PostgreSQL
    those of the type the server gives it, from asyncpg's prepared statement (as SQLAlchemy
    picks them from a result's description)."""
    columns = statement.exported_columns
    if prepared is None:
        return tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    oids = [attribute.type.oid for attribute in prepared.get_attributes()]
    return tuple(c.type.dialect_impl(dialect).result_processor(dialect, oid)
                 for c, oid in zip(columns, oids, strict=True))


async def _read_connection(session: AsyncSession) -> AsyncConnection:
    """The read session's connection; refused for another session, whose transaction a read
    past it would be outside of."""
    connection = await session.connection()
    options = connection.sync_connection.get_execution_options()  # type: ignore[union-attr]
    if options.get("isolation_level") != "AUTOCOMMIT" and not options.get("khortor_alone", False):
        raise ValueError("a quick read is for a read session only (Database.read_sessions)")
    return connection


def on_read_session(session: AsyncSession) -> bool:
    """Whether `session` is a read session (Database.read_sessions), whose statements each
    stand alone: `select_rows` reads on such a session only."""
    options = session.bind.get_execution_options() if session.bind is not None else {}  # type: ignore[union-attr]
    return options.get("isolation_level") == "AUTOCOMMIT" or options.get("khortor_alone", False)


class _Select(NamedTuple):
    """A statement compiled for one dialect: its SQL, its bound parameters' keys in order with
    their bind processors, the values of those it holds itself, how its columns make a row
    (`_shape`), and (PostgreSQL: once known from a prepare) its columns' result processors."""

    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    constants: dict[str, Any]
    shape: tuple[tuple[type | None, tuple[str, ...]], ...]
    results: tuple[Processor, ...] | None


_SELECTS: dict[tuple[str, int], tuple[Any, _Select | None]] = {}  # by dialect and statement (kept alive)
_MOST_SELECTS = 2048  # statements built once are kept by their builders (`Kept(most=1024)`)


def _compiled_select(dialect: Dialect, statement: Select[Any]) -> _Select | None:
    """`statement` compiled for `dialect`, once; None when its rows cannot be had this way as a
    session would give them: a parameter expanded or rendered at execution (an IN of a list) or
    whose value is computed (a callable), loader options, or an item of the row other than a
    mapped class selected whole or one column (an alias, a bundle). An outer-joined entity all
    NULL is None, as a session gives it (`_joined`). (FOR UPDATE: `select_rows` leaves it to
    `rows_to_change`.)"""
    key = (dialect.name, id(statement))
    known = _SELECTS.get(key)
    if known is not None and known[0] is statement:
        return known[1]
    compiled = statement.compile(dialect=dialect)
    sql = str(compiled)
    shape = _shape(statement)
    made: _Select | None = None
    if (shape is not None and not statement._with_options  # noqa: SLF001 - SQLAlchemy's own record of them
            and not (compiled.literal_execute_params or compiled.post_compile_params)):  # an expanding IN among them
        binds = [compiled.binds[name] for name in compiled.positiontup or ()]
        if not any(bind.callable is not None for bind in binds):
            results = None if dialect.name == "postgresql" else _results(dialect, statement)
            made = _Select(sql, tuple(bind.key for bind in binds),
                           tuple(bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds),
                           {bind.key: bind.value for bind in binds if not bind.required}, shape, results)
    if len(_SELECTS) >= _MOST_SELECTS:
        _SELECTS.clear()
    _SELECTS[key] = (statement, made)
    return made


def _shape(statement: Select[Any]) -> tuple[tuple[type | None, tuple[str, ...]], ...] | None:
    """Each item of a result row: a mapped class selected whole (the class and its columns'
    names, as many columns of the row) or one column (None and its name); None when the row's
    items are anything else, or do not account for every column selected."""
    items: list[tuple[type | None, tuple[str, ...]]] = []
    for described in statement.column_descriptions:
        entity, expr = described.get("entity"), described.get("expr")
        if entity is not None and expr is entity:
            if not isinstance(entity, type):  # an alias
                return None
            items.append((entity, tuple(c.key for c in select(entity).selected_columns)))
        else:
            items.append((None, (str(described.get("name")),)))
    if sum(len(names) for _, names in items) != len(statement.selected_columns):
        return None
    return tuple(items)


async def select_rows(session: AsyncSession, statement: Select[Any], values: dict[str, Any],
                      in_transaction: bool = False) -> list[tuple[Any, ...]] | None:
    """The rows of `statement` (built once: see `_compiled_select`) with `values` bound, read on
    a read session's connection past SQLAlchemy's execution and ORM loading: each entity the
    statement selects whole made as `_entities` makes it (detached, its values committed), each
    other column's value as SQLAlchemy gives it. None when the statement cannot go this way: the
    caller runs it through the session.

    `in_transaction`: on any session, inside its transaction, for rows the transaction only
    reads (they are not in the session, so nothing of them is flushed). On SQLite the session's
    BEGIN goes with this call if none was sent yet (`sqlite_driver`); on PostgreSQL, where
    SQLAlchemy's adapter sends BEGIN before the transaction's first statement, the adapter
    sends it first if it has not yet (`_begun`).

    A visible case's lookup and a page of cases, read each request through the session, cost
    about 0.2 ms and 0.3 ms of SQLAlchemy's execution and loading (in process, 2026-12-07)."""
    if statement._for_update_arg is not None:  # noqa: SLF001 - rows to change: `rows_to_change`
        return None
    return await _read(session, statement, values, in_transaction)


async def rows_to_change(session: AsyncSession, statement: Select[Any],
                         values: dict[str, Any]) -> list[tuple[Any, ...]] | None:
    """The rows of `statement` (built once, FOR UPDATE: rows this transaction locks to change
    them), read inside the session's transaction as `select_rows(..., in_transaction=True)`
    reads, each entity then put in the session as its loading puts a row it read: persistent,
    its values as committed, so that its changes are flushed or written at commit
    (`commit_writes.update_at_commit`). None, and nothing sent, when the session would flush
    changes before the query (`autoflush`: every `Database` turns it off); None after the read
    when an entity read is in the session already (a query with `populate_existing` would write
    the stored values over it): the caller runs the statement through the session, in the same
    transaction, its locks already held.

    An acceptance's two reads, of the referral's case and of the case's referrals, cost about
    a tenth of acceptReferral through the session (cProfile, 2026-12-07)."""
    sync = session.sync_session
    if sync.autoflush and (sync.new or sync.dirty or sync.deleted):
        return None
    rows = await _read(session, statement, values, in_transaction=True)
    if rows is None:
        return None
    entities = [item for row in rows for item in row if item is not None and hasattr(item, "_sa_instance_state")]
    identities = sync.identity_map
    if any(instance_state(e).key in identities for e in entities):
        return None
    for entity in {id(e): e for e in entities}.values():  # each once (one object per identity: `_made`)
        sync.add(entity)
    return rows


async def _read(session: AsyncSession, statement: Select[Any], values: dict[str, Any],
                in_transaction: bool) -> list[tuple[Any, ...]] | None:
    connection = await (session.connection() if in_transaction else _read_connection(session))
    dialect = connection.dialect
    compiled = _compiled_select(dialect, statement)
    if compiled is None:
        return None
    raw = await connection.get_raw_connection()
    given = {**compiled.constants, **values}  # a value given overrides one the statement holds
    try:
        parameters = [bind(given[name]) if bind else given[name]
                      for name, bind in zip(compiled.names, compiled.binds, strict=True)]
    except KeyError as missing:
        raise exc.InvalidRequestError(f"A value is required for bind parameter {missing}") from None
    if dialect.name == "postgresql":
        if in_transaction and not await _on_postgresql(connection, raw, "BEGIN",
                                                        lambda _: _begun(raw.dbapi_connection)):
            return None  # an adapter that cannot be asked to begin: the session's way
        _announce(connection, compiled.sql)
        found, results = await _on_postgresql(connection, raw, compiled.sql,
                                              lambda driver: _pg_select(dialect, driver, statement, compiled, parameters))
    else:
        _announce(connection, compiled.sql)
        found = await _on_sqlite(raw.driver_connection, compiled.sql, tuple(parameters))
        results = compiled.results
        assert results is not None
    processed = _processed(results, found)
    return _made(compiled.shape, processed)


async def written_rows(session: AsyncSession, statement: Any, **values: Any) -> list[tuple[Any, ...]] | None:
    """SQLite: the rows of `statement`, a write with RETURNING (built once; every value given
    here), run inside the session's transaction on its connection past SQLAlchemy's execution
    (the session's BEGIN goes with it if none was sent yet: `sqlite_driver`). For a row the
    session never holds and whose statement reads nothing the session has yet to flush (it is
    not flushed first): a filing's counter. None on another database: the caller runs it
    through the session.

    A filing's counter raised through the session went through the ORM's bulk insert, which
    builds its statement and that statement's cache key at each call: openCase took 10-14 %
    longer on SQLite (in process, paired, 2026-12-07)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    connection = await session.connection()
    dialect = connection.dialect
    sql, binds, results = _compiled(dialect, statement)
    parameters = tuple(p(values[name]) if p else values[name] for name, p in binds)
    raw = await connection.get_raw_connection()
    _announce(connection, sql)
    return _processed(results, await _on_sqlite(raw.driver_connection, sql, parameters))


async def _begun(adapted: Any) -> bool:
    """The transaction of SQLAlchemy's asyncpg adapter begun, as the adapter begins it before the
    first statement its cursor runs (`_start_transaction`, under the adapter's lock), unless it
    was: a read sent past the cursor is then inside it, and the adapter sends no second BEGIN.
    False, nothing sent, when the adapter is not one that begins so (these are SQLAlchemy's
    private members, as of 2.1): the caller goes the session's way. A failure is raised as the
    adapter raises it, the original error its cause (asyncpg's, with the SQLSTATE that says
    whether the connection was lost)."""
    start, lock = getattr(adapted, "_start_transaction", None), getattr(adapted, "_execute_mutex", None)
    if start is None or lock is None or not hasattr(adapted, "_transaction"):
        return False
    if adapted._transaction is None:  # noqa: SLF001 - the adapter's own record of its BEGIN
        async with lock:
            if adapted._transaction is None:  # noqa: SLF001
                await start()
    return True


async def _pg_select(dialect: Dialect, driver: Any, statement: Select[Any], compiled: _Select,
                     parameters: list[Any]) -> tuple[list[Any], tuple[Processor, ...]]:
    results = compiled.results
    if results is None:  # the types PostgreSQL gives the columns, from a prepare, once
        results = _results(dialect, statement, await driver.prepare(compiled.sql))
        _SELECTS[(dialect.name, id(statement))] = (statement, compiled._replace(results=results))
    return await driver.fetch(compiled.sql, *parameters), results


def _made(shape: tuple[tuple[type | None, tuple[str, ...]], ...],
          rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows as `shape` says: each entity's columns made into it (`_entities`)."""
    if not rows:
        return []
    columns: list[list[Any]] = []
    start = 0
    for entity, names in shape:
        end = start + len(names)
        if entity is None:
            columns.append([row[start] for row in rows])
        else:  # one object for each identity, as a session gives it
            made: dict[Any, Any] = {}
            columns.append([None if e is None else made.setdefault(instance_state(e).key, e)
                            for e in _joined(entity, names, [row[start:end] for row in rows])])
        start = end
    return list(zip(*columns, strict=True))


def _processed(results: Sequence[Processor], rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows with each column's result processor applied (most columns have none: text,
    numbers, booleans), as tuples."""
    if rows and len(rows[0]) != len(results):  # every row of a statement is as long
        raise exc.InvalidRequestError(f"a row of {len(rows[0])} columns read for {len(results)}")
    processors = [(i, p) for i, p in enumerate(results) if p is not None]
    if not processors:
        return [tuple(row) for row in rows]
    made = []
    for row in rows:
        values = list(row)
        for i, process in processors:
            values[i] = process(values[i])
        made.append(tuple(values))
    return made


def _announce(connection: AsyncConnection, sql: str) -> None:
    """Tell whoever listens to the engine's statements (`before_cursor_execute`: a test
    counting a page's statements, the bench) of one sent past it; nothing listens in service.
    Without a cursor or context, a listener's changed statement (`retval=True`) is not used, and
    no `after_cursor_execute` follows."""
    sync = connection.sync_connection
    if sync is not None and (sync._has_events or sync.engine._has_events):
        sync.dispatch.before_cursor_execute(sync, None, sql, None, None, False)


def _connection_failed(error: BaseException) -> bool:
    """A PostgreSQL error that means the connection itself cannot go on (class 08, or the
    server shutting down, crashed or unable to connect just now: 57P01-57P04), not that one
    statement was refused or cancelled."""
    state = getattr(error, "sqlstate", None) or ""
    return state[:2] == "08" or state in ("57P01", "57P02", "57P03", "57P04")


def _entities(entity: type[T], names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[T]:
    """`load`'s entities, made as SQLAlchemy's loading makes a row's new object: its dictionary
    filled and its identity key set; then, belonging to no session, each is detached with its
    values as committed (a new object has nothing changed or expired to clear)."""
    mapper = inspect(entity)
    new, identity = mapper.class_manager.new_instance, mapper._identity_class
    keys = tuple(names.index(c.key) for c in mapper.primary_key)
    made = []
    for row in rows:
        instance = new()
        state = instance_state(instance)
        state.dict.update(zip(names, row, strict=True))
        state.key = (identity, tuple(row[i] for i in keys), None)
        made.append(instance)
    return made


def _joined(entity: type[T], names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[T | None]:
    """`_entities` of `rows`, None for a row whose primary key is all NULL (an outer join that
    found nothing), as SQLAlchemy's loading gives it."""
    keys = tuple(names.index(c.key) for c in inspect(entity).primary_key)
    whole = [any(row[i] is not None for i in keys) for row in rows]
    made = iter(_entities(entity, names, [row for row, found in zip(rows, whole, strict=True) if found]))
    return [next(made) if found else None for found in whole]
