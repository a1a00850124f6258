"""What a transaction writes when it commits, in one round trip.

Rows nothing reads before the transaction commits — the outbox's jobs, the access log's CHANGE
entries, a filing's history entries, the dashboards' rollup sums (domain/stats/upkeep.py) — are
queued in the session (`queue`) and written by its `before_commit` hook (`write`, which every
`Database` gives its sessions) after the last flush, with what the session class's collectors
add then (a collector may read what was queued: `queued`). New ORM rows nothing reads or changes
before the commit (a filing's case and referral) are held the same way (`insert_at_commit`),
written first, every column as the row holds it, and seen by the collectors (`inserted`) as
a flush hook sees `Session.new`. Changed rows the transaction holds locked and reads no more (an
acted-on referral and its case) are written there too instead of flushed (`update_at_commit`),
by id and the version they were read at, and seen as a flush hook sees `Session.dirty`:

- PostgreSQL: one statement, each part a data-modifying CTE with its rows bound as one JSON
  document (orjson; `json_to_recordset`, the columns typed as the table's) and a DELETE's keys
  as an array; compiled once per shape and sent to the driver as it is (building the
  statement's cache key and passing values through SQLAlchemy's type processing cost more
  than the database's work on them). The rows had been bound as one array a column: asyncpg
  checks each element of an array against three abstract base classes, about 1 µs an element,
  0.3 ms for an acceptance's 357. An UPDATE is a CTE a row (`_pg_statement`), and the
  statement's first columns count the rows each found.
- SQLite: one statement per part, all run in one call on aiosqlite's thread (through
  SQLAlchemy, one call each: domain/sqlite_driver.py); an UPDATE's rows counted there.

A collector may also ask for rows to be read in that round trip (`Read`: locked `FOR SHARE` on
PostgreSQL; a SQLite writer holds the database's write lock since its BEGIN IMMEDIATE) and be
given them afterwards. A rollback forgets what was queued (`forget`). The rows' ids are never
read back: a part is for rows whose writer needs nothing from them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import aiosqlite
import orjson
from sqlalchemy import (JSON, BigInteger, Integer, String, Table, Text, Uuid, bindparam, cast, column, delete, exc,
                        func, inspect, literal, or_, select, true, update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.util.concurrency import await_

INSERT, ADD, REPLACE, LATEST, DELETE, UPDATE = "insert", "add", "replace", "latest", "delete", "update"


@dataclass(frozen=True)
class Part:
    """How queued rows of one table are written: `columns` bound per row, in order.

    - INSERT: plain inserts;
    - ADD: on a conflict on `key`, the other columns are added to the stored ones;
    - REPLACE: on a conflict on `key`, the other columns replace the stored ones;
    - LATEST: on a conflict on `key`, each other column keeps the greater value;
    - DELETE: the rows whose `columns[0]` is one of the values given;
    - UPDATE: `columns` set in the stored row whose `key` columns hold the values given as
      `WHERE_PREFIX` + name (`update_at_commit`: its id and the version it was read at), each
      row found or the commit refused (`StaleDataError`, as a flush refuses it).
    """

    table: Table
    kind: str
    columns: tuple[str, ...]
    key: tuple[str, ...] = ()


@dataclass(frozen=True)
class Read:
    """`columns` of the rows of `table` whose `match` column is one of `values`."""

    table: Table
    columns: tuple[str, ...]
    match: str
    values: tuple[str, ...]


@dataclass
class Collected:
    """What a collector adds at commit: rows by part, and a read with what to do with its rows."""

    rows: dict[Part, list[dict[str, Any]]] = field(default_factory=dict)
    read: Read | None = None
    then: Callable[[Any, list[tuple[Any, ...]]], None] | None = None  # (connection, rows read)


Collector = Callable[[Session], Collected | None]
_QUEUED = "khortor_commit_writes"
_NEW = "khortor_commit_new"  # new ORM rows inserted at commit (`insert_at_commit`)
_WRITTEN = "khortor_commit_written"  # those rows, written, until the commit ends
_HELD = "khortor_commit_updates"  # changed ORM rows to update at commit, with what they were held with
_UPDATING = "khortor_commit_updating"  # those the commit writes (`updated`)
WHERE_PREFIX = "k_"  # an UPDATE row's key values: the row's id and the version it was read at


def queue(session: Any, part: Part, rows: Sequence[dict[str, Any]]) -> None:
    """Write `rows` when the session's transaction commits (never if it rolls back)."""
    sync = getattr(session, "sync_session", session)
    if getattr(type(sync), "commit_collectors", None) is None:
        raise RuntimeError("this session does not write queued rows at commit: open it from a Database")
    sync.info.setdefault(_QUEUED, {}).setdefault(part, []).extend(rows)


def insert_at_commit(session: Any, rows: Sequence[Any]) -> None:
    """Insert new ORM rows, never added to the session, when its transaction commits: before
    everything else queued (which may name them), all their columns as the rows hold them.
    For rows nothing reads or changes before the commit (a filing's case and referral: two
    statements and the ORM's flush of them saved); the collectors see them (`inserted`) as a
    flush hook sees `Session.new`. Once committed they are detached, as a flushed row is once
    its session closes; if the transaction rolls back they stay new."""
    sync = getattr(session, "sync_session", session)
    if getattr(type(sync), "commit_collectors", None) is None:
        raise RuntimeError("this session does not write queued rows at commit: open it from a Database")
    sync.info.setdefault(_NEW, []).extend(rows)


def inserted(session: Session) -> list[Any]:
    """The rows `insert_at_commit` holds for this transaction, in order."""
    rows: list[Any] = session.info.get(_NEW, [])
    return rows


def update_at_commit(session: Any, rows: Sequence[Any]) -> None:
    """Write the changes of these persistent ORM rows when the transaction commits, in its one
    round trip, instead of flushing them (an acceptance's referral and case: two statements
    and the ORM's flush saved). For rows the transaction holds locked (PostgreSQL's `FOR
    UPDATE`; on SQLite the writer's lock since its BEGIN IMMEDIATE) and that nothing reads
    from the database before the commit. Each is written where its id and the version it was
    read at still match, as a flush writes it; a row not found refuses the commit with
    StaleDataError. The commit's collectors see them (`updated`) as a flush hook sees
    `Session.dirty`; the `after_flush` hooks and mapper events do not (today those concern new
    history entries and users' rows, never a referral's or a case's changes). When anything
    else is left to flush at the commit (a new or deleted row, another changed one), they are
    simply flushed with it. Their changes must not be read over before the commit (a query with
    `populate_existing` would put the stored values back): a held row found unchanged with
    other values than it was held with refuses the commit."""
    sync = getattr(session, "sync_session", session)
    if getattr(type(sync), "commit_collectors", None) is None:
        raise RuntimeError("this session does not write queued rows at commit: open it from a Database")
    for row in rows:
        state = instance_state(row)
        if not state.persistent or state.session is not sync:
            raise ValueError("update_at_commit takes rows read in this session (persistent in it)")
        sync.info.setdefault(_HELD, []).append((row, {a: state.dict.get(a) for a in _changed(row)}))


def updated(session: Session) -> list[Any]:
    """The changed rows `update_at_commit` writes at this commit (set by `write`, before the
    collectors run)."""
    rows: list[Any] = session.info.get(_UPDATING, [])
    return rows


def _held_updates(session: Session) -> list[Any]:
    """The rows to update at commit; none when the session has anything else to flush (then the
    last flush writes them with the rest, its hooks seeing them)."""
    unique = {id(row): (row, was) for row, was in session.info.pop(_HELD, ())}  # (models do not hash)
    held = []
    for row, was in unique.values():
        if _changed(row):
            held.append(row)
        elif any(instance_state(row).dict.get(a) != v for a, v in was.items()):
            raise RuntimeError(f"{type(row).__name__}'s changes held for the commit were read over "
                               "(a query with populate_existing?): nothing is committed")
    mine = {id(row) for row in held}
    if not held or session.new or session.deleted or any(id(row) not in mine for row in session.dirty):
        return []
    session.info[_UPDATING] = held
    return held


def _changed(row: Any) -> list[str]:
    """The column attributes of `row` changed since it was read or last flushed (set to another
    value: one set to what it held is no change, as a flush sees it)."""
    state = instance_state(row)
    now, attributes = state.dict, state.mapper.column_attrs
    return [a for a, was in state.committed_state.items() if a in attributes and now.get(a) != was]


def _update_rows(rows: list[Any]) -> dict[Part, list[dict[str, Any]]]:
    """An UPDATE part for each table and set of changed columns, a row each: the new values,
    and under `WHERE_PREFIX` the id and the version the row was read at."""
    parts: dict[Part, list[dict[str, Any]]] = {}
    for row in rows:
        state = instance_state(row)
        mapper, now, was = state.mapper, state.dict, state.committed_state
        every, attributes = _row_part(type(row))
        column = dict(zip(attributes, every.columns, strict=True))
        changed = sorted(_changed(row))
        values = {column[a]: now[a] for a in changed}
        where = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
        for attribute in where:
            values[WHERE_PREFIX + column[attribute]] = now[attribute]
        if mapper.version_id_col is not None:
            version = mapper.get_property_by_column(mapper.version_id_col).key
            values[WHERE_PREFIX + column[version]] = was.get(version, now[version])
            where.append(version)
        part = Part(mapper.local_table, UPDATE, tuple(column[a] for a in changed),  # type: ignore[arg-type]
                    tuple(column[a] for a in where))
        parts.setdefault(part, []).append(values)
    return parts


def write(session: Session) -> None:
    """The `before_commit` hook: the last changes flushed (their hooks may queue more), then
    everything inserted at commit, queued and collected written in one round trip."""
    held = _held_updates(session)
    if session.new or session.deleted or (session.dirty and not held):
        session.flush()
    collectors: tuple[Collector, ...] = type(session).commit_collectors  # type: ignore[attr-defined]
    collected = [c for c in (collect(session) for collect in collectors) if c is not None]
    new = session.info.pop(_NEW, [])
    taken: dict[Part, list[dict[str, Any]]] = session.info.pop(_QUEUED, {})
    parts: dict[Part, list[dict[str, Any]]] = {}
    for row in new:
        part, attributes = _row_part(type(row))
        parts.setdefault(part, []).append({n: getattr(row, a)
                                           for n, a in zip(part.columns, attributes, strict=True)})
    if new:
        session.info[_WRITTEN] = new
    for part, rows in _update_rows(held).items():
        parts.setdefault(part, []).extend(rows)
    for part, rows in taken.items():
        parts.setdefault(part, []).extend(rows)
    for c in collected:
        for part, rows in c.rows.items():
            parts.setdefault(part, []).extend(rows)
    parts = {part: rows for part, rows in parts.items() if rows}
    reads = [c.read for c in collected if c.read is not None]
    if not parts and not reads:
        return
    if len(reads) > 1:
        raise ValueError("one read per commit")
    connection = session.connection()
    read = reads[0] if reads else None
    if connection.dialect.name == "postgresql":
        found = _pg_run(connection, parts, read)
    else:
        found = _sqlite_run(connection, parts, read)
    for row in held:  # written: left as a flush leaves a row (SQLAlchemy's own step for it),
        state = instance_state(row)  # its values now the committed ones, no longer dirty
        state._commit_all(state.dict, session.identity_map)
    for c in collected:
        if c.then is not None:
            c.then(connection, found if c.read is not None else [])


def queued(session: Session, part: Part) -> list[dict[str, Any]]:
    """The rows queued for `part` so far (a collector reads them: they are written with its own)."""
    rows: list[dict[str, Any]] = session.info.get(_QUEUED, {}).get(part, [])
    return rows


def forget(session: Session, _previous: Any) -> None:
    """The `after_soft_rollback` hook: a transaction rolled back writes nothing it queued."""
    for key in (_QUEUED, _NEW, _WRITTEN, _HELD, _UPDATING):
        session.info.pop(key, None)


def committed(session: Session) -> None:
    """The `after_commit` hook: the rows inserted at commit are stored, detached."""
    session.info.pop(_HELD, None)
    session.info.pop(_UPDATING, None)
    for row in session.info.pop(_WRITTEN, ()):
        make_transient_to_detached(row)


@lru_cache(maxsize=32)
def _row_part(model: type) -> tuple[Part, tuple[str, ...]]:
    """The INSERT part of `model`'s table, every column, and the attribute holding each."""
    mapper = inspect(model)
    columns = [(str(prop.columns[0].name), prop.key) for prop in mapper.column_attrs]
    return (Part(mapper.local_table, INSERT, tuple(c for c, _ in columns)),  # type: ignore[arg-type]
            tuple(a for _, a in columns))


def _on_conflict(ins: Any, part: Part, greater: Any) -> Any:
    """`ins` with the part's rule on a conflict on its key (ADD, REPLACE, LATEST)."""
    t = part.table
    rule = {ADD: lambda n: t.c[n] + ins.excluded[n], REPLACE: lambda n: ins.excluded[n],
            LATEST: lambda n: greater(t.c[n], ins.excluded[n])}.get(part.kind)
    if rule is None:
        return ins
    return ins.on_conflict_do_update(index_elements=list(part.key),
                                     set_={n: rule(n) for n in part.columns if n not in part.key})


# --- PostgreSQL: one statement ----------------------------------------------------------------

def _pg_run(connection: Any, parts: dict[Part, list[dict[str, Any]]], read: Read | None) -> list[tuple[Any, ...]]:
    # An UPDATE is a statement a row (see `_pg_statement`): its number of rows is in the shape.
    shape = tuple((part, len(rows) if part.kind == UPDATE else 0) for part, rows in parts.items())
    sql, names, defaults = _pg_sql(connection.dialect, shape, read)
    params: dict[str, Any] = {}
    for i, (part, rows) in enumerate(parts.items()):
        if part.kind == UPDATE:
            for j, r in enumerate(rows):
                params[f"p{i}_{j}"] = orjson.dumps({n: r[n] for n in _given(part)}, default=_json_value,
                                                   option=orjson.OPT_PASSTHROUGH_DATETIME).decode()
        elif part.kind == DELETE:
            params[f"p{i}"] = [r[part.columns[0]] for r in rows]
        else:
            columns = _given(part)
            params[f"p{i}"] = orjson.dumps([{n: r[n] for n in columns} for r in rows],
                                           default=_json_value, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()
    result = [tuple(r) for r in connection.exec_driver_sql(
        sql, tuple(params[n] if n in params else defaults[n] for n in names))]
    expected = [len(rows) for part, rows in parts.items() if part.kind == UPDATE]
    if expected:  # the statement's first columns: how many rows each UPDATE found
        _check_updated(list(result[0][:len(expected)]), expected, [p for p in parts if p.kind == UPDATE])
        result = [r[len(expected):] for r in result]
        if read is not None and len(result) == 1 and all(v is None for v in result[0]):
            result = []  # the read found nothing: its columns are the outer join's NULLs
    return result if read is not None else []


def _given(part: Part) -> tuple[str, ...]:
    """The names each row of `part` gives: its columns, and an UPDATE's key under WHERE_PREFIX."""
    if part.kind != UPDATE:
        return part.columns
    return (*part.columns, *(WHERE_PREFIX + k for k in part.key))


def _stored(part: Part, name: str) -> str:
    """The column a given name is the value of (an UPDATE's key under WHERE_PREFIX)."""
    return name if name in part.columns else name.removeprefix(WHERE_PREFIX)


def _check_updated(found: list[int], expected: list[int], parts: list[Part]) -> None:
    """Each UPDATE part found its rows (by id and the version they were read at), or the
    commit is refused as a flush refuses it."""
    for n, wanted, part in zip(found, expected, parts, strict=True):
        if n != wanted:
            raise StaleDataError(f"UPDATE of {part.table.name} at commit matched {n} of {wanted} rows "
                                 "(changed since it was read)")


def _json_value(value: Any) -> Any:
    """What orjson is not to write itself: an instant (aware only, as a stored instant must
    be: UTCDateTime refuses a naive one too), an amount (a Decimal) as its exact text, and an
    id read back by asyncpg (its own subclass of UUID)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored as an instant")
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, bytes):  # bytea's hex form (a sealed citizen's name)
        return "\\x" + value.hex()
    raise TypeError(f"{type(value).__name__} cannot be written at commit")


def _array(column: Any) -> Any:
    kind = getattr(column.type, "impl", column.type)  # a TypeDecorator's stored type
    if isinstance(kind, Uuid):
        return ARRAY(Uuid())
    return ARRAY(BigInteger() if isinstance(kind, BigInteger) else Integer() if isinstance(kind, Integer) else String())


def _pg_update(t: Table, part: Part, name: str) -> Any:
    """An UPDATE part's statement for one row, its values the JSON object bound as `name`."""
    given = (func.json_to_record(cast(bindparam(name, type_=Text()), JSON))
             .table_valued(*[column(n, t.c[_stored(part, n)].type) for n in _given(part)])
             .render_derived(name="v", with_types=True))

    def value(n: str) -> Any:
        return select(given.c[n]).scalar_subquery()
    return (update(t).values({n: value(n) for n in part.columns})
            .where(*[t.c[k] == value(WHERE_PREFIX + k) for k in part.key]).returning(literal(1)))


@lru_cache(maxsize=256)
def _pg_sql(dialect: Any, shape: tuple[tuple[Part, int], ...], read: Read | None,
            ) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The statement for parts `shape` (and `read`) compiled once: its SQL, its parameters'
    names in order and the values of those the statement carries itself."""
    compiled = _pg_statement(shape, read).compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params)


def _pg_statement(shape: tuple[tuple[Part, int], ...], read: Read | None) -> Any:
    ctes, counts = [], []
    for i, (part, updates) in enumerate(shape):
        t = part.table
        if part.kind == UPDATE:
            # A statement a row, its values one JSON object, the key compared with scalars: the
            # row is then found by its primary key. Joined to json_to_recordset, whose rows
            # PostgreSQL cannot count in advance, the UPDATE doubled the commit's time.
            changed = [_pg_update(t, part, f"p{i}_{j}").cte(f"w{i}_{j}") for j in range(updates)]
            ctes.extend(changed)
            counts.append(sum((select(func.count()).select_from(c).scalar_subquery() for c in changed[1:]),
                              select(func.count()).select_from(changed[0]).scalar_subquery()))
            continue
        if part.kind == DELETE:
            key = part.columns[0]
            gone = delete(t).where(t.c[key] == func.any(bindparam(f"p{i}", type_=_array(t.c[key]))))
            ctes.append(gone.returning(literal(1)).cte(f"w{i}"))
            continue
        rows = (func.json_to_recordset(cast(bindparam(f"p{i}", type_=Text()), JSON))
                .table_valued(*[column(n, t.c[n].type) for n in part.columns])
                .render_derived(name=f"r{i}", with_types=True))
        chosen = select(*[rows.c[n] for n in part.columns])
        ins = _on_conflict(postgresql.insert(t).from_select(list(part.columns), chosen), part, func.greatest)
        ctes.append(ins.returning(literal(1)).cte(f"w{i}"))
    if read is not None:
        t = read.table
        held = (select(*[t.c[n] for n in read.columns])
                .where(or_(*[t.c[read.match] == v for v in read.values]))  # no IN: compiled once
                .with_for_update(read=True).cte("r"))
        stmt = select(*[held.c[n] for n in read.columns])
        if counts:  # a row with the counts even when the read finds nothing
            one = select(literal(1).label("one")).subquery("one")
            stmt = select(*counts, *[held.c[n] for n in read.columns]).select_from(
                one.outerjoin(held, true()))
    else:
        stmt = select(*counts) if counts else select(literal(1))
    for cte in ctes:
        stmt = stmt.add_cte(cte)
    return stmt


# --- SQLite: one call on aiosqlite's thread ---------------------------------------------------

Processors = tuple[tuple[str, Callable[[Any], Any] | None], ...]


def _sqlite_run(connection: Any, parts: dict[Part, list[dict[str, Any]]], read: Read | None,
                ) -> list[tuple[Any, ...]]:
    dialect = connection.dialect
    batches = []
    for part, rows in parts.items():
        sql, processors = _sqlite_sql(dialect, part)
        batches.append((sql, [tuple(p(r[n]) if p else r[n] for n, p in processors) for r in rows]))
    updates = [(i, part, len(rows)) for i, (part, rows) in enumerate(parts.items()) if part.kind == UPDATE]
    state, convert = _sqlite_read(dialect, read) if read is not None else (None, ())
    driver = connection.connection.driver_connection
    if not isinstance(driver, aiosqlite.Connection):  # the engine is made by domain/db.create_engine
        raise TypeError(f"commit writes expect aiosqlite, not {type(driver).__name__}")
    try:
        found, changed = await_(driver._execute(_run, driver, batches, state))  # aiosqlite's own "run on my thread"
    except aiosqlite.Error as error:  # as SQLAlchemy would raise it; the rows stay out of the message
        raise exc.DBAPIError.instance(getattr(error, "statement", None), None, error, aiosqlite.Error) from error
    _check_updated([changed[i] for i, _, _ in updates], [n for _, _, n in updates], [p for _, p, _ in updates])
    return [tuple(f(v) if f else v for f, v in zip(convert, row, strict=True)) for row in found]


def _run(driver: aiosqlite.Connection, batches: list[tuple[str, list[tuple[Any, ...]]]], state: str | None,
         ) -> tuple[list[tuple[Any, ...]], list[int]]:
    """On aiosqlite's thread, inside the transaction SQLAlchemy began on that connection: the
    read's rows, and how many rows each batch changed."""
    conn = driver._conn
    sql: str | None = None  # the statement running, named in the error if it fails
    changed = []
    try:
        for sql, params in batches:
            changed.append(conn.executemany(sql, params).rowcount)
        sql = state
        return (conn.execute(state).fetchall() if state is not None else []), changed
    except aiosqlite.Error as error:
        error.statement = sql  # type: ignore[attr-defined]  # which one failed, for the message
        raise


@lru_cache(maxsize=64)
def _sqlite_sql(dialect: Any, part: Part) -> tuple[str, Processors]:
    """A part's SQLite statement and, for each of its parameters in order, the column it binds
    and that column type's bind processor for the dialect (what SQLAlchemy does to the value)."""
    t = part.table
    if part.kind == DELETE:
        column = part.columns[0]
        stmt = delete(t).where(t.c[column] == bindparam(column))
    elif part.kind == UPDATE:
        stmt = update(t).where(*[t.c[k] == bindparam(WHERE_PREFIX + k) for k in part.key])
    else:
        stmt = _on_conflict(sqlite.insert(t), part, func.max)  # SQLite's max(a, b) is the greater
    compiled = stmt.compile(dialect=dialect, column_keys=list(part.columns))
    order = tuple(compiled.positiontup or ())
    if set(order) != set(part.columns[:1] if part.kind == DELETE else _given(part)):
        raise AssertionError(f"{t.name}: {order} bound, {_given(part)} given")
    return str(compiled), tuple((n, t.c[_stored(part, n)].type.dialect_impl(dialect).bind_processor(dialect))
                                for n in order)


@lru_cache(maxsize=8)
def _sqlite_read(dialect: Any, read: Read) -> tuple[str, tuple[Callable[[Any], Any] | None, ...]]:
    t = read.table
    columns = [t.c[n] for n in read.columns]
    stmt = select(*columns).where(or_(*[t.c[read.match] == v for v in read.values]))
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return sql, tuple(col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns)
