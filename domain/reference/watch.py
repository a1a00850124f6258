"""Keeping a process's reference data exact across processes (PostgreSQL).

Every change of a reference table (areas, agencies, offices, problem types, SLA policies,
routing rules), whoever makes it (an admin in another API process, a command, a migration),
sends `NOTIFY khortor_reference` when its transaction commits (a trigger, migration
0013_reference_notify). `watch` listens on a connection of its own and drops the cache at
each notice, so the next filing in any process follows the change.

While it is not listening (before it first connects, after the connection is lost or stops answering
its ping, until it is back) the cache is not `exact`: filing then reads from the database, and
the cache is dropped again once listening resumes, as a notice may have been missed in between.
On SQLite nothing tells a process of another's change: filing there always reads the database.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.reference.cache import ReferenceCache

CHANNEL = "khortor_reference"
APPLICATION_NAME = "khortor-reference-watch"
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
PING_SECONDS, PING_TIMEOUT_SECONDS = 20.0, 5.0

log = logging.getLogger("khortor.reference")


async def watch(cache: ReferenceCache, engine: AsyncEngine) -> None:
    """Listen for changes until cancelled, reconnecting after a loss; `cache.exact` says
    whether it is listening."""
    failures = 0
    while True:
        connection: Any = None
        try:
            connection = await _connect(engine)
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(CHANNEL, lambda *_notice: cache.clear())
            cache.clear()  # a change may have been missed while not listening
            cache.exact, failures = True, 0
            await _until_lost(connection, lost)
            log.warning("reference data: the listening connection was lost; filing reads the database until it is back")
        except Exception as error:  # noqa: BLE001 (the watch must outlive any failure: it retries)
            log.warning("reference data: cannot listen for changes (%s); filing reads the database",
                        type(error).__name__)
        finally:
            cache.exact = False
            cache.clear()
            if connection is not None and not connection.is_closed():
                connection.terminate()
        await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
        failures += 1


async def _connect(engine: AsyncEngine) -> Any:
    """A connection of its own, made as the engine makes its own (host, TLS and the other
    options of the URL), less what only SQLAlchemy's adapter takes."""
    args, options = engine.dialect.create_connect_args(engine.url)
    for adapter_only in ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn"):
        options.pop(adapter_only, None)
    options["server_settings"] = {**options.get("server_settings", {}), "application_name": APPLICATION_NAME}
    return await asyncpg.connect(*args, **options)


async def _until_lost(connection: Any, lost: asyncio.Event) -> None:
    """Until the server closes the connection, or it stops answering a ping (a link that died
    without a word: a notice sent then would never arrive)."""
    while not lost.is_set():
        try:
            await asyncio.wait_for(lost.wait(), timeout=PING_SECONDS)
        except TimeoutError:
            await asyncio.wait_for(connection.fetchval("SELECT 1"), timeout=PING_TIMEOUT_SECONDS)
