"""Engine, column types and sessions shared by every feature package."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, event, exc, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime, TypeDecorator

from domain import commit_writes, sqlite_driver
from domain.quick_reads import QuickReads


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """The instant in UTC. On SQLite the column's own processor writes its fields (the
        zone dropped) as text."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value if value.tzinfo is UTC else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value if value.tzinfo is UTC else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], datetime | None]:
        """On SQLite the text read as UTC in one step: `replace(tzinfo=UTC)` on the parsed value
        took 1.4 µs, seven times the parse, and a page of cases holds some 500 instants. Text of
        another form goes the general way. On PostgreSQL (asyncpg gives instants in UTC) a value
        in UTC is returned as it is, without the general way's two calls."""
        general = super().result_processor(dialect, coltype)
        assert general is not None
        if dialect.name != "sqlite":
            def in_utc(value: Any) -> datetime | None:  # PostgreSQL's are in UTC already: one call, not two
                return value if value is None or value.tzinfo is UTC else general(value)  # type: ignore[no-any-return]
            return in_utc

        def process(value: Any) -> datetime | None:
            try:
                parsed = _from_iso(value + "+00:00")
            except (TypeError, ValueError):
                return general(value)  # type: ignore[no-any-return]
            # A date alone ("2026-01-02+00:00") parses as a naive midnight.
            return parsed if parsed.tzinfo is UTC else general(value)  # type: ignore[no-any-return]
        return process


_from_iso = datetime.fromisoformat


def create_engine(url: str, *, ping_every_checkout: bool = False, **kwargs: Any) -> AsyncEngine:
    """An engine for `url`. On PostgreSQL a pooled connection is pinged before use when it sat
    idle (`_ping_when_idle`), or at every checkout with `ping_every_checkout`: the report
    database's, whose refusal must show before a report starts (ReportSessions falls back to
    the primary then, and not after a query failed).

    A failed statement's error names its SQL but not its values (`hide_parameters`): they
    may be a citizen's name or a note's free text, and the error may reach a log."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        for postgresql_only in ("pool_size", "max_overflow"):  # SQLite keeps SQLAlchemy's pool
            kwargs.pop(postgresql_only, None)
        engine = _sqlite_engine(url, **kwargs)
        _make_sqlite_transactional(engine)
        return engine
    engine = create_async_engine(url, pool_pre_ping=ping_every_checkout, **kwargs)
    if not ping_every_checkout:
        _ping_when_idle(engine, IDLE_PING_SECONDS)
    return engine


def _sqlite_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """SQLAlchemy's aiosqlite dialect on `sqlite_driver`'s connections (a statement is one hop
    to aiosqlite's thread, not four), opened with the arguments the dialect reads off `url`."""
    given = kwargs.pop("connect_args", {})

    async def connect() -> sqlite_driver.Connection:
        args, named = engine.sync_engine.dialect.create_connect_args(engine.sync_engine.url)
        return await sqlite_driver.connect(*args, **{**named, "timeout": 30, **given})

    engine = create_async_engine(url, async_creator=connect, **kwargs)
    return engine


# A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 5.0


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for the connections that need it: one that sat in the
    pool longer than `idle_seconds` (the database may have restarted, or a proxy or firewall
    dropped it) is pinged at checkout, and replaced when the ping fails. SQLAlchemy's
    `pool_pre_ping` pinged at every checkout: a round trip (~0.35 ms here) on each of the
    several checkouts of every request. A connection used moments ago that the database
    dropped meanwhile fails its statement instead; SQLAlchemy then sees the disconnect and
    replaces every pooled connection, and the request is answered 503 and sent again
    (api/unavailable.py)."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["khortor_idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("khortor_idle_since")
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool drops this one and takes a new connection
            raise exc.DisconnectionError("an idle pooled connection did not answer") from error


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    """SQLite: real BEGINs, WAL, foreign keys; writers take the write lock up front.

    A unit of work starts with BEGIN IMMEDIATE, so two concurrent writers queue on the
    busy timeout instead of failing with "database is locked" when one upgrades a read
    lock. Reads use a plain BEGIN and, in WAL mode, never wait for a writer. The BEGIN goes
    to aiosqlite's thread with the transaction's first statement (`sqlite_driver`). A
    connection with the `khortor_alone` option (read sessions) sends none: each statement is
    its own transaction.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("khortor_alone", False):  # each statement its own transaction
            return
        driver: sqlite_driver.Connection = connection.connection.driver_connection
        driver.begin_with_next("BEGIN IMMEDIATE" if options.get("khortor_write", False) else "BEGIN")


def _quick_reads(engine: AsyncEngine) -> QuickReads | None:
    """SQLite's connection for single-statement reads (domain/quick_reads.py); None on
    PostgreSQL and for a database in memory, which a second connection would not share."""
    sync = engine.sync_engine
    if sync.dialect.name != "sqlite":
        return None
    args, named = sync.dialect.create_connect_args(sync.url)
    where = str(args[0]) if args else ":memory:"
    if where in ("", ":memory:") or "mode=memory" in where:
        return None
    return QuickReads(sync.dialect, (args, named))


FlushHook = Callable[[Session, Any, Any], None]
AfterFlushHook = Callable[[Session, Any], None]
SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# A report database (read replica) that failed is tried again after this long; meanwhile the
# reports read from the primary. A replica that does not even refuse is given this long to connect.
REPORT_RETRY_SECONDS = 30.0
REPORT_CONNECT_TIMEOUT_SECONDS = 3.0
# How far a replica's data is behind its primary: 0 when it has applied all it received,
# else the age of the last transaction it applied; NULL on a primary.
REPLICA_LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0"
    " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END")
log = logging.getLogger("khortor.db")


class ReportSessions:
    """Sessions for reports (dashboards, exports) on the report database while it answers.

    When it does not (it is down, restarting or unreachable), the session is opened on the
    primary instead and a warning is logged once; the report database is tried again after
    `retry_seconds`. Reports therefore keep working on a replica outage, only slower for the
    filing path. A failure after the connection was made (mid-query) is not retried.
    """

    def __init__(self, reports: async_sessionmaker[AsyncSession], primary: SessionFactory,
                 retry_seconds: float = REPORT_RETRY_SECONDS) -> None:
        self.reports = reports
        self.primary = primary
        self.retry_seconds = retry_seconds
        self.failed_at: float | None = None  # monotonic time of the last failure, while failing

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        session = await self._on_reports()
        async with session if session is not None else self.primary() as opened:
            yield opened

    async def _on_reports(self) -> AsyncSession | None:
        now = time.monotonic()
        if self.failed_at is not None and now - self.failed_at < self.retry_seconds:
            return None
        session = self.reports()
        try:
            await session.connection()
        except Exception as error:  # any failure to connect: the primary answers instead
            await session.close()
            if self.failed_at is None:
                log.warning("report database unavailable (%s): reports read from the primary "
                            "database, retrying in %.0f s", type(error).__name__, self.retry_seconds)
            self.failed_at = now
            return None
        if self.failed_at is not None:
            log.warning("report database answers again: reports read from it")
            self.failed_at = None
        return session


class Database:
    """One engine and its session factories: short reads, reads in one transaction and units
    of work; and the sessions for reports.

    `read_sessions` are for reads that need nothing of a transaction: each of their statements
    runs on its own (autocommit), which saves the BEGIN and the ROLLBACK, two round trips of a
    session's three for a one-statement read on PostgreSQL (on SQLite, two calls on
    aiosqlite's thread). PostgreSQL's READ COMMITTED gives each statement of a transaction its
    own snapshot anyway, so such reads see what they saw before; on SQLite they do so since
    2026-12-07 (before, a read session was one snapshot there, and no code could count on it
    since PostgreSQL's never were). `read_transactions` open a transaction, for reads that set
    it up (one snapshot: REPEATABLE READ on PostgreSQL, `SET LOCAL`; on SQLite a BEGIN, in WAL
    mode a snapshot that never waits for a writer).

    `before_flush` and `after_flush` hooks run in every flush of this database's sessions,
    inside the transaction (domain/bootstrap.py passes the ones every process needs); an
    `after_flush` hook sees the rows the flush wrote as still new, and may write more.
    `session_events` listen to other events of those sessions (`before_commit`, …). What is
    queued to be written at commit (domain/commit_writes.py) is written by every session's
    `before_commit`, with what the `commit_collectors` add then, in one round trip.

    `report_sessions` open the dashboards' and exports' reads: on `report_url` (a PostgreSQL
    streaming replica, KHORTOR_READ_DATABASE_URL) when one is given, falling back to the
    primary while it does not answer (`ReportSessions`); otherwise they are `read_transactions`.
    Nothing is ever written through them: a replica refuses writes.
    """

    def __init__(self, url: str, *, report_url: str | None = None, before_flush: Sequence[FlushHook] = (),
                 after_flush: Sequence[AfterFlushHook] = (),
                 session_events: Sequence[tuple[str, Callable[..., Any]]] = (),
                 commit_collectors: Sequence[commit_writes.Collector] = (), **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        session_class: type[Session] = type("KhortorSession", (Session,),
                                            {"commit_collectors": tuple(commit_collectors)})
        event.listen(session_class, "before_commit", commit_writes.write)
        event.listen(session_class, "after_soft_rollback", commit_writes.forget)
        event.listen(session_class, "after_commit", commit_writes.committed)
        for hook in before_flush:
            event.listen(session_class, "before_flush", hook)
        for after in after_flush:
            event.listen(session_class, "after_flush", after)
        for name, listener in session_events:  # e.g. ("before_commit", f): other session events
            event.listen(session_class, name, listener)
        def sessions(bind: AsyncEngine) -> async_sessionmaker[AsyncSession]:
            return async_sessionmaker(bind, class_=AsyncSession, sync_session_class=session_class,
                                      expire_on_commit=False, autoflush=False)

        self.read_transactions = sessions(self.engine)
        self._autocommit = self.engine.execution_options(
            **({"isolation_level": "AUTOCOMMIT"} if self.engine.dialect.name == "postgresql"
               else {"khortor_alone": True}))  # SQLite: no BEGIN (_make_sqlite_transactional)
        self.read_sessions = sessions(self._autocommit)
        self._writes = self.engine.execution_options(khortor_write=True)
        self.write_sessions = sessions(self._writes)
        self.quick = _quick_reads(self.engine)
        self.report_url = report_url or url
        self.report_engine: AsyncEngine | None = None
        self.report_sessions: SessionFactory = self.read_transactions
        if report_url and report_url != url:
            connect = {} if report_url.startswith("sqlite") else {
                "connect_args": {"timeout": REPORT_CONNECT_TIMEOUT_SECONDS}}
            self.report_engine = create_engine(report_url, ping_every_checkout=True,
                                               **{**connect, **engine_kwargs})
            self.report_sessions = ReportSessions(
                async_sessionmaker(self.report_engine, class_=AsyncSession, expire_on_commit=False,
                                   autoflush=False),
                self.read_transactions)

    async def write_alone(self, statement: Executable, rows: Sequence[dict[str, Any]],
                          on: AsyncSession | None = None) -> None:
        """`statement` with `rows` as a transaction by itself, committed when this returns: on
        PostgreSQL one round trip (autocommit; a unit of work's BEGIN, statement and COMMIT were
        three), on SQLite a write transaction of its own. For rows nothing reads back and no
        session hook needs to see (the access log's VIEW entries).

        `on`, a read session (`read_sessions`, which opens no transaction on either database),
        has it written on that session's connection, committed as the statement runs: a request
        that has read does not give its connection back and take another to write. Its rows
        all or none: on PostgreSQL asyncpg's executemany is one unit; on SQLite several rows go
        as one INSERT of them all (an executemany would commit each on its own there)."""
        if on is not None:
            if on.bind is not self._autocommit:
                raise ValueError("write_alone writes on a read session only (read_sessions)")
            connection = await on.connection()
            if len(rows) > 1 and self.engine.dialect.name == "sqlite":
                await connection.execute(statement.values(list(rows)))  # type: ignore[attr-defined]
            else:
                await connection.execute(statement, rows)
            return
        if self.engine.dialect.name == "postgresql":
            async with self._autocommit.connect() as connection:
                await connection.execute(statement, rows)
            return
        async with self._writes.begin() as connection:  # SQLite: the rows all or none
            await connection.execute(statement, rows)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def ping(self) -> None:
        """Read the schema's version on a fresh connection; raises when the database does not
        answer, or answers without our tables (an empty file where the database was)."""
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT version_num FROM alembic_version")

    async def ping_reports(self) -> None:
        """As `ping`, on the report database itself (no fall-back to the primary)."""
        async with (self.report_engine or self.engine).connect() as connection:
            await connection.exec_driver_sql("SELECT version_num FROM alembic_version")

    async def report_lag_seconds(self) -> float | None:
        """How many seconds the report database's data is behind the primary's (0 when it has
        applied everything it received); None without a separate report database."""
        if self.report_engine is None or self.report_engine.dialect.name != "postgresql":
            return None
        async with self.report_engine.connect() as connection:
            lag = (await connection.execute(REPLICA_LAG_SQL)).scalar()
        return None if lag is None else float(lag)

    async def dispose(self) -> None:
        if self.quick is not None:
            await self.quick.close()
        await self.engine.dispose()
        if self.report_engine is not None:
            await self.report_engine.dispose()
