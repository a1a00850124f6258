"""A user's row changed in one API process is followed by every other at once (PostgreSQL:
domain/users/cache.py, domain/watch.py). Each process keeps the rows of the users who sign its
requests, so a request reads no user row; a deactivation (or any change of the row) in one
process drops the row in the others, and the person's next request there is refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from starlette.applications import Starlette

from domain.db import Database
from domain.settings import Settings
from domain.watch import APPLICATION_NAME
from tests.api.test_people_admin import DEACTIVATE, run
from tests.api.test_reference_watch import other_process, until
from tests.helpers import gql, login

pytestmark = pytest.mark.postgresql_only  # SQLite: one process serves, and reads the row each time

ME = "{ me { username role } }"


class UserReads:
    """Statements of an engine that read app_user."""

    def __init__(self, db: Database) -> None:
        self.engine, self.count = db.engine.sync_engine, 0

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.count += "FROM app_user" in statement

    def __enter__(self) -> UserReads:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


async def _user_id(db: Database, username: str) -> Any:
    async with db.read_sessions() as session:
        return (await session.execute(text("SELECT id FROM app_user WHERE username = :u"),
                                      {"u": username})).scalar_one()


async def test_a_person_deactivated_in_one_process_is_refused_in_another_at_once(
    client: httpx.AsyncClient, db: Database, settings: Settings,
) -> None:
    coordinator = await login(client, "ops.nongkhai")
    volunteer = await login(client, "vol.naimueang")
    uid = await _user_id(db, "vol.naimueang")
    async with other_process(settings) as (other, http):
        await until(lambda: other.state.users.exact)  # it listens: requests use its cache
        assert (await gql(http, ME, {}, volunteer))["data"]["me"]["username"] == "vol.naimueang"
        with UserReads(other.state.db) as reads:
            for _ in range(3):
                assert (await gql(http, ME, {}, volunteer))["data"]["me"]["role"] == "VOLUNTEER"
        assert reads.count == 0  # the row was kept from the first request

        done = await run(client, coordinator, DEACTIVATE, u="vol.naimueang", to="vol.michai")
        assert done["__typename"] == "TurnoverSuccess", done
        await until(lambda: other.state.users.get(uid) is None)  # the notice arrived
        refused = await gql(http, ME, {}, volunteer)
        assert refused["data"] is None or refused["data"]["me"] is None, refused
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", refused


async def test_while_it_cannot_listen_a_process_reads_the_users_row_at_each_request(
    client: httpx.AsyncClient, app: Starlette, db: Database,
) -> None:
    """A lost listening connection: a change made meanwhile cannot be missed, as every request
    reads the row until the connection is back (and the cache is dropped then)."""
    volunteer = await login(client, "vol.naimueang")
    await until(lambda: app.state.users.exact)
    assert (await gql(client, ME, {}, volunteer))["data"]["me"]["username"] == "vol.naimueang"
    async with db.engine.connect() as connection:
        killed = (await connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name "
            "AND datname = current_database()"), {"name": APPLICATION_NAME})).scalars().all()
    assert killed and all(killed)
    await until(lambda: not app.state.users.exact)
    with UserReads(app.state.db) as reads:
        for _ in range(2):
            assert (await gql(client, ME, {}, volunteer))["data"]["me"]["username"] == "vol.naimueang"
    assert reads.count >= 2 and not app.state.users.exact  # each request read the row
    async with db.engine.begin() as connection:  # plain SQL: nothing in this process notes it
        await connection.execute(text("UPDATE app_user SET is_active = false WHERE username = 'vol.naimueang'"))
    refused = await gql(client, ME, {}, volunteer)  # no notice needed
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", refused
    await until(lambda: app.state.users.exact)  # back, by itself
