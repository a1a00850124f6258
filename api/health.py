"""`/healthz` (the process answers) and `/readyz` (its database and broker answer too; and
the report database when one is set, shown without deciding readiness).

The readiness body names each dependency and says `ok` or `failed`, nothing more: no URL,
host name or exception text reaches the caller (the failure is logged without secrets).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.db import Database
from domain.settings import Settings

CHECK_TIMEOUT_SECONDS = 2.0
# Checks reported but not required: the report database (KHORTOR_READ_DATABASE_URL, a read
# replica). While it is down the reports read from the primary, so the process still serves.
OPTIONAL = frozenset({"reports"})
log = logging.getLogger(__name__)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


async def ping_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
                            socket_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        if not await client.ping():
            raise ConnectionError("Redis did not answer PING")
    finally:
        await client.aclose()


async def _check(name: str, probe: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means not ready; keep the details in our log
        log.warning("readiness check %s failed: %s", name, type(error).__name__)
        return "failed"
    return "ok"


def readyz_endpoint(db: Database, settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    async def readyz(request: Request) -> Response:
        probes: dict[str, Callable[[], Awaitable[None]]] = {"database": db.ping}
        if settings.redis_url:
            redis_url = settings.redis_url
            probes["redis"] = lambda: ping_redis(redis_url)
        if db.report_engine is not None:  # shown, never failing readiness (see OPTIONAL)
            probes["reports"] = db.ping_reports
        results = await asyncio.gather(*(_check(name, probe) for name, probe in probes.items()))
        checks = dict(zip(probes, results, strict=True))
        ready = all(result == "ok" for name, result in checks.items() if name not in OPTIONAL)
        return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                            status_code=200 if ready else 503,
                            headers={"cache-control": "no-store"})

    return readyz
