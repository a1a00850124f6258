"""The processes keep their PostgreSQL connections across bursts (domain/settings.py `pool`).

A connection opened for a burst and closed after it costs a server process each time, and
prepares every statement again on the new one: with SQLAlchemy's default pool (5 kept, 10
more for a burst) a load run at 80 requests/s prepared a fifth of the API's statements anew.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import text

from domain.bootstrap import open_database
from domain.db import Database
from domain.settings import Settings

pytestmark = pytest.mark.postgresql_only  # SQLite has no server processes

BURST = 8  # more than SQLAlchemy's default of 5 kept, fewer than the 10 we keep


async def burst_pids(db: Database, size: int) -> set[int]:
    """The server processes of `size` sessions held at once."""
    async with AsyncExitStack() as stack:
        sessions = [await stack.enter_async_context(db.read_sessions()) for _ in range(size)]
        pids = await asyncio.gather(*(s.execute(text("SELECT pg_backend_pid()")) for s in sessions))
        return {int(p.scalar_one()) for p in pids}


async def test_a_burst_within_the_pool_size_reuses_the_same_connections(db_url: str) -> None:
    db = open_database(db_url, **Settings.from_env({}).pool)
    try:
        first = await burst_pids(db, BURST)
        assert len(first) == BURST
        again = await burst_pids(db, BURST)
        assert again == first  # no server process ended or started between the bursts
    finally:
        await db.dispose()
