"""Request ids, `/metrics` and its token (issue 6), against the real app on SQLite and
PostgreSQL and the real Redis (KHORTOR_TEST_REDIS_URL; a Redis that is down fails)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, insert, select, text

from api.app import create_app
from api.metrics import queue_keys
from domain.cases.models import CaseEvent
from domain.db import Database
from domain.escalations import repository as escalations
from domain.escalations.service import escalate_if_overdue
from domain.outbox.models import OutboxJob
from domain.settings import Settings
from domain.uow import UnitOfWork
from api.app import web_routes
from tests.conftest import _with_lifespan_state
from tests.factories import CAL, bkk, file_case_directly
from tests.helpers import LOGIN, gql
from tests.workers.harness import client_app, key_prefix, redis_url_or_fail

HEX_ID = re.compile(r"[0-9a-f]{32}")
TOKEN = "metrics-" + "t" * 40


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and sorted labels."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def value(body: str, name: str, **labels: str) -> float:
    return samples(body).get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_the_request_id_is_taken_when_well_formed_and_made_otherwise(
        client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.2_x"})
    assert given.headers["x-request-id"] == "lb-7f3a.2_x"
    for bad in ("x" * 65, "has space", "semi;colon", "ไทย".encode(), "1101700230705", "0812345678"):
        made = await client.get("/healthz", headers={"X-Request-ID": bad})
        assert HEX_ID.fullmatch(made.headers["x-request-id"]), bad
    fresh = [(await client.get("/healthz")).headers["x-request-id"] for _ in range(2)]
    assert all(HEX_ID.fullmatch(r) for r in fresh) and fresh[0] != fresh[1]
    assert (await client.get("/no-such-page")).headers["x-request-id"]
    too_large = await client.post("/graphql", content=b"{" + b" " * 300_000 + b"}",
                                  headers={"content-type": "application/json", "X-Request-ID": "big-1"})
    assert (too_large.status_code, too_large.headers["x-request-id"]) == (413, "big-1")
    # SecurityHeaders stays outermost: the 413 carries both.
    assert too_large.headers["x-content-type-options"] == "nosniff"


async def test_counters_move_with_requests_by_route_template(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    await client.get("/healthz")
    await client.get("/healthz")
    await gql(client, "{ __typename }")
    await gql(client, LOGIN, {"username": "1101700230705", "password": "wrong"})
    await client.post("/graphql", json={"query": "{ nope }"}, headers={"X-Request-ID": "bad-q"})
    await client.get("/cases/1101700230705?phone=0812345678")  # the web client's own route
    await client.get("/assets/1101700230705.js")  # a file the build does not have
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("khortor_http_requests_total", method="GET", route="/healthz", status="200") == 2
    assert moved("khortor_http_requests_total", method="POST", route="/graphql", status="200") >= 2
    assert moved("khortor_http_request_duration_seconds_count", method="GET", route="/healthz") == 2
    # the built web client answers every other path (scripts/test builds it): by its template
    assert web_routes(), "the web client is not built: scripts/test builds it (cd web && npm run build)"
    assert moved("khortor_http_requests_total", method="GET", route="/{path}", status="200") == 1
    assert moved("khortor_http_requests_total", method="GET", route="/{path}", status="404") == 1
    assert moved("khortor_graphql_operations_total", operation_type="query", outcome="ok") == 1
    assert moved("khortor_graphql_operations_total", operation_type="mutation", outcome="ok") == 1
    assert moved("khortor_graphql_operations_total", operation_type="query", outcome="error") == 1
    assert "1101700230705" not in after and "0812345678" not in after and "/cases" not in after


async def test_escalations_and_outbox_match_the_database(
        client: httpx.AsyncClient, db: Database) -> None:
    monday = bkk(2026, 11, 23, 10)
    _, first = await file_case_directly(db, monday, CAL)
    _, second = await file_case_directly(db, monday, CAL)
    async with UnitOfWork(db) as uow:  # the warning and level 1
        await escalate_if_overdue(uow, first.id, bkk(2026, 11, 26, 9), CAL)
    async with UnitOfWork(db) as uow:  # every level of the acceptance deadline
        await escalate_if_overdue(uow, second.id, bkk(2026, 12, 15, 9), CAL)
    body = await scrape(client)
    async with db.read_sessions() as session:
        def count(*where: object) -> object:
            return select(func.count()).select_from(CaseEvent).where(*where)  # type: ignore[arg-type]

        escalated = (await session.execute(count(CaseEvent.type == "ESCALATED"))).scalar_one()
        warnings = (await session.execute(count(CaseEvent.type == "DEADLINE_WARNING"))).scalar_one()
        pending = (await session.execute(select(func.count()).select_from(OutboxJob).where(
            OutboxJob.done_at.is_(None)))).scalar_one()  # type: ignore[union-attr]
    levels = {lv: value(body, "khortor_escalations_total", level=str(lv)) for lv in (1, 2, 3)}
    assert escalated >= 4 and sum(levels.values()) == escalated, (levels, escalated)
    assert levels[3] == 1 and levels[1] == 2
    assert value(body, "khortor_deadline_warnings_total") == warnings >= 2
    assert pending > 0 and value(body, "khortor_outbox_pending") == pending
    assert "khortor_queue_depth" not in body  # no Redis configured


async def test_queue_depth_is_the_length_of_the_celery_queue_in_redis(settings: Settings) -> None:
    url = redis_url_or_fail()
    with key_prefix(url) as prefix:
        sender = client_app(url, prefix)
        for _ in range(3):
            sender.send_task("outbox.relay", retry=False)
        sender.send_task("outbox.relay", retry=False, priority=6)
        app = create_app(replace(settings, redis_url=url, redis_prefix=prefix))
        body = await _scrape_once(app)
        lengths = [redis.Redis.from_url(url).llen(key) for key in queue_keys(prefix, "celery")]
    assert sum(lengths) == 4 and lengths[0] == 3  # the default priority's list, and one more
    assert value(body, "khortor_queue_depth", queue="celery") == 4


async def _scrape_once(app: object, **headers: str) -> str:
    async with app.router.lifespan_context(app) as state:  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=_with_lifespan_state(app, state))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return response.text


async def _status(settings: Settings, **headers: str) -> int:
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            return (await http.get("/metrics", headers=headers)).status_code
    finally:
        await app.state.db.dispose()


async def test_the_token_is_required_when_set_and_production_without_one_is_a_404(
        settings: Settings) -> None:
    guarded = replace(settings, metrics_token=TOKEN)
    assert await _status(guarded) == 401
    assert await _status(guarded, Authorization="Bearer wrong") == 401
    assert await _status(guarded, Authorization=TOKEN) == 401
    assert await _status(guarded, Authorization=f"Bearer {TOKEN}") == 200
    assert await _status(replace(guarded, env="production"), Authorization=f"Bearer {TOKEN}") == 200
    assert await _status(replace(settings, env="production")) == 404
    assert await _status(settings) == 200  # development without a token: open
    assert Settings.from_env({"KHORTOR_METRICS_TOKEN": TOKEN}).metrics_token == TOKEN


async def test_scrape_time_reads_use_an_index(db: Database, backend: str) -> None:
    """EXPLAIN: the outbox count reads the partial index of jobs not done; the escalation
    count reads `escalation`, never `case_event`."""
    now = datetime.now(UTC)
    rows = [{"name": "outbox.relay", "ids": {}, "created_at": now, "next_attempt_at": now,
             "attempts": 1, "done_at": None if i % 200 == 0 else now} for i in range(20_000)]
    async with UnitOfWork(db) as uow:
        await uow.session.execute(insert(OutboxJob.__table__), rows)  # type: ignore[attr-defined]
    from domain.outbox import repository as outbox

    async with db.engine.connect() as connection:
        await connection.execute(text("ANALYZE outbox_job" if backend == "postgresql" else "ANALYZE"))
        explain = "EXPLAIN" if backend == "postgresql" else "EXPLAIN QUERY PLAN"
        plans = []
        for statement in (select(func.count()).select_from(OutboxJob).where(
                OutboxJob.done_at.is_(None)),  # type: ignore[union-attr]
                escalations.fired_count_selection()):
            compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
            result = await connection.execute(text(f"{explain} {compiled}"))
            plans.append("\n".join(str(r[-1]) for r in result.all()))
        await connection.rollback()
    assert "ix_outbox_job_due" in plans[0], plans[0]
    assert "case_event" not in plans[1] and "escalation" in plans[1], plans[1]
    async with db.read_sessions() as session:
        assert await outbox.pending_count(session) == 100
