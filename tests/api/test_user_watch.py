"""A user's row changed in one API process is followed by every other at once (PostgreSQL:
domain/users/cache.py, domain/watch.py). Each process keeps the rows of the users who sign its
requests, so a request reads no user row; a deactivation (or any change of the row) in one
process drops the row in the others, and the person's next request there is refused."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from domain.db import Database
from domain.settings import Settings
from domain.watch import APPLICATION_NAME
from tests.api.test_people_admin import DEACTIVATE, run
from tests.api.test_query_counts import counting_statements
from tests.api.test_reference_watch import other_process, until
from tests.factories import principal
from tests.helpers import gql, login

pytestmark = pytest.mark.postgresql_only  # SQLite: one process serves, and reads the row each time

ME = "{ me { username role } }"


def user_reads(statements: list[str]) -> int:
    return sum("FROM app_user" in statement for statement in statements)


async def test_a_person_deactivated_in_one_process_is_refused_in_another_at_once(
    client: httpx.AsyncClient, db: Database, settings: Settings,
) -> None:
    coordinator = await login(client, "ops.nongkhai")
    volunteer = await login(client, "vol.naimueang")
    uid = (await principal(db, "vol.naimueang")).user_id
    async with other_process(settings) as (other, http):
        await until(lambda: other.state.users.exact)  # it listens: requests use its cache
        assert (await gql(http, ME, {}, volunteer))["data"]["me"]["username"] == "vol.naimueang"
        with counting_statements(other) as sent:
            for _ in range(3):
                assert (await gql(http, ME, {}, volunteer))["data"]["me"]["role"] == "VOLUNTEER"
        assert user_reads(sent) == 0  # the row was kept from the first request

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
    with counting_statements(app) as sent:
        for _ in range(2):
            assert (await gql(client, ME, {}, volunteer))["data"]["me"]["username"] == "vol.naimueang"
    assert user_reads(sent) >= 2 and not app.state.users.exact  # each request read the row
    async with db.engine.begin() as connection:  # plain SQL: nothing in this process notes it
        await connection.execute(text("UPDATE app_user SET is_active = false WHERE username = 'vol.naimueang'"))
    refused = await gql(client, ME, {}, volunteer)  # no notice needed
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", refused
    await until(lambda: app.state.users.exact)  # back, by itself
