"""Test databases: which backends run, a fresh empty database of each, and the statements an
engine sends."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.migrations import upgrade

PG_ENV = "KHORTOR_TEST_DATABASE_URL"
# PostgreSQL runs whenever a server is named, and is required in CI (a missing URL fails).
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) or os.environ.get("CI") else [])


def _postgres_server_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.fail(f"CI is set but {PG_ENV} is not: the suite must run on PostgreSQL too "
                    "(e.g. postgresql://postgres@127.0.0.1:5432/test).", pytrace=False)
    return url


@asynccontextmanager
async def fresh_database(backend: str, tmp_dir: Path) -> AsyncIterator[str]:
    """An empty database of the given backend; yields its async SQLAlchemy URL.

    PostgreSQL: `khortor_test_<hex>` is created on the server of KHORTOR_TEST_DATABASE_URL
    (through a connection to the database it names) and dropped afterwards.
    """
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_dir / 'khortor.db'}"
        return
    server = make_url(_postgres_server_url()).set(drivername="postgresql")
    admin_dsn = server.render_as_string(hide_password=False)
    name = f"khortor_test_{secrets.token_hex(6)}"
    await _admin(admin_dsn, f'CREATE DATABASE "{name}"')
    try:
        yield server.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        await _admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def migrate(url: str) -> None:
    """Alembic upgrade head, in a thread: env.py calls asyncio.run, which cannot nest."""
    await asyncio.to_thread(upgrade, url)


@contextmanager
def statements_sent(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement the engine sends while the block runs (its `before_cursor_execute`
    listeners: SQLAlchemy's own, and those sent past it that tell them, domain/quick_reads.py)."""
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
