"""Writing a transaction's rollup sums (domain/stats/upkeep.py): the statements, each built once.

- PostgreSQL: every write of a commit is one statement (data-modifying CTEs, each table's rows
  bound as arrays and unnested), compiled once and sent to the driver as it is (`_pg_sql`).
- SQLite: every statement of a commit runs in one call on aiosqlite's thread (`_sqlite_write`).
  Through SQLAlchemy each statement costs about three hops between the event loop and that
  thread (cursor, execute, close), and those hops cost more than SQLite's work on the rows.

When `marking`, both also read the calendar key's and the deadlines mark's rows of
`stats_rollup_state` in the same round trip (`FOR SHARE` on PostgreSQL; on SQLite the write
transaction holds the database's write lock since its BEGIN IMMEDIATE): the upkeep counted the
transaction's referral changes against those its process last saw and corrects them if either
had moved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import aiosqlite
from sqlalchemy import BigInteger, DateTime, Integer, String, Uuid, bindparam, case, delete, exc, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.util.concurrency import await_

from domain.stats.cell_models import (StatsCaseCell, StatsCoverage, StatsDurationBin, StatsLastActivity,
                                      StatsOpenDay, StatsOpenReferral, StatsReferralCell, StatsRollupState,
                                      StatsVolunteerCell)

DURATIONS = "durations"
MARK = "deadlines"  # `built_at`: the deadlines passed by then are in the cells (`*_passed`)
KEYS = {  # a cell table → the columns of its key
    StatsCaseCell: ("grain", "period", "area", "category_code", "status"),
    StatsOpenDay: ("grain", "area", "status", "day"),
    StatsReferralCell: ("grain", "period", "area", "category_code", "org_unit_code"),
    StatsDurationBin: ("grain", "period", "area", "measure", "width", "bin"),
    StatsVolunteerCell: ("filed_by_id", "province_code", "period"),
    StatsCoverage: ("subdistrict_code",),
}
FIGURES = {  # a cell table → the columns it sums
    StatsCaseCell: ("n", "satang", "satisfaction_count", "satisfaction_sum", "escalated_open"),
    StatsOpenDay: ("n",),
    StatsReferralCell: ("n", "accepted", "accepted_on_time", "completed", "resolved_on_time", "pending_passed",
                        "open_passed", "current_passed"),
    StatsDurationBin: ("n",),
    StatsVolunteerCell: ("n", "open", "satisfaction_count", "satisfaction_sum"),
    StatsCoverage: ("volunteers",),
}
OPEN_COLUMNS = tuple(col.name for col in StatsOpenReferral.__table__.c)  # type: ignore[attr-defined]
_STATE = StatsRollupState.__table__  # type: ignore[attr-defined]
_STATE_COLUMNS = (_STATE.c.name, _STATE.c.calendar_key, _STATE.c.built_at)


def write(connection: Any, rows: dict[Any, list[dict[str, Any]]], closed: list[Any], kept: list[dict[str, Any]],
          last: list[tuple[Any, Any]], marking: bool) -> list[tuple[Any, ...]]:
    """Add `rows` (per cell table) to the cells, delete the `closed` open referrals' rows,
    insert or replace the `kept` ones, move people's last activity to `last` (actor id, at) when
    later; when `marking`, the state rows (name, calendar_key, built_at) of the calendar key
    and the deadlines mark, else []."""
    if connection.dialect.name == "postgresql":
        return _pg_run(connection, rows, closed, kept, last, marking)
    return _sqlite_write(connection, rows, closed, kept, last, marking)


def add(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Add `rows` to `table`'s cells through SQLAlchemy (a correction, the mark's sweep)."""
    if rows:
        connection.execute(upsert(connection.dialect.name, table), rows)


def _pg_run(connection: Any, rows: dict[Any, list[dict[str, Any]]], closed: list[Any], kept: list[dict[str, Any]],
            last: list[tuple[Any, Any]], marking: bool) -> list[tuple[Any, ...]]:
    sql, names, defaults = _pg_sql(connection.dialect, tuple(rows), bool(closed), bool(kept), bool(last), marking)
    params: dict[str, Any] = {"closed": closed}
    params["last_actor_id"], params["last_at"] = [a for a, _ in last], [t for _, t in last]
    for table, table_rows in rows.items():
        for name in KEYS[table] + FIGURES[table]:
            params[f"{table.__tablename__}_{name}"] = [r[name] for r in table_rows]
    for name in OPEN_COLUMNS:
        params[f"open_{name}"] = [r[name] for r in kept]
    result = connection.exec_driver_sql(sql, tuple(params[n] if n in params else defaults[n] for n in names))
    return [tuple(r) for r in result] if marking else []


def _sqlite_write(connection: Any, rows: dict[Any, list[dict[str, Any]]], closed: list[Any],
                  kept: list[dict[str, Any]], last: list[tuple[Any, Any]], marking: bool) -> list[tuple[Any, ...]]:
    dialect = connection.dialect
    batches = []
    for table, table_rows in rows.items():
        batches.append(_batch(_sqlite_sql(dialect, "cells", table), table_rows))
    if closed:
        batches.append(_batch(_sqlite_sql(dialect, "closed", None), [{"referral_id": k} for k in closed]))
    if kept:
        batches.append(_batch(_sqlite_sql(dialect, "open", None), kept))
    if last:
        batches.append(_batch(_sqlite_sql(dialect, "last", None), [{"actor_id": a, "at": t} for a, t in last]))
    state, convert = _sqlite_state(dialect) if marking else (None, ())
    driver = connection.connection.driver_connection
    if not isinstance(driver, aiosqlite.Connection):  # the engine is made by domain/db.create_engine
        raise TypeError(f"rollup upkeep expects aiosqlite, not {type(driver).__name__}")
    try:
        found = await_(driver._execute(_run, driver, batches, state))  # aiosqlite's own "run on my thread"
    except aiosqlite.Error as error:  # as SQLAlchemy would raise it; the rows stay out of the message
        raise exc.DBAPIError.instance(getattr(error, "statement", None), None, error, aiosqlite.Error) from error
    return [tuple(f(v) if f else v for f, v in zip(convert, row, strict=True)) for row in found]


def _run(driver: aiosqlite.Connection, batches: list[tuple[str, list[tuple[Any, ...]]]], state: str | None,
         ) -> list[tuple[Any, ...]]:
    """On aiosqlite's thread, inside the transaction SQLAlchemy began on that connection."""
    conn = driver._conn
    sql = state
    try:
        for sql, params in batches:
            conn.executemany(sql, params)
        sql = state
        return conn.execute(state).fetchall() if state is not None else []
    except aiosqlite.Error as error:
        error.statement = sql  # type: ignore[attr-defined]  # which one failed, for the message
        raise


Processors = tuple[tuple[str, Callable[[Any], Any] | None], ...]


def _batch(compiled: tuple[str, Processors], rows: Sequence[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
    sql, processors = compiled
    return sql, [tuple(p(r[name]) if p else r[name] for name, p in processors) for r in rows]


@lru_cache(maxsize=32)
def _sqlite_sql(dialect: Any, what: str, table: Any) -> tuple[str, Processors]:
    """A statement's SQLite text and, for each of its parameters in order, the column it binds
    and that column type's bind processor for the dialect (what SQLAlchemy does to the value)."""
    if what == "cells":
        t, names, stmt = table.__table__, KEYS[table] + FIGURES[table], upsert("sqlite", table)
    elif what == "closed":
        t = StatsOpenReferral.__table__  # type: ignore[attr-defined]
        names, stmt = ("referral_id",), delete(t).where(t.c.referral_id == bindparam("referral_id"))
    elif what == "open":
        t, names, stmt = StatsOpenReferral.__table__, OPEN_COLUMNS, _replace("sqlite")  # type: ignore[attr-defined]
    else:
        t, names, stmt = StatsLastActivity.__table__, ("actor_id", "at"), _latest("sqlite")  # type: ignore[attr-defined]
    compiled = stmt.compile(dialect=dialect, column_keys=list(names))
    order = tuple(compiled.positiontup or ())
    if set(order) != set(names):
        raise AssertionError(f"{t.name}: {order} bound, {names} given")
    return str(compiled), tuple((name, t.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in order)


@lru_cache(maxsize=4)
def _sqlite_state(dialect: Any) -> tuple[str, tuple[Callable[[Any], Any] | None, ...]]:
    stmt = select(*_STATE_COLUMNS).where(or_(_STATE.c.name == DURATIONS, _STATE.c.name == MARK))
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return sql, tuple(col.type.dialect_impl(dialect).result_processor(dialect, None) for col in _STATE_COLUMNS)


def _array(column: Any) -> Any:
    kind = getattr(column.type, "impl", column.type)  # a TypeDecorator's stored type
    if isinstance(kind, DateTime):
        return ARRAY(DateTime(timezone=True))
    if isinstance(kind, Uuid):
        return ARRAY(Uuid())
    return ARRAY(BigInteger() if isinstance(kind, BigInteger) else Integer() if isinstance(kind, Integer) else String())


@lru_cache(maxsize=4)
def _latest(dialect: str) -> Any:
    """A person's last history entry: the later of the stored one and this transaction's."""
    t = StatsLastActivity.__table__  # type: ignore[attr-defined]
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t)
    return stmt.on_conflict_do_update(index_elements=["actor_id"], set_={
        "at": case((stmt.excluded.at > t.c.at, stmt.excluded.at), else_=t.c.at)})


@lru_cache(maxsize=256)
def _pg_sql(dialect: Any, tables: tuple[Any, ...], closing: bool, keeping: bool, touching: bool, marking: bool,
            ) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """`_pg_write` compiled once: its SQL, its parameters' names in order and the values of those
    the statement carries itself. Sent to the driver as it is (`exec_driver_sql`): building the
    statement's cache key and handing each array through SQLAlchemy's type processing cost more
    than the database's work on it (and asyncpg takes the arrays as they are)."""
    compiled = _pg_write(tables, closing, keeping, touching, marking).compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params)


def _pg_write(tables: tuple[Any, ...], closing: bool, keeping: bool, touching: bool, marking: bool) -> Any:
    """PostgreSQL: every upsert (and the open referrals' deletes and replacements) of a commit as
    data-modifying CTEs of one statement, each table's rows bound as arrays and unnested; when
    `marking`, it also locks the calendar key's and the deadlines mark's rows `FOR SHARE` and
    answers them (name, calendar_key, built_at)."""
    ctes = []
    for table in tables:
        t = table.__table__
        names = KEYS[table] + FIGURES[table]
        chosen = select(*[func.unnest(bindparam(f"{t.name}_{n}", type_=_array(t.c[n]))) for n in names])
        ins = postgresql.insert(t).from_select(list(names), chosen)
        ins = ins.on_conflict_do_update(index_elements=list(KEYS[table]),
                                        set_={n: t.c[n] + ins.excluded[n] for n in FIGURES[table]})
        ctes.append(ins.returning(literal(1)).cte(f"w_{t.name}"))
    t = StatsOpenReferral.__table__  # type: ignore[attr-defined]
    if closing:
        gone = delete(t).where(t.c.referral_id == func.any(bindparam("closed", type_=ARRAY(Uuid()))))
        ctes.append(gone.returning(literal(1)).cte("w_closed"))
    if keeping:
        chosen = select(*[func.unnest(bindparam(f"open_{n}", type_=_array(t.c[n]))) for n in OPEN_COLUMNS])
        ins = postgresql.insert(t).from_select(list(OPEN_COLUMNS), chosen)
        ins = ins.on_conflict_do_update(index_elements=["referral_id"],
                                        set_={n: ins.excluded[n] for n in OPEN_COLUMNS if n != "referral_id"})
        ctes.append(ins.returning(literal(1)).cte("w_open"))
    if touching:
        a = StatsLastActivity.__table__  # type: ignore[attr-defined]
        chosen = select(func.unnest(bindparam("last_actor_id", type_=ARRAY(Uuid()))),
                        func.unnest(bindparam("last_at", type_=ARRAY(DateTime(timezone=True)))))
        ins = postgresql.insert(a).from_select(["actor_id", "at"], chosen)
        ins = ins.on_conflict_do_update(index_elements=["actor_id"],
                                        set_={"at": func.greatest(a.c.at, ins.excluded.at)})
        ctes.append(ins.returning(literal(1)).cte("w_last"))
    if marking:
        mark = (select(*_STATE_COLUMNS)
                .where(or_(_STATE.c.name == DURATIONS, _STATE.c.name == MARK))  # no IN: compiled once
                .with_for_update(read=True).cte("w_mark"))
        stmt = select(mark.c.name, mark.c.calendar_key, mark.c.built_at)
    else:
        stmt = select(literal(1))
    for cte in ctes:
        stmt = stmt.add_cte(cte)
    return stmt


@lru_cache(maxsize=4)
def _replace(dialect: str) -> Any:
    """Insert or replace an open referral's row, one statement built once per dialect."""
    t = StatsOpenReferral.__table__  # type: ignore[attr-defined]
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(t)
    return stmt.on_conflict_do_update(index_elements=["referral_id"],
                                      set_={col.name: stmt.excluded[col.name] for col in t.c if col.name != "referral_id"})


@lru_cache(maxsize=16)
def upsert(dialect: str, table: Any) -> Any:
    """One statement per table and dialect, built once (building it cost more than running it)."""
    t = table.__table__
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(t)
    return stmt.on_conflict_do_update(index_elements=list(KEYS[table]),
                                      set_={name: t.c[name] + stmt.excluded[name] for name in FIGURES[table]})
