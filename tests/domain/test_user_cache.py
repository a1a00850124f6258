"""The API's cache of signed-in users' rows (domain/users/cache.py): what it keeps and forgets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.db import Database
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.cache import UserCache
from domain.users.models import User


def _user() -> User:
    return User(id=uuid.uuid4(), username=f"u{uuid.uuid4().hex[:8]}", password_hash="x", display_name="ทดลอง",
                role="VOLUNTEER", created_at=datetime.now(UTC))


def test_a_row_read_while_a_change_of_it_was_heard_is_not_kept() -> None:
    cache, user = UserCache(exact=True), _user()
    generation = cache.generation  # a request starts reading the row...
    cache.heard(str(user.id))  # ...the row changes meanwhile...
    cache.keep(user, generation)  # ...and what was read may predate the change
    assert cache.get(user.id) is None
    cache.keep(user, cache.generation)
    assert cache.get(user.id) is user
    cache.heard(str(user.id))
    assert cache.get(user.id) is None


def test_nothing_is_kept_or_given_while_not_listening() -> None:
    cache, user = UserCache(exact=False), _user()
    cache.keep(user, cache.generation)
    cache.exact = True
    assert cache.get(user.id) is None
    cache.keep(user, cache.generation)
    cache.exact = False
    assert cache.get(user.id) is None


def test_a_table_wide_notice_forgets_every_row_and_the_oldest_row_goes_at_the_limit() -> None:
    cache = UserCache(exact=True, limit=2)
    a, b, c = _user(), _user(), _user()
    for user in (a, b, c):
        cache.keep(user, cache.generation)
    assert cache.get(a.id) is None and cache.get(b.id) is b and cache.get(c.id) is c
    cache.heard("")
    assert cache.get(b.id) is None and cache.get(c.id) is None


class Rollback(Exception):
    pass


async def test_the_process_that_changes_a_users_row_forgets_it_at_the_commit(db: Database) -> None:
    """Without waiting for the notice (the person's next request may come first), and only
    when the change is committed."""
    cache = UserCache(exact=True)  # nothing listens here: only the process's own commit can drop it
    async with db.read_sessions() as session:
        row = await users.by_username(session, "vol.naimueang")
    assert row is not None
    cache.keep(row, cache.generation)
    with pytest.raises(Rollback):
        async with UnitOfWork(db) as uow:
            changed = await users.by_username(uow.session, "vol.naimueang")
            assert changed is not None
            changed.must_change_password = True
            await uow.session.flush()
            raise Rollback
    assert cache.get(row.id) is row
    async with UnitOfWork(db) as uow:
        changed = await users.by_username(uow.session, "vol.naimueang")
        assert changed is not None
        changed.must_change_password = True
    assert cache.get(row.id) is None
