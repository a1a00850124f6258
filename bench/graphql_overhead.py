"""What GraphQL costs on top of the same data served as plain JSON.

The `cases(first: 50)` query (with referrals, offices, categories and areas) through the
real app, against a plain Starlette endpoint that loads the same rows with the same
repository functions and returns the same JSON. The two are alternated in one run, so
the machine's noise hits both alike; the ratio plain/GraphQL is printed (higher is
better; graphql-core's own execution bounds it near 0.08 on this stack). Each filing is a
different citizen (national IDs of their own), so none meets the duplicate-case warning.
Exits 1 when the two answers are not the same data or the counts differ from what was filed.

    .venv/bin/python bench/graphql_overhead.py [--rounds 30] [--database-url URL] [--smoke]

`--smoke`: 8 cases, 2 rounds of 1 request, for CI (no timing goal is checked).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from benchkit import Checks, parse_args, thai_national_id
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.app import create_app
from api.pagination import time_cursor
from domain.bootstrap import open_database
from domain.clock.business import government_calendar
from domain.cases import repository as cases
from domain.cases import filing
from domain.cases.commands import CaseFilter, CitizenDetails, OpenCase
from domain.demo import seed_demo
from domain.migrations import upgrade
from domain.reference import repository as reference
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.principal import Principal

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "sample_cases.jsonl"
PAGE = 50
QUERY = """
query Cases($first: Int!) {
  cases(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id reference status description capturedAt receivedAt version escalationLevel
      category { code nameTh nameEn }
      subdistrict { code nameTh district { code nameTh province { code nameTh } } }
      referrals { id status acceptDueAt resolveDueAt orgUnit { code nameTh agency { code } } }
    } }
  }
}
"""


async def _prepare(url: str, count: int) -> None:
    await asyncio.to_thread(upgrade, url)
    db = open_database(url)
    now = datetime.now(UTC)
    async with UnitOfWork(db) as uow:
        await seed_demo(uow.session, "khortor-demo", now)
    samples = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line]
    async with db.read_sessions() as session:
        volunteer = await users.by_username(session, "vol.naimueang")
    assert volunteer is not None
    principal = Principal.of(volunteer)
    for i in range(count):
        sample = samples[i % len(samples)]
        async with UnitOfWork(db) as uow:
            await filing.open_case(uow, principal, OpenCase(
                client_id=uuid.uuid4(), category_code=sample["categoryCode"],
                subdistrict_code="430101", description=sample["description"],
                citizen=CitizenDetails("สมชาย ใจดี", thai_national_id(f"1{i:011d}"), "0812345678", True),
            ), now, government_calendar(), Settings().vault)
    await db.dispose()


def _plain_app(url: str, username: str) -> Starlette:
    """The same rows, loaded with the same repository calls, as hand-built JSON."""
    db = open_database(url)

    async def endpoint(request: Request) -> JSONResponse:
        first = int(request.query_params.get("first", "50"))
        async with db.read_sessions() as session:
            user = await users.by_username(session, username)
            assert user is not None
            principal = Principal.of(user)
            rows, more, total = await cases.first_cases_counted(session, principal, CaseFilter(), first)
            referrals = await cases.referrals_of(session, [r.id for r in rows])
            units = {u.code: u for u in await reference.org_units(session, {r.org_unit_code for r in referrals})}
            categories = {c.code: c for c, _ in await reference.categories(session)}
            areas = {a.code: a for a in await reference.areas_with_parents(session, {r.subdistrict_code for r in rows})}
        by_case: dict[uuid.UUID, list[Any]] = {}
        for ref in referrals:
            by_case.setdefault(ref.case_id, []).append(ref)

        def area(code: str) -> dict[str, Any]:
            return {"code": code, "nameTh": areas[code].name_th}

        edges = [{"cursor": time_cursor(r.received_at, r.id), "node": {
            "id": str(r.id), "reference": r.reference, "status": r.status,
            "description": r.description, "capturedAt": r.captured_at.isoformat(),
            "receivedAt": r.received_at.isoformat(), "version": r.version,
            "escalationLevel": r.escalation_level,
            "category": {"code": r.category_code, "nameTh": categories[r.category_code].name_th,
                         "nameEn": categories[r.category_code].name_en},
            "subdistrict": {**area(r.subdistrict_code), "district": {
                **area(r.district_code), "province": area(r.province_code)}},
            "referrals": [{"id": str(f.id), "status": f.status,
                           "acceptDueAt": f.accept_due_at.isoformat(),
                           "resolveDueAt": f.resolve_due_at.isoformat(),
                           "orgUnit": {"code": f.org_unit_code,
                                       "nameTh": units[f.org_unit_code].name_th,
                                       "agency": {"code": units[f.org_unit_code].agency_code}}}
                          for f in by_case.get(r.id, [])],
        }} for r in rows]
        return JSONResponse({"data": {"cases": {"totalCount": total, "pageInfo": {
            "hasNextPage": more, "endCursor": edges[-1]["cursor"] if edges else None},
            "edges": edges}}})

    return Starlette(routes=[Route("/plain", endpoint)])


def _check_same(checks: Checks, g_data: dict[str, Any], p_data: dict[str, Any], filed: int) -> None:
    """Both routes answer the same data: every case filed, one page of it, referrals and all."""
    shown = min(PAGE, filed)
    checks.check(g_data["totalCount"] == p_data["totalCount"] == filed,
                 f"totalCount: GraphQL {g_data['totalCount']}, plain {p_data['totalCount']}, filed {filed}")
    checks.check(len(g_data["edges"]) == len(p_data["edges"]) == shown,
                 f"edges: GraphQL {len(g_data['edges'])}, plain {len(p_data['edges'])}, expected {shown}")
    checks.check(all(len(e["node"]["referrals"]) >= 1 for e in g_data["edges"]),
                 "a filed case without a referral")
    same = checks.check(g_data == p_data, "GraphQL and the plain endpoint answer different data")
    print(f"same data from GraphQL and the plain endpoint: {same} "
          f"({len(g_data['edges'])} cases of {g_data['totalCount']}, "
          f"{sum(len(e['node']['referrals']) for e in g_data['edges'])} referrals)")
    if not same:
        for g_edge, p_edge in zip(g_data["edges"], p_data["edges"], strict=False):
            if g_edge != p_edge:
                print("   differs:", json.dumps(g_edge, ensure_ascii=False), json.dumps(p_edge, ensure_ascii=False))
                break


async def _time(call: Any, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - start) / n


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--database-url", default=None)
    args = parse_args(parser, {"cases": 8, "rounds": 2, "per_round": 1})
    checks = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        await _prepare(url, args.cases)
        app = create_app(Settings(database_url=url, secret_key="bench-" + "x" * 40))
        plain = _plain_app(url, "vol.naimueang")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as gql, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://b") as raw:
            login = await gql.post("/graphql", json={"query": 'mutation { login(username: "vol.naimueang", password: "khortor-demo") { ... on LoginSuccess { token } } }'})
            headers = {"Authorization": "Bearer " + login.json()["data"]["login"]["token"]}
            body = {"query": QUERY, "variables": {"first": PAGE}}

            async def via_graphql() -> None:
                response = await gql.post("/graphql", json=body, headers=headers)
                assert response.status_code == 200 and "errors" not in response.json()

            async def via_plain() -> None:
                response = await raw.get("/plain", params={"first": PAGE})
                assert response.status_code == 200

            g_data = (await gql.post("/graphql", json=body, headers=headers)).json()["data"]["cases"]
            p_data = (await raw.get("/plain", params={"first": PAGE})).json()["data"]["cases"]
            _check_same(checks, g_data, p_data, args.cases)
            for _ in range(3):  # warm both
                await via_graphql()
                await via_plain()
            g_times, p_times = [], []
            for _ in range(args.rounds):
                g_times.append(await _time(via_graphql, args.per_round))
                p_times.append(await _time(via_plain, args.per_round))
        g, p = statistics.median(g_times), statistics.median(p_times)
        print(f"database: {url.split(':')[0]}; cases(first: {PAGE}) of {args.cases} cases, "
              f"{args.rounds} alternating rounds of {args.per_round}")
        print(f"graphql  median {g * 1000:8.2f} ms/request")
        print(f"plain    median {p * 1000:8.2f} ms/request")
        print(f"ratio plain/graphql = {p / g:.3f}  (goal >= 0.07)")
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
