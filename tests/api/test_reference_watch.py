"""An admin's change made in one API process reaches the filings of another at once
(PostgreSQL: domain/watch.py). Two apps on one database stand for two processes of
`khortor serve --workers 2`, each with its own cache of reference data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from api.app import create_app
from domain.db import Database
from domain.watch import APPLICATION_NAME
from domain.settings import Settings
from tests.api.test_reference_admin import ADD_RULE, ADD_UNIT, BRANCH, REMOVE_RULE, _one
from tests.factories import file_case
from tests.helpers import login

pytestmark = pytest.mark.postgresql_only  # SQLite: one process serves, and clears its own cache


@asynccontextmanager
async def other_process(settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://other") as http:
            yield app, http


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within the time allowed")


async def routed_to(http: httpx.AsyncClient, token: str) -> list[str]:
    case = await file_case(http, token, "UNPAID_WAGES", "430101")
    return [r["orgUnit"]["code"] for r in case["referrals"]]


async def test_a_rule_added_and_removed_in_one_process_routes_the_next_filing_in_another(
    client: httpx.AsyncClient, app: Starlette, settings: Settings,
) -> None:
    admin = await login(client, "admin")
    async with other_process(settings) as (other, http):
        await until(lambda: other.state.reference.exact)  # it listens: filings use its cache
        volunteer = await login(http, "vol.naimueang")
        assert await routed_to(http, volunteer) == ["DLPW-43"]
        assert other.state.reference.routing_rules  # the rules are kept there now

        await _one(client, ADD_UNIT, {"input": BRANCH}, admin)
        added = await _one(client, ADD_RULE, {"input": {"categoryCode": "UNPAID_WAGES", "areaPrefix": "4301",
                                                        "orgUnitCode": "DLPW-43-01"}}, admin)
        await until(lambda: not other.state.reference.routing_rules)
        assert await routed_to(http, volunteer) == ["DLPW-43-01"]

        await _one(client, REMOVE_RULE, {"id": added["rule"]["id"]}, admin)
        await until(lambda: not other.state.reference.routing_rules)
        assert await routed_to(http, volunteer) == ["DLPW-43"]


async def test_while_it_cannot_listen_a_process_files_from_the_database(
    client: httpx.AsyncClient, app: Starlette, db: Database,
) -> None:
    """A lost listening connection: nothing said in the meantime can be missed, as filings read
    the database until the connection is back (and the cache is dropped then)."""
    volunteer = await login(client, "vol.naimueang")
    await until(lambda: app.state.reference.exact)
    assert await routed_to(client, volunteer) == ["DLPW-43"]
    async with db.engine.connect() as connection:
        killed = (await connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name "
            "AND datname = current_database()"), {"name": APPLICATION_NAME})).scalars().all()
    assert killed and all(killed)  # this app's (and any a test before left closing)
    await until(lambda: not app.state.reference.exact)
    assert not app.state.reference.routing_rules
    await until(lambda: app.state.reference.exact)  # back, by itself
    assert await routed_to(client, volunteer) == ["DLPW-43"]
