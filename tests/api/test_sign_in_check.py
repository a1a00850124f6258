"""Each request's sign-in check reads its user's row without a session of its own: on
PostgreSQL from the process's cache while it listens (tests/api/test_user_watch.py), on SQLite
by a quick read (domain/quick_reads.py). Either way a change of the row made anywhere, even with
plain SQL, decides the person's next request."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import text
from starlette.applications import Starlette

from domain.db import Database
from domain.settings import Settings
from domain.users import repository as users
from domain.users.service import issue_token
from tests.api.test_query_counts import counting_statements
from tests.api.test_reference_watch import until
from tests.api.test_user_watch import ME, user_reads
from tests.factories import principal
from tests.helpers import gql, login


async def test_the_sign_in_check_reads_no_user_row_through_the_engine(
    client: httpx.AsyncClient, app: Starlette, db: Database, settings: Settings,
) -> None:
    # A token made here, not a sign-in: a sign-in updates the row, and on PostgreSQL its notice
    # may arrive after the first request kept the row and drop it again.
    async with db.read_sessions() as session:
        user = await users.by_username(session, "vol.naimueang")
    assert user is not None
    volunteer = issue_token(user, settings.secret_key, datetime.now(UTC), 3600)
    if db.dialect == "postgresql":
        await until(lambda: app.state.users.exact)  # it listens: the first request keeps the row
    assert (await gql(client, ME, {}, volunteer))["data"]["me"]["username"] == "vol.naimueang"
    with counting_statements(app) as sent:
        for _ in range(3):
            assert (await gql(client, ME, {}, volunteer))["data"]["me"]["role"] == "VOLUNTEER"
    assert user_reads(sent) == 0


async def test_a_person_deactivated_with_plain_sql_is_refused_at_their_next_request(
    client: httpx.AsyncClient, app: Starlette, db: Database,
) -> None:
    volunteer = await login(client, "vol.naimueang")
    uid = (await principal(db, "vol.naimueang")).user_id
    assert (await gql(client, ME, {}, volunteer))["data"]["me"]["username"] == "vol.naimueang"
    async with db.engine.begin() as connection:  # nothing in this process notes it
        await connection.execute(text("UPDATE app_user SET is_active = false WHERE username = 'vol.naimueang'"))
    if db.dialect == "postgresql":
        await until(lambda: app.state.users.get(uid) is None)  # the notice arrived
    refused = await gql(client, ME, {}, volunteer)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", refused
