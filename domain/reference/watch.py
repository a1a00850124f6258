"""Keeping a process's reference data exact across processes (PostgreSQL).

Every change of a reference table (areas, agencies, offices, problem types, SLA policies,
routing rules), whoever makes it (an admin in another API process, a command, a migration),
sends `NOTIFY khortor_reference` when its transaction commits (a trigger, migration
0013_reference_notify). `watch` listens on a connection of its own and drops the cache at
each notice, so the next filing in any process follows the change.

While it is not listening (before it first connects, after the connection is lost, until it
is back) the cache is not `exact`: filing then reads from the database, and the cache is
dropped again once listening resumes, as a notice may have been missed in between. On SQLite
one process serves, and it drops its cache itself when its admin changes something.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from domain.reference.cache import ReferenceCache

CHANNEL = "khortor_reference"
APPLICATION_NAME = "khortor-reference-watch"
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)

log = logging.getLogger("khortor.reference")


async def watch(cache: ReferenceCache, url: URL) -> None:
    """Listen for changes until cancelled, reconnecting after a loss; `cache.exact` says
    whether it is listening."""
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    failures = 0
    while True:
        lost = asyncio.Event()
        connection: Any = None
        try:
            connection = await asyncpg.connect(dsn, server_settings={"application_name": APPLICATION_NAME})
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(CHANNEL, lambda *_notice: cache.clear())
            cache.clear()  # a change may have been missed while not listening
            cache.exact, failures = True, 0
            await lost.wait()
            log.warning("reference data: the listening connection was lost; filing reads the database until it is back")
        except Exception as error:  # noqa: BLE001 (the watch must outlive any failure: it retries)
            log.warning("reference data: cannot listen for changes (%s); filing reads the database", type(error).__name__)
        finally:
            cache.exact = False
            cache.clear()
            if connection is not None and not connection.is_closed():
                connection.terminate()
        await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
        failures += 1
