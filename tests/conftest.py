"""Shared fixtures: a migrated, seeded database per backend, and the app over HTTP.

Every test that touches the database runs on SQLite, and on PostgreSQL as well whenever
KHORTOR_TEST_DATABASE_URL names a server (a fresh `khortor_test_<hex>` database is made
on it and dropped at the end). In CI (env CI set) PostgreSQL is required: a missing URL
fails the run instead of skipping it. Rows the tests write to the mutable tables are
deleted after each test; the reference data and the demo users stay.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import col

from domain.cases.models import Case, CaseEvent, CaseSequence, Referral
from domain.db import Database
from domain.privacy.models import AccessLogEntry
from domain.demo import DEMO_PASSWORD, DEMO_USERNAMES, seed_demo
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.users.models import LoginThrottle, User
from tests.databases import BACKENDS, fresh_database, migrate

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.types import ASGIApp, Receive, Scope, Send

# Emptied after each test that used the database, children first. Users are kept when
# they belong to the demo organisation.
MUTABLE_TABLES: tuple[type[Any], ...] = (AccessLogEntry, CaseEvent, Referral, Case, CaseSequence,
                                          LoginThrottle)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind, sqlite or postgresql: every database test runs on each."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
async def db_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The shared test database: migrated, reference data and demo users loaded."""
    async with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        await migrate(url)
        db = Database(url)
        try:
            async with UnitOfWork(db) as uow:
                await seed_demo(uow.session, DEMO_PASSWORD, datetime.now(UTC))
        finally:
            await db.dispose()
        yield url


@pytest.fixture
async def fresh_db_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty, unmigrated database of its own (for tests of migrations and loading)."""
    async with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def _empty_mutable_tables(db: Database) -> AsyncIterator[None]:
    yield
    async with UnitOfWork(db) as uow:
        for model in MUTABLE_TABLES:
            await uow.session.execute(delete(model))
        await uow.session.execute(
            delete(User).where(col(User.username).not_in(sorted(DEMO_USERNAMES)))
        )


@pytest.fixture(autouse=True)
def _clean_database_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the shared database, delete what it wrote."""
    if "db_url" in request.fixturenames:
        request.getfixturevalue("_empty_mutable_tables")
    yield


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-" + "k" * 40, env="development")


@pytest.fixture
def app(settings: Settings) -> Starlette:
    from api.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app in-process, with its lifespan running as a server's would."""
    async with app.router.lifespan_context(app) as state:
        transport = httpx.ASGITransport(app=_with_lifespan_state(app, state))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


def _with_lifespan_state(app: ASGIApp, state: Mapping[str, Any] | None) -> ASGIApp:
    """Give each request a copy of the lifespan state, as uvicorn does (httpx does not)."""
    if not state:
        return app

    async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, "state": dict(state)}, receive, send)

    return with_state
