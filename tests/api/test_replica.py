"""Reports read from a real streaming replica (issue 15, item 4): KHORTOR_READ_DATABASE_URL.

Each test makes a hot standby of the test cluster (tests/pg_replica.py: `pg_basebackup -R -X
stream`, `pg_ctl start` on a free port) and runs the app with `read_database_url` on it.

The proof that a dashboard is served from the replica: its replay is paused
(`pg_wal_replay_pause()`), then cases are filed on the primary while `caseStats` is asked at
the same time. The dashboard keeps answering the replica's older figures while the primary has
more cases; the export job (reads on the replica, its row on the primary, which a replica would
refuse) does the same. Once replay resumes, the dashboard catches up. When the replica is
stopped, the reports fall back to the primary (with a warning in the log) and /readyz stays
ready, saying `reports: failed`.

PostgreSQL only: streaming replication is PostgreSQL's (no SQLite variant is collected).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from api.app import create_app
from domain.bootstrap import open_database
from domain.db import Database
from domain.settings import Settings
from domain.stats import exports
from domain.stats.exports import ExportRequest
from domain.stats.models import ExportKind, StatsExport
from domain.uow import UnitOfWork
from tests.factories import CAL, file_case, principal
from tests.helpers import gql, login
from tests.pg_replica import Replica, hot_standby
from workers import handlers

TOTAL = "query { caseStats(groupBy: []) { rows { caseCount referralCount } } }"
BY_PROVINCE = "query { caseStats(groupBy: [PROVINCE]) { rows { keys { code } caseCount } } }"
WRITES = 6


pytestmark = pytest.mark.postgresql_only


@pytest.fixture
async def replica(db_url: str) -> AsyncIterator[Replica]:
    async with hot_standby(db_url) as standby:
        yield standby


@pytest.fixture
def replica_settings(db_url: str, replica: Replica, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, read_database_url=replica.url(db_url),
                    secret_key="test-secret-" + "k" * 40, env="development",
                    attachments_dir=str(tmp_path / "attachments"))


@pytest.fixture
async def http(replica_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: Starlette = create_app(replica_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def total_cases(client: httpx.AsyncClient, token: str) -> int:
    body = await gql(client, TOTAL, None, token)
    assert "errors" not in body, body
    rows = body["data"]["caseStats"]["rows"]
    return int(rows[0]["caseCount"]) if rows else 0


async def primary_cases(db: Database) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(text("SELECT count(*) FROM case_file"))).scalar_one())


async def replica_connections(replica: Replica, db_url: str) -> int:
    """Client connections on the replica to the test's database (the app's report pool)."""
    standby = open_database(replica.url(db_url))
    try:
        async with standby.engine.connect() as connection:
            return int((await connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"))).scalar_one())
    finally:
        await standby.dispose()


async def export_job(settings: Settings, db: Database) -> StatsExport:
    """A CASES export too large for the request (limit 0): recorded on the primary, then run
    by the worker's handler with the settings' report database."""
    admin = await principal(db, "admin")
    async with UnitOfWork(db) as uow:
        outcome = await exports.request_export(db, admin, ExportRequest(ExportKind.CASES),
                                               datetime.now(UTC), CAL, uow, inline_limit=0)
    rt = handlers.Runtime.create(settings)
    try:
        await handlers.generate_export(rt, str(outcome.export.id))
    finally:
        await rt.db.dispose()
    async with db.read_sessions() as session:
        done = await session.get(StatsExport, outcome.export.id)
    assert done is not None and done.status == "DONE", done
    return done


async def test_a_dashboard_is_served_from_the_replica_while_the_primary_takes_writes(
        http: httpx.AsyncClient, replica: Replica, replica_settings: Settings, db: Database,
        db_url: str) -> None:
    started = time.monotonic()
    admin = await login(http, "admin")
    volunteer = await login(http, "vol.naimueang")
    for _ in range(2):
        await file_case(http, volunteer)
    await total_cases(http, admin)  # stores the stats calendar on the primary
    await replica.catch_up()
    before = await total_cases(http, admin)
    assert before == await primary_cases(db) >= 2
    assert await replica_connections(replica, db_url) >= 1  # the app's report pool is on the replica

    await replica.pause_replay()
    try:
        # Filing on the primary and dashboards at the same time: the replica's figures hold still.
        filings = [file_case(http, volunteer) for _ in range(WRITES)]
        dashboards = [total_cases(http, admin) for _ in range(WRITES)]
        results = await asyncio.gather(*filings, *dashboards)
        assert all(isinstance(case["id"], str) for case in results[:WRITES])
        assert results[WRITES:] == [before] * WRITES
        assert await primary_cases(db) == before + WRITES
        assert await total_cases(http, admin) == before
        body = await gql(http, BY_PROVINCE, None, admin)
        assert sum(r["caseCount"] for r in body["data"]["caseStats"]["rows"]) == before
        # The export job reads the replica's figures and records the file on the primary.
        done = await export_job(replica_settings, db)
        assert done.row_count == before
        # The lag is published while the replica is behind.
        metrics = (await http.get("/metrics")).text
        lag = [line for line in metrics.splitlines()
               if line.startswith("khortor_report_replica_lag_seconds ")]
        assert lag and float(lag[0].split()[1]) > 0, metrics[-1500:]
    finally:
        await replica.resume_replay()
    await replica.catch_up()
    assert await total_cases(http, admin) == before + WRITES
    ready = (await http.get("/readyz")).json()
    assert ready == {"status": "ready", "checks": {"database": "ok", "reports": "ok"}}
    assert time.monotonic() - started < 30


async def test_reports_fall_back_to_the_primary_when_the_replica_is_down(
        http: httpx.AsyncClient, replica: Replica, replica_settings: Settings, db: Database,
        caplog: pytest.LogCaptureFixture) -> None:
    admin = await login(http, "admin")
    volunteer = await login(http, "vol.naimueang")
    await file_case(http, volunteer)
    await total_cases(http, admin)
    await replica.stop()
    await file_case(http, volunteer)  # the primary has one more case than the replica ever saw
    with caplog.at_level(logging.WARNING, logger="khortor.db"):
        assert await total_cases(http, admin) == await primary_cases(db)
    assert any("report database unavailable" in r.getMessage() for r in caplog.records), caplog.text
    assert (await export_job(replica_settings, db)).row_count == await primary_cases(db)
    answer = await http.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "checks": {"database": "ok", "reports": "failed"}}
