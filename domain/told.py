"""What PostgreSQL tells a transaction as it commits.

A deferred trigger that works as the transaction commits (migration 0018: a filed case's
number) can tell the committing process what it did with `RAISE NOTICE 'khortor:KEY VALUE'`.
The notice reaches the connection with the COMMIT's answer, before it: asyncpg hands it to the
connection's log listeners with `call_soon` as it reads it, and the COMMIT's waiter is woken the
same way after it, so by the time the commit returns the notice has been heard (`_hear`). The
process needs no round trip to read back what the commit did.

What a unit of work was told is only a shortcut: whoever uses it reads the database when the
key is missing (a notice switched off by `client_min_messages`, an older trigger). NOTICE is
below the server log's default threshold (WARNING): nothing is logged per commit.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary, WeakSet

from sqlalchemy.ext.asyncio import AsyncSession

PREFIX = "khortor:"

# The box each connection's transaction is told into, while a unit of work listens on it.
_boxes: WeakKeyDictionary[Any, dict[str, str]] = WeakKeyDictionary()
_listened: WeakSet[Any] = WeakSet()  # the asyncpg connections with `_hear` among their log listeners


async def listen(session: AsyncSession) -> tuple[Any, dict[str, str]]:
    """What `session`'s connection is told from now on, by key: (the driver's connection, to
    stop with `stop`, and the box its notices fill). On SQLite: (None, an empty box)."""
    box: dict[str, str] = {}
    if session.get_bind().dialect.name != "postgresql":
        return None, box
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if driver not in _listened:
        driver.add_log_listener(_hear)
        _listened.add(driver)
    _boxes[driver] = box
    return driver, box


def stop(driver: Any) -> None:
    """The box of `driver`'s connection is filled no more (its unit of work is over)."""
    if driver is not None:
        _boxes.pop(driver, None)


def _hear(driver: Any, message: Any) -> None:
    text = getattr(message, "message", "") or ""
    box = _boxes.get(driver)
    if box is not None and text.startswith(PREFIX):
        key, _, value = text[len(PREFIX):].partition(" ")
        box[key] = value
