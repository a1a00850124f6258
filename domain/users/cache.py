"""The signed-in users' rows, kept in memory by an API process (issue 11).

Every request names its user by a token, and the user's row (role, scope, whether active,
whether a new password is due) decides what it may do: reading it cost each request a round
trip. The API keeps the rows it has read while it listens for their changes (domain/watch.py:
a trigger sends `khortor_users` with the user's id when the row changes or goes, migration
0015_users_notify), so a deactivated user, a new role or scope take effect at the next request
in every process; the process that changes a row forgets it itself when its transaction commits
(`note_changes`, `forget_changed`: the person's next request may come before the notice). While
the cache is not `exact` (SQLite; PostgreSQL while not listening) every
request reads the row. The rows are detached and only read: never add one to a session.
"""

from __future__ import annotations

import uuid
import weakref
from itertools import chain
from typing import Any

from sqlalchemy.orm import Session

from domain.users.models import User

LIMIT = 20_000  # rows kept; the oldest kept goes first (about the network's active users)
_CHANGED = "khortor_users_changed"  # in Session.info: the users whose rows a transaction changed


class UserCache:
    channel = "khortor_users"  # what a change of a user's row notifies (domain/watch.py)

    def __init__(self, exact: bool = False, limit: int = LIMIT) -> None:
        self.exact, self.limit = exact, limit
        self.generation = 0
        self.clear()
        _CACHES.add(self)

    def clear(self) -> None:
        """Forget every row."""
        self.generation += 1
        self._rows: dict[uuid.UUID, User] = {}

    def heard(self, payload: str) -> None:
        """A user's row changed in some process (the payload is its id): forget it. A row read
        while the notice was on its way may predate the change: not kept (`keep`)."""
        try:
            user_id = uuid.UUID(payload)
        except ValueError:  # a table-wide change (TRUNCATE)
            self.clear()
        else:
            self.forget(user_id)

    def forget(self, user_id: uuid.UUID) -> None:
        """Forget one user's row (also what is on its way from the database: `keep`)."""
        self.generation += 1
        self._rows.pop(user_id, None)

    def get(self, user_id: uuid.UUID) -> User | None:
        return self._rows.get(user_id) if self.exact else None

    def keep(self, user: User, generation: int) -> None:
        """Keep a row read from the database after `generation` was read from the cache, unless
        a change was heard since (it may be missing from the row)."""
        if not self.exact or generation != self.generation:
            return
        if len(self._rows) >= self.limit:
            del self._rows[next(iter(self._rows))]
        self._rows[user.id] = user


_CACHES: weakref.WeakSet[UserCache] = weakref.WeakSet()  # this process's


def note_changes(session: Session, _flush_context: Any) -> None:
    """`after_flush`: note the users whose rows the flush changed or deleted."""
    changed = {row.id for row in chain(session.dirty, session.deleted) if isinstance(row, User)}
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)


def forget_changed(session: Session) -> None:
    """`after_commit`: this process's caches forget the rows the transaction changed."""
    for user_id in session.info.pop(_CHANGED, ()):
        for cache in list(_CACHES):
            cache.forget(user_id)


def drop_noted(session: Session, _previous_transaction: Any) -> None:
    """`after_soft_rollback`: nothing changed after all."""
    session.info.pop(_CHANGED, None)
