"""Database failures are honest (issue 11): 503 with Retry-After, never a 500.

On a database of its own (migrated and seeded here), which goes away (PostgreSQL: the
connection is cut and nothing listens; SQLite: the file is gone) or turns read-only, while the
app is running: signed-in requests get 503 `UNAVAILABLE` with `Retry-After`, sign-in fails
closed (no token), `/readyz` says not ready, no filing is acknowledged, one log line each and
no traceback; once the database is back, the same filing (same client id) is stored once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from api.app import create_app
from api.unavailable import CODE, RETRY_AFTER_SECONDS
from domain.bootstrap import open_database
from domain.cases.models import Case
from domain.db import IDLE_PING_SECONDS
from domain.demo import DEMO_PASSWORD, seed_demo
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.conftest import TEST_HASHER, _with_lifespan_state
from tests.databases import migrate
from tests.factories import OPEN_CASE, case_input
from tests.helpers import LOGIN, login
from tests.outage import Outage

ME = "query { me { username } }"
CASES = "query { cases(first: 5) { totalCount } }"
CITIZEN = "query($id: ID!) { case(id: $id) { citizen { fullName } } }"


@pytest.fixture
async def own_db_url(fresh_db_url: str) -> str:
    await migrate(fresh_db_url)
    db = open_database(fresh_db_url)
    try:
        async with UnitOfWork(db) as uow:
            await seed_demo(uow.session, DEMO_PASSWORD, datetime.now(UTC), TEST_HASHER)
    finally:
        await db.dispose()
    return fresh_db_url


@asynccontextmanager
async def serving(url: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(Settings(database_url=url, secret_key="test-secret-" + "k" * 40,
                              env="development"))
    async with app.router.lifespan_context(app) as state:
        transport = httpx.ASGITransport(app=_with_lifespan_state(app, state))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield app, http


async def post(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
               token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": query, "variables": variables or {}},
                           headers=headers)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text)
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == CODE
    assert "ฐานข้อมูล" in error["message"] and "database" in error["message"]


async def count_cases(url: str, client_id: str | None = None) -> int:
    db = open_database(url)
    try:
        async with db.read_sessions() as session:
            query = select(func.count()).select_from(Case)
            if client_id is not None:
                query = query.where(Case.id == uuid.UUID(client_id))  # the client id is the case id
            return int((await session.execute(query)).scalar_one())
    finally:
        await db.dispose()


def problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_database_that_goes_away_gets_503s_and_nothing_is_acknowledged(
        own_db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    client_id = str(uuid.uuid4())
    async with Outage(own_db_url) as outage, serving(outage.app_url) as (app, http):
        token = await login(http, "vol.naimueang")
        before = await count_cases(own_db_url)
        caplog.set_level(logging.INFO)
        caplog.clear()

        await outage.cut(app.state.db)
        answers = [
            await post(http, ME, token=token),
            await post(http, OPEN_CASE, {"input": case_input(client_id=client_id)}, token),
            # Sign-in fails closed: the throttle and the password cannot be checked.
            await post(http, LOGIN, {"username": "vol.michai", "password": DEMO_PASSWORD}),
        ]
        for answer in answers:
            assert_unavailable(answer)
        assert "token" not in answers[2].text
        ready = await http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "failed"
        assert (await http.get("/healthz")).status_code == 200

        logged = problems(caplog)
        assert not [r for r in logged if r.exc_info or "Traceback" in r.getMessage()], logged
        unavailable = [r for r in logged if "database unavailable" in r.getMessage()]
        assert len(unavailable) == len(answers), [r.getMessage() for r in logged]
        assert all("\n" not in r.getMessage() for r in logged)

        await outage.restore(app.state.db)
        again = await post(http, OPEN_CASE, {"input": case_input(client_id=client_id)}, token)
        assert again.status_code == 200, again.text
        assert again.json()["data"]["openCase"]["__typename"] == "OpenCaseSuccess", again.text
        assert (await post(http, ME, token=token)).json()["data"]["me"]["username"] == "vol.naimueang"
        assert (await http.get("/readyz")).status_code == 200
    assert await count_cases(own_db_url, client_id) == 1
    assert await count_cases(own_db_url) == before + 1


@asynccontextmanager
async def read_only(url: str) -> AsyncIterator[str]:
    """The database turned read-only for new connections: the URL the app must use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        yield f"sqlite+aiosqlite:///file:{parsed.database}?mode=ro&uri=true"
        return
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'ALTER DATABASE "{parsed.database}" SET default_transaction_read_only = on')
        yield url
    finally:
        await connection.execute(f'ALTER DATABASE "{parsed.database}" RESET default_transaction_read_only')
        await connection.close()


async def test_a_read_only_database_reads_but_refuses_every_write_with_503(
        own_db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with serving(own_db_url) as (_, http):
        token = await login(http, "vol.naimueang")  # before: signing in writes (the throttle)
        filed = await post(http, OPEN_CASE, {"input": case_input()}, token)
        case_id = filed.json()["data"]["openCase"]["case"]["id"]
    before = await count_cases(own_db_url)
    async with read_only(own_db_url) as url, serving(url) as (_, http):
        caplog.set_level(logging.INFO)
        caplog.clear()
        listed = await post(http, CASES, token=token)
        assert listed.status_code == 200 and listed.json()["data"]["cases"]["totalCount"] == before
        # The citizen whole is shown only once the access log holds the read: not now.
        assert_unavailable(await post(http, CITIZEN, {"id": case_id}, token))
        filed = await post(http, OPEN_CASE, {"input": case_input(client_id=str(uuid.uuid4()))}, token)
        assert_unavailable(filed)
        assert_unavailable(await post(http, LOGIN, {"username": "vol.michai",
                                                    "password": DEMO_PASSWORD}))
        logged = problems(caplog)
        assert not [r for r in logged if r.exc_info], logged
    assert await count_cases(own_db_url) == before


async def drop_connections(url: str) -> int:
    """The database ends every session on `url`'s database but this one's, as a restart or a
    proxy's idle timeout does (the reference watch's listener reconnects by itself)."""
    parsed = make_url(url)
    connection = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        return int(await connection.fetchval(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        await connection.close()


@pytest.mark.postgresql_only  # SQLite has no server to drop a connection
async def test_connections_the_database_dropped_while_idle_are_replaced_without_an_error(own_db_url: str) -> None:
    async with serving(own_db_url) as (_, http):
        token = await login(http, "vol.naimueang")
        assert (await post(http, CASES, token=token)).status_code == 200
        assert await drop_connections(own_db_url) >= 1
        await asyncio.sleep(IDLE_PING_SECONDS + 0.5)  # idle: pinged at checkout, and replaced
        me = await post(http, ME, token=token)
        assert me.status_code == 200, me.text
        assert me.json()["data"]["me"]["username"] == "vol.naimueang"


@pytest.mark.postgresql_only
async def test_a_connection_dropped_moments_after_use_costs_one_503_and_the_pool_is_renewed(
        own_db_url: str) -> None:
    """Connections used within the last few seconds are not pinged (a round trip on every
    checkout): one the database dropped meanwhile fails its request honestly, with 503 and
    Retry-After for the client to send it again, and every pooled connection is replaced."""
    async with serving(own_db_url) as (_, http):
        token = await login(http, "vol.naimueang")
        assert (await post(http, CASES, token=token)).status_code == 200
        assert await drop_connections(own_db_url) >= 1
        assert_unavailable(await post(http, CASES, token=token))
        listed = await post(http, CASES, token=token)
        assert listed.status_code == 200, listed.text


@pytest.mark.postgresql_only  # SQLite numbers a case in its transaction: nothing is read after
async def test_a_filing_whose_reference_cannot_be_read_after_its_commit_is_answered_503_and_once_when_sent_again(
        own_db_url: str) -> None:
    """On PostgreSQL a case is numbered as it commits, and its reference is told with the
    commit's answer or, when the database says nothing (notices off here, for this database's
    connections), read after: when that read fails (the database gone in between), the filing is
    answered 503 like any other, and sent again with its client id it is answered with the case
    stored, once."""
    quiet = open_database(own_db_url)
    try:
        async with quiet.engine.begin() as connection:
            await connection.execute(text(
                "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET client_min_messages = warning', "
                "current_database()); END $$"))
    finally:
        await quiet.dispose()
    async with serving(own_db_url) as (app, http):
        token = await login(http, "vol.naimueang")
        client_id = str(uuid.uuid4())
        failed: list[str] = []

        def cut_at_the_read(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            if " ".join(statement.split()).startswith("SELECT case_file.reference FROM case_file") and not failed:
                failed.append(statement)
                raise ConnectionResetError("the database went away")

        engine = app.state.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", cut_at_the_read)
        try:
            assert_unavailable(await post(http, OPEN_CASE, {"input": case_input(client_id=client_id)}, token))
        finally:
            event.remove(engine, "before_cursor_execute", cut_at_the_read)
        assert failed and await count_cases(own_db_url, client_id) == 1  # committed all the same
        again = await post(http, OPEN_CASE, {"input": case_input(client_id=client_id)}, token)
        assert again.status_code == 200, again.text
        answer = again.json()["data"]["openCase"]
        assert answer["__typename"] == "OpenCaseSuccess" and answer["case"]["id"] == client_id, answer
        assert await count_cases(own_db_url, client_id) == 1
        db = open_database(own_db_url)
        try:
            async with db.read_sessions() as session:
                reference = (await session.execute(select(Case.reference).where(
                    Case.id == uuid.UUID(client_id)))).scalar_one()
        finally:
            await db.dispose()
        assert re.fullmatch(r"43-[0-9]{4}-[0-9]{6}", reference), reference
