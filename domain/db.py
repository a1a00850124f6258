"""Engine, column types and sessions shared by every feature package."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _make_sqlite_transactional(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    """SQLite: real BEGINs, WAL, foreign keys; writers take the write lock up front.

    A unit of work starts with BEGIN IMMEDIATE, so two concurrent writers queue on the
    busy timeout instead of failing with "database is locked" when one upgrades a read
    lock. Reads use a plain BEGIN and, in WAL mode, never wait for a writer.
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
        write = connection.get_execution_options().get("khortor_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


FlushHook = Callable[[Session, Any, Any], None]


class Database:
    """One engine and its two session factories: short reads and units of work.

    `before_flush` hooks run in every flush of this database's sessions, inside the
    transaction (domain/bootstrap.py passes the ones every process needs).
    """

    def __init__(self, url: str, *, before_flush: Sequence[FlushHook] = (), **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        session_class: type[Session] = type("KhortorSession", (Session,), {})
        for hook in before_flush:
            event.listen(session_class, "before_flush", hook)
        self.read_sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, sync_session_class=session_class,
            expire_on_commit=False, autoflush=False,
        )
        self.write_sessions = async_sessionmaker(
            self.engine.execution_options(khortor_write=True),
            class_=AsyncSession,
            sync_session_class=session_class,
            expire_on_commit=False,
            autoflush=False,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def ping(self) -> None:
        """Read the schema's version on a fresh connection; raises when the database does not
        answer, or answers without our tables (an empty file where the database was)."""
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT version_num FROM alembic_version")

    async def dispose(self) -> None:
        await self.engine.dispose()
