"""Statements built once and kept, for those run on every request.

Building a SQLAlchemy statement and its cache key anew cost about as much as the database's
work on a case's lookup (bench/requests.py, issue 11). `Kept` holds statements by a key that
names everything they are made of; the values they are run with are bound parameters, or
part of the key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


class Kept:
    """Statements by key, each built once by the `build` given with its key's first use. At
    most `most` are kept; then they are all forgotten and built afresh (the keys are few, so
    this happens only when something makes too many)."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._built: dict[Hashable, Any] = {}

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        statement = self._built.get(key)
        if statement is None:
            if len(self._built) >= self.most:
                self._built.clear()
            statement = self._built[key] = build()
        return statement
