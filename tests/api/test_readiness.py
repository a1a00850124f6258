"""`/healthz` and `/readyz`: ready when the database (and Redis, when configured) answer."""

from __future__ import annotations

import os
from dataclasses import replace

import httpx
import pytest

from api.app import create_app
from domain.settings import Settings

# The machine's Redis (scripts/test sets it); a Redis that is down fails this test.
REDIS_URL = os.environ.get("KHORTOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _get(settings: Settings, path: str) -> httpx.Response:
    """One request to a fresh app, without its lifespan (which would need the database)."""
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await http.get(path)
    finally:
        await app.state.db.dispose()


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}
    assert response.headers["cache-control"] == "no-store"
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_not_ready_when_the_database_does_not_answer(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    missing = tmp_path_factory.mktemp("gone") / "no-such-dir" / "khortor.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{missing}", secret_key="s" * 40)
    response = await _get(settings, "/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "failed"}}
    assert "no-such-dir" not in response.text


async def test_not_ready_when_redis_does_not_answer_and_no_secret_leaks(settings: Settings) -> None:
    unreachable = replace(settings, redis_url="redis://:hunter2-secret@127.0.0.1:1/0")
    response = await _get(unreachable, "/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable",
                               "checks": {"database": "ok", "redis": "failed"}}
    assert "hunter2" not in response.text and "127.0.0.1" not in response.text


async def test_ready_when_redis_answers(settings: Settings) -> None:
    with_redis = replace(settings, redis_url=REDIS_URL)
    response = await _get(with_redis, "/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}

