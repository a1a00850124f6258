"""The connection that keeps a process's caches exact (domain/watch.py) proves that it still
hears: its ping is a notice to itself. One that stops hearing (a transaction-mode pooler drops
LISTEN, yet answers queries) is treated as lost, so the caches stop being used."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from domain import watch
from domain.db import Database

pytestmark = pytest.mark.postgresql_only  # LISTEN and NOTIFY


async def test_a_listening_connection_that_stops_hearing_its_pings_is_lost(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch, "PING_SECONDS", 0.05)
    monkeypatch.setattr(watch, "PING_TIMEOUT_SECONDS", 0.5)
    connection = await watch._connect(db.engine)
    try:
        listening = asyncio.create_task(watch._until_lost(connection, asyncio.Event()))
        await asyncio.sleep(0.6)  # about ten pings, each heard back
        assert not listening.done()
        while True:  # what a pooler's new server connection amounts to: no LISTEN left
            try:
                await connection.execute("UNLISTEN *")
                break
            except asyncpg.InterfaceError:  # a ping under way on the connection
                await asyncio.sleep(0.005)
        done, _ = await asyncio.wait({listening}, timeout=3)
        assert listening in done and isinstance(listening.exception(), TimeoutError)
    finally:
        connection.terminate()
