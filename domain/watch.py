"""Keeping a process's caches exact across processes (PostgreSQL).

A change that another process may make (an admin in another API process, a command, a
migration) sends a notice when its transaction commits, from a trigger: `khortor_reference`
for reference data (areas, agencies, offices, problem types, SLA policies, routing rules;
migration 0013_reference_notify), `khortor_users` with the user's id for a user's row
(migration 0015_users_notify). `watch` listens on a connection of its own and hands each
notice to the cache of its channel (`Watched.heard`), so the next request in any process
follows the change.

While it is not listening (before it first connects, after the connection is lost or stops answering
its ping, until it is back) the caches are not `exact`: their users then read the database, and
the caches are dropped again once listening resumes, as a notice may have been missed in between.
On SQLite nothing tells a process of another's change: there filing always reads the
database, and so does every request for its user's row.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

APPLICATION_NAME = "khortor-cache-watch"
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
PING_SECONDS, PING_TIMEOUT_SECONDS = 20.0, 5.0

log = logging.getLogger("khortor.watch")


class Watched(Protocol):
    """A cache kept exact by `watch`: used only while `exact`."""

    channel: str
    exact: bool

    def clear(self) -> None:
        """Forget everything."""

    def heard(self, payload: str) -> None:
        """A notice on `channel`: forget what it names."""


async def watch(engine: AsyncEngine, *caches: Watched) -> None:
    """Listen for changes until cancelled, reconnecting after a loss; each cache's `exact` says
    whether it is listening."""
    failures = 0
    while True:
        connection: Any = None
        try:
            connection = await _connect(engine)
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection: lost.set())
            for cache in caches:
                await connection.add_listener(cache.channel, _hand_to(cache))
            for cache in caches:
                cache.clear()  # a change may have been missed while not listening
                cache.exact = True
            failures = 0
            await _until_lost(connection, lost)
            log.warning("cache watch: the listening connection was lost; the database is read until it is back")
        except Exception as error:  # noqa: BLE001 (the watch must outlive any failure: it retries)
            log.warning("cache watch: cannot listen for changes (%s); the database is read",
                        type(error).__name__)
        finally:
            for cache in caches:
                cache.exact = False
                cache.clear()
            if connection is not None and not connection.is_closed():
                connection.terminate()
        await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
        failures += 1


def _hand_to(cache: Watched) -> Any:
    def notice(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
        cache.heard(payload)
    return notice


async def _connect(engine: AsyncEngine) -> Any:
    """A connection of its own, made as the engine makes its own (host, TLS and the other
    options of the URL), less what only SQLAlchemy's adapter takes."""
    args, options = engine.dialect.create_connect_args(engine.url)
    for adapter_only in ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn"):
        options.pop(adapter_only, None)
    options["server_settings"] = {**options.get("server_settings", {}), "application_name": APPLICATION_NAME}
    return await asyncpg.connect(*args, **options)


async def _until_lost(connection: Any, lost: asyncio.Event) -> None:
    """Until the server closes the connection, or a ping of its own does not come back as a
    notice: a link that died without a word, or a connection that cannot hear (a
    transaction-mode pooler such as PgBouncer's drops LISTEN, yet answers queries), would
    otherwise leave the caches `exact` while changes go unheard."""
    channel = f"khortor_watch_{connection.get_server_pid()}"  # this connection's own
    echoes: asyncio.Queue[str] = asyncio.Queue()
    await connection.add_listener(channel, lambda *notice: echoes.put_nowait(notice[3]))
    sent = 0
    while not lost.is_set():
        try:
            await asyncio.wait_for(lost.wait(), timeout=PING_SECONDS)
        except TimeoutError:
            sent += 1
            await asyncio.wait_for(connection.execute(f"NOTIFY {channel}, '{sent}'"),
                                   timeout=PING_TIMEOUT_SECONDS)
            while await asyncio.wait_for(echoes.get(), timeout=PING_TIMEOUT_SECONDS) != str(sent):
                pass  # an earlier ping's late echo
