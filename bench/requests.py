"""What one request costs in process, operation by operation, beside a plain endpoint.

Five operations the web client sends every day, through the real app (ASGI, no network):
`openCase` and `case(id)` and `cases(first: 20)` as a volunteer, `acceptReferral` as an
officer, `caseStats` as a supervisor. Beside each, a plain Starlette endpoint that checks the
same bearer token, makes the same domain and repository calls and writes the same JSON by
hand: what the database work costs without GraphQL. The two are alternated in one run, so
the machine's noise hits both alike. Goal (issue 11): at most 5 ms per operation and GraphQL
at most twice the plain endpoint. On SQLite and, with `--database both`, on PostgreSQL.

    .venv/bin/python bench/requests.py [--database sqlite|postgresql|both] [--rounds 20] [--smoke]
                                       [--per-round 5] [--cases 60] [--profile OPERATION]

`--profile case` (or another operation's name) prints the 25 costliest functions of that
GraphQL operation under cProfile, after the table. Exits 1 when an answer is wrong: the two
routes must give the same case, page, counts and referral status. `--smoke` (1 round of 1,
5 cases) is what CI runs (tests/test_bench_smoke.py): the checks, no timing goal.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from benchkit import Checks, default_server, parse_args, scratch_database, thai_national_id
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.app import create_app
from domain.bootstrap import open_database
from domain.cases import citizen as citizen_data
from domain.cases import filing, policy, queries, referrals
from domain.cases import repository as cases
from domain.cases.commands import AcceptReferral, CaseFilter, CitizenDetails, OpenCase
from domain.cases.state import ReferralStatus
from domain.clock.business import government_calendar
from domain.db import Database
from domain.demo import seed_demo
from domain.migrations import upgrade
from domain.privacy import service as privacy
from domain.reference import repository as reference
from domain.settings import Settings
from domain.stats import service as stats
from domain.stats.rules import CaseDimension
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users import service as user_service
from domain.users.principal import Principal

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "sample_cases.jsonl"
SECRET = "bench-requests-" + "x" * 40
PASSWORD = "khortor-demo"
OPERATIONS = ("openCase", "case", "cases", "acceptReferral", "caseStats")

# The web client's documents (web/src/queries.ts), as it sends them.
OPEN_CASE = """mutation OpenCase($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on OpenCaseSuccess { case { id reference status } }
    ... on DuplicateCaseWarning { openCaseReference openCase { id reference status } }
    ... on UserError { message messageTh code }
  }
}"""
CASE = """query Case($id: ID!) { case(id: $id) {
  id reference status description priority capturedAt receivedAt resolvedAt closedAt
  version escalationLevel outcome amountRecoveredThb satisfaction
  category { code nameTh nameEn }
  subdistrict { code nameTh nameEn district { nameTh nameEn } province { code nameTh nameEn } }
  citizen { fullName nationalId phone masked mayReveal anonymised }
  employer { name juristicId }
  filedBy { displayName }
  referrals { id status current acceptDueAt resolveDueAt nextDueAt overdue escalationLevel reason
    outcome amountRecoveredThb version orgUnit { code nameTh nameEn } assignedTo { displayName } }
  events { id type at fromStatus toStatus note internal referralId actor { displayName } }
} }"""
CASES = """query Cases($filter: CaseFilterInput, $first: Int, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id reference status capturedAt receivedAt escalationLevel
      category { code nameTh nameEn }
      subdistrict { code nameTh nameEn }
      referrals { id status current nextDueAt overdue orgUnit { code nameTh nameEn } } } }
  }
}"""
ACCEPT = """mutation AcceptReferral($id: ID!, $v: Int) {
  acceptReferral(referralId: $id, expectedVersion: $v) {
    __typename
    ... on AcceptReferralSuccess { referral { id status version } }
    ... on UserError { message messageTh code }
  }
}"""
CASE_STATS = """query ByStatus { caseStats(groupBy: [STATUS]) {
  rows { keys { code labelTh labelEn } caseCount } } }"""


def _samples() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line]


@dataclass
class Citizens:
    """A new citizen for every filing, so none meets the duplicate-case warning."""

    next: int = 0
    samples: list[dict[str, Any]] = field(default_factory=_samples)

    def case(self, category: str | None = None) -> OpenCase:
        self.next += 1
        sample = self.samples[self.next % len(self.samples)]
        return OpenCase(client_id=uuid.uuid4(), category_code=category or sample["categoryCode"],
                        subdistrict_code="430101", description=sample["description"],
                        citizen=CitizenDetails("สมชาย ใจดี", thai_national_id(f"2{self.next:011d}"),
                                               "0812345678", True))

    def variables(self) -> dict[str, Any]:
        case = self.case()
        return {"input": {"clientId": str(case.client_id), "categoryCode": case.category_code,
                          "subdistrictCode": case.subdistrict_code, "description": case.description,
                          "citizen": {"fullName": case.citizen.full_name,
                                      "nationalId": case.citizen.national_id,
                                      "phone": case.citizen.phone, "consent": True}}}


async def _principal(db: Database, username: str) -> Principal:
    async with db.read_sessions() as session:
        user = await users.by_username(session, username)
    assert user is not None, username
    return Principal.of(user)


async def _prepare(url: str, filed: int, to_accept: int, citizens: Citizens) -> list[uuid.UUID]:
    """Migrate, seed the demo organisation, file `filed` cases of the sample problems and
    `to_accept` of unpaid wages as vol.naimueang; the ids of the referrals to DLPW-43 that
    wait to be accepted."""
    await asyncio.to_thread(upgrade, url)
    db = open_database(url)
    now = datetime.now(UTC)
    async with UnitOfWork(db) as uow:
        await seed_demo(uow.session, PASSWORD, now)
    volunteer, vault = await _principal(db, "vol.naimueang"), Settings().vault
    for i in range(filed + to_accept):
        case = citizens.case("UNPAID_WAGES" if i >= filed else None)
        async with UnitOfWork(db) as uow:
            await filing.open_case(uow, volunteer, case, now, government_calendar(), vault)
    officer = await _principal(db, "dlpw.nongkhai")
    async with db.read_sessions() as session:
        rows, _ = await cases.list_cases(session, volunteer, CaseFilter(), filed + to_accept, None)
        waiting = [r.id for r in await cases.referrals_of(session, [c.id for c in rows])
                   if r.org_unit_code == officer.org_unit_code and r.status == ReferralStatus.PENDING]
    await db.dispose()
    return waiting


def _plain_app(url: str, settings: Settings) -> tuple[Starlette, Database]:
    """The same domain and repository calls as the GraphQL resolvers, JSON built by hand."""
    db = open_database(url)
    calendar = government_calendar()

    async def principal(request: Request) -> Principal:
        token = request.headers["authorization"].removeprefix("Bearer ")
        user_id = user_service.read_token(token, SECRET, datetime.now(UTC))
        assert user_id is not None
        async with db.read_sessions() as session:
            user = await users.by_id(session, user_id)
        assert user is not None
        return Principal.of(user)

    async def open_case(request: Request) -> JSONResponse:
        who, body = await principal(request), await request.json()
        i = body["input"]
        command = OpenCase(client_id=uuid.UUID(i["clientId"]), category_code=i["categoryCode"],
                           subdistrict_code=i["subdistrictCode"], description=i["description"],
                           citizen=CitizenDetails(i["citizen"]["fullName"], i["citizen"]["nationalId"],
                                                  i["citizen"]["phone"], True))
        async with UnitOfWork(db) as uow:
            case = await filing.open_case(uow, who, command, datetime.now(UTC), calendar,
                                          settings.vault)
        return JSONResponse({"data": {"openCase": {"__typename": "OpenCaseSuccess", "case": {
            "id": str(case.id), "reference": case.reference, "status": case.status}}}})

    async def one_case(request: Request) -> JSONResponse:
        who = await principal(request)
        case_id = uuid.UUID(request.query_params["id"])
        async with db.read_sessions() as session:
            case = await cases.visible_case(session, who, case_id)
            assert case is not None
            refs = await cases.referrals_of(session, [case.id])
            events = await cases.events_of(session, [case.id],
                                           include_internal=policy.may_see_internal_notes(who))
            areas = {a.code: a for a in await reference.areas_with_parents(session, [case.subdistrict_code])}
            categories = {c.code: c for c, _ in await reference.categories(session)}
            units = {u.code: u for u in await reference.org_units(session, {r.org_unit_code for r in refs})}
            people = {u.id: u for u in await users.by_ids(session, {case.filed_by_id}
                                                            | {e.actor_id for e in events if e.actor_id}
                                                            | {r.assigned_to_id for r in refs if r.assigned_to_id})}
        whole = policy.may_see_citizen(who, case, (r.org_unit_code for r in refs))
        view = citizen_data.shown(case, citizen_data.open_(settings.vault, case), whole, False)
        if whole:
            async with UnitOfWork(db) as uow:
                await privacy.record_views(uow, who, {case.id}, datetime.now(UTC))
        sub = areas[case.subdistrict_code]
        return JSONResponse({"data": {"case": {
            "id": str(case.id), "reference": case.reference, "status": case.status,
            "description": case.description, "version": case.version,
            "capturedAt": case.captured_at.isoformat(), "receivedAt": case.received_at.isoformat(),
            "category": {"code": case.category_code, "nameTh": categories[case.category_code].name_th},
            "subdistrict": {"code": sub.code, "nameTh": sub.name_th,
                            "district": {"nameTh": areas[case.district_code].name_th},
                            "province": {"nameTh": areas[case.province_code].name_th}},
            "citizen": {"fullName": view.full_name, "masked": view.masked},
            "filedBy": {"displayName": people[case.filed_by_id].display_name},
            "referrals": [{"id": str(r.id), "status": r.status, "version": r.version,
                           "orgUnit": {"code": r.org_unit_code, "nameTh": units[r.org_unit_code].name_th},
                           "assignedTo": ({"displayName": people[r.assigned_to_id].display_name}
                                          if r.assigned_to_id else None)} for r in refs],
            "events": [{"id": str(e.id), "type": e.type, "at": e.at.isoformat(), "note": e.note,
                        "actor": ({"displayName": people[e.actor_id].display_name}
                                  if e.actor_id else None)} for e in events],
        }}})

    async def case_list(request: Request) -> JSONResponse:
        who = await principal(request)
        first = int(request.query_params["first"])
        rows, more = await queries.list_cases(db, who, CaseFilter(), first, None)
        total = await queries.count_cases(db, who, CaseFilter())
        async with db.read_sessions() as session:
            refs = await cases.referrals_of(session, [r.id for r in rows])
            units = {u.code: u for u in await reference.org_units(session, {r.org_unit_code for r in refs})}
            categories = {c.code: c for c, _ in await reference.categories(session)}
            areas = {a.code: a for a in await reference.areas_with_parents(session, {r.subdistrict_code for r in rows})}
        by_case: dict[uuid.UUID, list[Any]] = {}
        for ref in refs:
            by_case.setdefault(ref.case_id, []).append(ref)
        return JSONResponse({"data": {"cases": {"totalCount": total, "pageInfo": {"hasNextPage": more},
            "edges": [{"node": {
                "id": str(r.id), "reference": r.reference, "status": r.status,
                "receivedAt": r.received_at.isoformat(),
                "category": {"code": r.category_code, "nameTh": categories[r.category_code].name_th},
                "subdistrict": {"code": r.subdistrict_code, "nameTh": areas[r.subdistrict_code].name_th},
                "referrals": [{"id": str(f.id), "status": f.status,
                               "orgUnit": {"code": f.org_unit_code, "nameTh": units[f.org_unit_code].name_th}}
                              for f in by_case.get(r.id, [])]}} for r in rows]}}})

    async def accept(request: Request) -> JSONResponse:
        who, body = await principal(request), await request.json()
        async with UnitOfWork(db) as uow:
            referral = await referrals.act_on_referral(
                uow, who, AcceptReferral(uuid.UUID(body["id"])), datetime.now(UTC), calendar)
        return JSONResponse({"data": {"acceptReferral": {"__typename": "AcceptReferralSuccess", "referral": {
            "id": str(referral.id), "status": referral.status, "version": referral.version}}}})

    async def case_stats(request: Request) -> JSONResponse:
        who = await principal(request)
        figures = await stats.case_stats(db, who, CaseFilter(), [CaseDimension.STATUS],
                                         datetime.now(UTC), calendar)
        return JSONResponse({"data": {"caseStats": {"rows": [
            {"keys": [{"code": k.code, "labelTh": k.label_th, "labelEn": k.label_en} for k in row.keys],
             "caseCount": row.case_count} for row in figures.rows]}}})

    app = Starlette(routes=[Route("/openCase", open_case, methods=["POST"]), Route("/case", one_case),
                            Route("/cases", case_list), Route("/acceptReferral", accept, methods=["POST"]),
                            Route("/caseStats", case_stats)])
    return app, db


@dataclass
class Bench:
    """Both routes for one database, signed in as the three users the operations need."""

    gql: httpx.AsyncClient
    raw: httpx.AsyncClient
    tokens: dict[str, str]
    citizens: Citizens
    waiting: list[uuid.UUID]
    case_id: str = ""

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.tokens[username]}

    async def graphql(self, username: str, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.gql.post("/graphql", json={"query": query, "variables": variables},
                                       headers=self.auth(username))
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data

    async def plain(self, username: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        if body is None:
            response = await self.raw.get(path, params=params, headers=self.auth(username))
        else:
            response = await self.raw.post(path, json=body, headers=self.auth(username))
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def routes(self) -> dict[str, tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]]:
        """Each operation: (via GraphQL, via the plain endpoint)."""
        vol, officer, sup = "vol.naimueang", "dlpw.nongkhai", "sup.nongkhai"
        return {
            "openCase": (lambda: self.graphql(vol, OPEN_CASE, **self.citizens.variables()),
                         lambda: self.plain(vol, "/openCase", self.citizens.variables())),
            "case": (lambda: self.graphql(vol, CASE, id=self.case_id),
                     lambda: self.plain(vol, "/case", id=self.case_id)),
            "cases": (lambda: self.graphql(vol, CASES, first=20),
                      lambda: self.plain(vol, "/cases", first=20)),
            "acceptReferral": (lambda: self.graphql(officer, ACCEPT, id=str(self.waiting.pop())),
                               lambda: self.plain(officer, "/acceptReferral", {"id": str(self.waiting.pop())})),
            "caseStats": (lambda: self.graphql(sup, CASE_STATS), lambda: self.plain(sup, "/caseStats")),
        }


async def _check_same(bench: Bench, checks: Checks) -> None:
    """The two routes answer the same case, page, counts and status."""
    vol = "vol.naimueang"
    g = (await bench.graphql(vol, CASE, id=bench.case_id))["case"]
    p = (await bench.plain(vol, "/case", id=bench.case_id))["case"]
    checks.check((g["reference"], len(g["referrals"]), len(g["events"]), g["citizen"]["fullName"])
                 == (p["reference"], len(p["referrals"]), len(p["events"]), p["citizen"]["fullName"]),
                 f"case(id) differs: {g['reference']} / {p['reference']}")
    g = (await bench.graphql(vol, CASES, first=20))["cases"]
    p = (await bench.plain(vol, "/cases", first=20))["cases"]
    checks.check(g["totalCount"] == p["totalCount"] and [e["node"]["id"] for e in g["edges"]]
                 == [e["node"]["id"] for e in p["edges"]], "cases(first: 20) differ")
    g = (await bench.graphql("sup.nongkhai", CASE_STATS))["caseStats"]["rows"]
    p = (await bench.plain("sup.nongkhai", "/caseStats"))["caseStats"]["rows"]
    checks.check(g == p, f"caseStats differ: {g} / {p}")
    total = (await bench.graphql(vol, CASES, first=1))["cases"]["totalCount"]
    checks.check(sum(r["caseCount"] for r in g) == total,
                 f"caseStats counts {sum(r['caseCount'] for r in g)} cases, the volunteer filed {total}")
    for route in bench.routes()["acceptReferral"]:
        answer = (await route())["acceptReferral"]
        checks.check(answer["__typename"] == "AcceptReferralSuccess" and answer["referral"]["status"]
                     == "ACCEPTED", f"acceptReferral answered {answer}")


@asynccontextmanager
async def _database(kind: str, server: str, tmp: str) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp}/requests.db"
    else:
        async with scratch_database(server) as (_, url):
            yield url


async def _time(call: Callable[[], Awaitable[Any]], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - start) / n


async def measure(kind: str, args: argparse.Namespace, checks: Checks) -> list[tuple[str, str, float, float]]:
    citizens = Citizens()
    accepts = 2 * (args.rounds * args.per_round + 3) + 2
    with tempfile.TemporaryDirectory() as tmp:
        async with _database(kind, args.server, tmp) as url:
            waiting = await _prepare(url, args.cases, accepts, citizens)
            checks.check(len(waiting) >= accepts, f"{len(waiting)} referrals to accept, need {accepts}")
            settings = Settings(database_url=url, secret_key=SECRET)
            app = create_app(settings)
            plain, plain_db = _plain_app(url, settings)
            async with app.router.lifespan_context(app), \
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as gql, \
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://b") as raw:
                tokens = {}
                for username in ("vol.naimueang", "dlpw.nongkhai", "sup.nongkhai"):
                    login = await gql.post("/graphql", json={"query": "mutation($u: String!, $p: String!) "
                                           "{ login(username: $u, password: $p) { ... on LoginSuccess { token } } }",
                                           "variables": {"u": username, "p": PASSWORD}})
                    tokens[username] = login.json()["data"]["login"]["token"]
                bench = Bench(gql, raw, tokens, citizens, waiting)
                page = await bench.graphql("vol.naimueang", CASES, first=1)
                bench.case_id = page["cases"]["edges"][0]["node"]["id"]
                await _check_same(bench, checks)
                rows = []
                for name, (via_graphql, via_plain) in bench.routes().items():
                    for _ in range(3):  # warm both
                        await via_graphql()
                        await via_plain()
                    g_times, p_times = [], []
                    for _ in range(args.rounds):
                        g_times.append(await _time(via_graphql, args.per_round))
                        p_times.append(await _time(via_plain, args.per_round))
                    rows.append((kind, name, statistics.median(g_times), statistics.median(p_times)))
                if args.profile:
                    await _profile(bench, args.profile)
            await plain_db.dispose()
    return rows


async def _profile(bench: Bench, operation: str, n: int = 50) -> None:
    """The costliest functions of `n` GraphQL requests of one operation, under cProfile."""
    via_graphql = bench.routes()[operation][0]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        await via_graphql()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(f"--- profile: {n} x {operation} via GraphQL ---")
    print(out.getvalue())


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--server", default=default_server(), help="PostgreSQL server for a scratch database")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--profile", choices=OPERATIONS, default=None)
    args = parse_args(parser, {"rounds": 1, "per_round": 1, "cases": 5})
    checks = Checks()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    rows = []
    for kind in kinds:
        rows += await measure(kind, args, checks)
    print(f"in process, median of {args.rounds} alternating rounds of {args.per_round}; "
          f"{args.cases} cases filed before")
    print(f"{'database':<11} {'operation':<15} {'GraphQL ms':>10} {'plain ms':>9} {'ratio':>6}")
    for kind, name, g, p in rows:
        print(f"{kind:<11} {name:<15} {g * 1000:10.2f} {p * 1000:9.2f} {g / p:6.2f}")
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
