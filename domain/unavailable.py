"""Whether an error means the database cannot be used just now (unreachable, restarting,
read-only, missing, or ending this transaction to let another go on), as opposed to a bug:
the API answers such a request 503 with Retry-After (api/unavailable.py), and a worker's job
logs one line and is left to the outbox to run again (workers/celery_app.py). Neither logs a
traceback for it."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable

from sqlalchemy import exc as sa

# PostgreSQL SQLSTATE classes and codes that mean "not now", not "your request is wrong":
# 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown,
# cannot connect now), 25006 read-only transaction (a standby, or a database set read-only),
# and the transaction conflicts (`CONFLICTS`) that remain after the work was run again.
_PG_CLASSES = ("08", "53", "57")
# 40P01 deadlock detected, 40001 serialization failure: the database ended the transaction to
# let another go on, and kept nothing of it; run again, it goes through (domain/uow.py
# `in_transaction`), as PostgreSQL's documentation advises.
CONFLICTS = ("40P01", "40001")
_PG_CODES = ("25006", *CONFLICTS)
# SQLite says the same things in words (its OperationalError is also used for bad SQL, which
# is a bug and stays a 500).
_SQLITE_WORDS = ("database is locked", "readonly database", "unable to open database",
                 "disk i/o error", "database disk image is malformed")


class DatabaseUnavailable(Exception):
    """Raised to end a request whose work met an unavailable database."""


def _chain(error: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def sqlstate(error: BaseException) -> str | None:
    """The first SQLSTATE in `error`'s chain (PostgreSQL's code, as asyncpg and SQLAlchemy
    carry it), if any."""
    for link in _chain(error):
        state = getattr(link, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def transaction_conflict(error: BaseException) -> bool:
    """Whether the database ended `error`'s transaction to break a deadlock or a serialization
    conflict (`CONFLICTS`): nothing of it was kept."""
    return sqlstate(error) in CONFLICTS


def database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) says the database cannot be used just now."""
    if error is None:
        return False
    for link in _chain(error):
        if isinstance(link, DatabaseUnavailable | sa.TimeoutError | sa.DisconnectionError
                      | ConnectionError | TimeoutError | socket.gaierror):
            return True
        if isinstance(link, sa.DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, sa.InterfaceError):
            return True  # "connection is closed", "cannot perform operation: another..."
        state = getattr(link, "sqlstate", None)
        if isinstance(state, str) and (state[:2] in _PG_CLASSES or state in _PG_CODES):
            return True
        if type(link).__name__ == "OperationalError" and link.__class__.__module__ == "sqlite3":
            text = str(link).lower()
            if any(words in text for words in _SQLITE_WORDS):
                return True
    return False


def what(error: BaseException) -> str:
    """The kinds of error in the chain, for the log line: no message (it may hold data)."""
    return " <- ".join(type(link).__name__ for link in _chain(error))


def logged_as_unavailable(logger: logging.Logger, name: str, error: BaseException) -> bool:
    """If `error` says a service the work of `name` needs cannot be used just now, log the one
    line a worker logs for it (no traceback) and say so; otherwise log nothing."""
    if not database_unavailable(error):
        return False
    if transaction_conflict(error):
        logger.warning("%s: the database ended its transaction to let another go on (SQLSTATE %s); it runs "
                       "again later", name, sqlstate(error))
        return True
    logger.warning("%s: a service it needs is unavailable (%s); it runs again later", name, what(error))
    return True
