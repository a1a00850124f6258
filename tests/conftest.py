"""Shared fixtures: a migrated, seeded database per backend, and the app over HTTP.

Every test that touches the database runs on SQLite, and on PostgreSQL as well whenever
KHORTOR_TEST_DATABASE_URL names a server (a fresh `khortor_test_<hex>` database is made
on it and dropped at the end). In CI (env CI set) PostgreSQL is required: a missing URL
fails the run instead of skipping it. After each test that used it, the database is put back
as the seed left it (tests/isolation.py): rows the test wrote are deleted, wherever they are;
the reference data and the demo users stay.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from argon2 import PasswordHasher

from domain.bootstrap import open_database
from domain.db import Database
from domain.demo import DEMO_PASSWORD, seed_demo
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.databases import BACKENDS, fresh_database, migrate
from tests.isolation import SeedSnapshot

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.types import ASGIApp, Receive, Scope, Send

# The demo users of the test databases get an argon2id hash with the smallest parameters: the
# same algorithm and code path, but a 1 ms check instead of 200 ms (the suite signs in some
# thousands of times). Users made by the tests themselves, and every real deployment, get the
# default parameters (tests/domain/test_passwords.py).
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

# What the seed wrote to each shared database, by URL: taken in `db_url`, right after seeding.
_SEEDS = pytest.StashKey[dict[str, SeedSnapshot]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `postgresql_only` has no SQLite variant: it is deselected (never a
    skipped test that CI never runs); CI always has PostgreSQL."""
    def on_sqlite(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        return callspec is not None and callspec.params.get("backend") == "sqlite"

    dropped = [item for item in items if item.get_closest_marker("postgresql_only") and on_sqlite(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = {id(item) for item in dropped}
        items[:] = [item for item in items if id(item) not in gone]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind, sqlite or postgresql: every database test runs on each."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
async def db_url(backend: str, tmp_path_factory: pytest.TempPathFactory,
                 request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The shared test database: migrated, reference data and demo users loaded."""
    async with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        await migrate(url)
        db = open_database(url)
        try:
            async with UnitOfWork(db) as uow:
                await seed_demo(uow.session, DEMO_PASSWORD, datetime.now(UTC), TEST_HASHER)
            request.config.stash.setdefault(_SEEDS, {})[url] = await SeedSnapshot.take(db)
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
    database = open_database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
def seed_snapshot(db_url: str, request: pytest.FixtureRequest) -> SeedSnapshot:
    """What the seed left in the shared database: every table's count, the seeded rows."""
    return request.config.stash[_SEEDS][db_url]


@pytest.fixture
async def _restore_seed(db: Database, seed_snapshot: SeedSnapshot) -> AsyncIterator[None]:
    yield
    await seed_snapshot.restore(db)


@pytest.fixture(autouse=True)
def _clean_database_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the shared database, put it back as the seed left it.

    Set up before the test's other fixtures, so it runs after they are torn down (servers
    and workers have stopped writing by then).
    """
    if "db_url" in request.fixturenames:
        request.getfixturevalue("_restore_seed")
    yield


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-" + "k" * 40, env="development",
                    attachments_dir=str(tmp_path / "attachments"))


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
