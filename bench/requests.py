"""What one request costs in process, operation by operation, beside a plain endpoint.

Five operations the web client sends every day, through the real app (ASGI, no network; the
requests handed to it by benchkit/asgi.py, so no client library's own work is timed):
`openCase` and `case(id)` and `cases(first: 20)` as a volunteer, `acceptReferral` as an
officer, `caseStats` as a supervisor. Beside each, a plain Starlette endpoint that checks the
same bearer token, makes the same domain and repository calls and writes the same JSON by
hand: what the database work costs without GraphQL. The two are alternated in one run, so
the machine's noise hits both alike. The app is made as `khortor serve` makes it: what
start-up made frozen for the garbage collector, and its serving thresholds (api/app.py); with
CPython's defaults a request cost 3-5 % more CPU here (alternated in one process, 2026-12-07). Goal (issue 11): at most 5 ms per operation and GraphQL
at most twice the plain endpoint. On SQLite and, with `--database both`, on PostgreSQL.

    .venv/bin/python bench/requests.py [--database sqlite|postgresql|both] [--rounds 20] [--smoke]
                                       [--per-round 5] [--cases 60] [--profile OPERATION]

The GraphQL documents are the web client's own, taken from the build's manifest
(web/dist/trusted-documents.json; when the client has not been built, the bench builds one into
a temporary directory with vite, and without node it falls back to copies of them kept here).
Each operation is sent both ways the API accepts: as text (parsed and validated through the
caches) and as a trusted document (`documentId`: parsed and validated once at start-up).
`caseStats` is the bench's own one-line document (the dashboard asks it inside a larger one),
registered beside the client's.

Beside the times, the SQL statements each operation sends (SQLAlchemy's `before_cursor_execute`
on the engine, and on SQLite those the commit runs in its one call on aiosqlite's thread; BEGIN
not counted) and the transactions it begins, per request: unlike the times, these counts do not
depend on the machine's load.

For the two operations that write (`openCase`, `acceptReferral`), the trusted route is also
timed with the dashboards' rollup upkeep switched off (its session hooks removed, then put
back; alternated with the rest): what keeping the rollups costs a request (issue 15's goal:
at most 10 % more).

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
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from benchkit import Checks, default_server, parse_args, scratch_database, thai_national_id
from benchkit.asgi import InProcess
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse as StarletteJSON
from starlette.routing import Route

import api.app
from api.app import create_app
from api.documents import MANIFEST, document_id
from domain import commit_writes
from domain.attachments import repository as attachments
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
from domain.reference.cache import ReferenceCache
from domain.settings import Settings
from domain.stats import service as stats
from domain.stats import upkeep
from domain.stats.rules import CaseDimension
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users import service as user_service
from domain.users.principal import Principal

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "sample_cases.jsonl"
SECRET = "bench-requests-" + "x" * 40
PASSWORD = "khortor-demo"
OPERATIONS = ("openCase", "case", "cases", "acceptReferral", "caseStats")
WRITES = ("openCase", "acceptReferral")  # timed also without the rollups' upkeep
WEB = Path(__file__).resolve().parents[1] / "web"

# Copies of the web client's documents (web/src/queries.ts), used only when its build's
# manifest cannot be had (no web/dist and no node to build one).
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


# Each operation's document in the client's manifest starts so.
CLIENT_NAMES = {"openCase": "mutation OpenCase(", "case": "query Case(", "cases": "query Cases(",
                "acceptReferral": "mutation AcceptReferral("}
COPIES = {"openCase": OPEN_CASE, "case": CASE, "cases": CASES, "acceptReferral": ACCEPT}


def _client_manifest(tmp: Path) -> tuple[dict[str, str], str]:
    """The web client's registered documents (id -> text) and where they came from: the
    build's manifest, else a build of the client made into `tmp` for this run (about a
    second), else none."""
    built = api.app.WEB_DIST / MANIFEST
    if not built.is_file():
        vite = WEB / "node_modules" / ".bin" / "vite"
        if not vite.is_file() or shutil.which("node") is None:
            return {}, "copies kept in bench/requests.py (no web/dist, no node to build one)"
        out = tmp / "client"
        done = subprocess.run([str(vite), "build", "--outDir", str(out), "--emptyOutDir",
                               "--logLevel", "error"], cwd=WEB, capture_output=True, text=True)
        if done.returncode != 0 or not (out / MANIFEST).is_file():
            return {}, f"copies kept in bench/requests.py (the client did not build: {done.stderr[-200:]})"
        built = out / MANIFEST
        source = "the client's, from a build made for this run"
    else:
        source = f"the client's, from {built}"
    manifest: dict[str, str] = json.loads(built.read_text(encoding="utf-8"))
    return manifest, source


def documents(tmp: Path) -> tuple[dict[str, str], str]:
    """Each operation's document, registered as the app will find it: the client's manifest
    (or the copies) with the bench's caseStats document added, written to `tmp` and made the
    app's web/dist. Returns the texts by operation and where the client's came from."""
    manifest, source = _client_manifest(tmp)
    texts = {}
    for operation, start in CLIENT_NAMES.items():
        found = [text for text in manifest.values() if text.startswith(start)]
        texts[operation] = found[0] if len(found) == 1 else COPIES[operation]
    texts["caseStats"] = CASE_STATS
    registered = {**manifest, **{document_id(text): text for text in texts.values()}}
    (tmp / MANIFEST).write_text(json.dumps(registered), encoding="utf-8")
    api.app.WEB_DIST = tmp  # where the app's GraphQL view reads its trusted documents
    return texts, source


class Upkeep:
    """The rollups' upkeep hooks of one database (domain/bootstrap.py), switched off for a while:
    its flush hook and its commit collector; the commit's round trip writes the other queued rows
    (outbox, access log, a filing's history) alone."""

    HOOKS = (("before_flush", upkeep.upkeep), ("after_soft_rollback", upkeep.forget))

    def __init__(self, db: Database) -> None:
        self.session_class = db.write_sessions.kw["sync_session_class"]

    @contextmanager
    def off(self) -> Iterator[None]:
        collectors = self.session_class.commit_collectors
        self.session_class.commit_collectors = tuple(c for c in collectors if c is not upkeep.collect)
        for name, hook in self.HOOKS:
            event.remove(self.session_class, name, hook)
        try:
            yield
        finally:
            for name, hook in self.HOOKS:
                event.listen(self.session_class, name, hook)
            self.session_class.commit_collectors = collectors


class Statements:
    """SQL statements sent by one engine (BEGIN excluded: asyncpg sends it unseen) and the
    transactions it began, counted by SQLAlchemy's events; on SQLite also those the commit runs
    in its one call on aiosqlite's thread (domain/commit_writes.py), which the events do not see."""

    _by_engine: dict[Any, Statements] = {}

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = 0
        self.transactions = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "begin", self._begin)
        Statements._by_engine[engine.sync_engine.pool] = self  # write sessions use an engine with options: one pool
        if not hasattr(commit_writes._sqlite_run, "counted"):
            commit_writes._sqlite_run = Statements._counting(commit_writes._sqlite_run)

    @staticmethod
    def _counting(run: Callable[..., Any]) -> Callable[..., Any]:
        def counted(connection: Any, parts: dict[Any, Any], read: Any) -> Any:
            seen = Statements._by_engine.get(connection.engine.pool)
            if seen is not None:
                seen.statements += len(parts) + (read is not None)
            return run(connection, parts, read)
        counted.counted = True  # type: ignore[attr-defined]
        return counted

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):
            self.statements += 1

    def _begin(self, _conn: Any) -> None:
        self.transactions += 1

    def now(self) -> tuple[int, int]:
        return self.statements, self.transactions


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


class JSONResponse(StarletteJSON):
    """Written as the API writes its answers (orjson, api/graphql_http.py)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _plain_app(url: str, settings: Settings) -> tuple[Starlette, Database]:
    """The same domain and repository calls as the GraphQL resolvers, JSON built by hand."""
    db = open_database(url)
    calendar = government_calendar()
    known = ReferenceCache()  # as the API's process keeps reference data

    async def principal(request: Request) -> Principal:
        token = request.headers["authorization"].removeprefix("Bearer ")
        user_id = user_service.read_token(token, SECRET, datetime.now(UTC))
        assert user_id is not None
        if db.quick is not None:  # SQLite, as the API reads it
            user = await users.by_id_quickly(db.quick, user_id)
        else:
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
                                          settings.vault, known)
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
            files = await attachments.of_cases(session, [case.id])
            people = {u.id: u for u in await users.by_ids(session, {case.filed_by_id}
                                                            | {e.actor_id for e in events if e.actor_id}
                                                            | {r.assigned_to_id for r in refs if r.assigned_to_id}
                                                            | {f.uploaded_by_id for f in files if f.uploaded_by_id})}
            whole = policy.may_see_citizen(who, case, (r.org_unit_code for r in refs))
            view = citizen_data.shown(case, citizen_data.open_(settings.vault, case), whole, False)
            if whole:  # on the same connection, as the API writes it
                await privacy.record_views(db, who, {case.id}, datetime.now(UTC), on=session)
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
            "attachments": [{"id": str(f.id), "sizeBytes": f.size_bytes,
                             "attachedBy": ({"displayName": people[f.uploaded_by_id].display_name}
                                            if f.uploaded_by_id else None)}
                            for f in files],
            "attachmentRoom": {"filesLeft": settings.attachment_max_files - len(files)},
        }}})

    async def case_list(request: Request) -> JSONResponse:
        who = await principal(request)
        first = int(request.query_params["first"])
        rows, more, total = await queries.first_cases_counted(db.read_sessions, who, CaseFilter(), first)
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
    """The routes for one database, signed in as the three users the operations need."""

    gql: InProcess
    raw: InProcess
    tokens: dict[str, str]
    citizens: Citizens
    waiting: list[uuid.UUID]
    texts: dict[str, str]
    case_id: str = ""

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.tokens[username]}

    async def graphql(self, username: str, operation: str, trusted: bool = False,
                      **variables: Any) -> dict[str, Any]:
        """The operation's document, as text or (`trusted`) by its registered id."""
        text = self.texts[operation]
        document = {"documentId": document_id(text)} if trusted else {"query": text}
        response = await self.gql.post("/graphql", json={**document, "variables": variables},
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

    def routes(self) -> dict[str, tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]],
                                        Callable[[], Awaitable[Any]]]]:
        """Each operation: (GraphQL with the text, GraphQL by documentId, the plain endpoint)."""
        vol, officer, sup = "vol.naimueang", "dlpw.nongkhai", "sup.nongkhai"

        def both(username: str, operation: str, variables: Callable[[], dict[str, Any]]) -> tuple[
                Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]:
            return (lambda: self.graphql(username, operation, False, **variables()),
                    lambda: self.graphql(username, operation, True, **variables()))

        return {
            "openCase": (*both(vol, "openCase", self.citizens.variables),
                         lambda: self.plain(vol, "/openCase", self.citizens.variables())),
            "case": (*both(vol, "case", lambda: {"id": self.case_id}),
                     lambda: self.plain(vol, "/case", id=self.case_id)),
            "cases": (*both(vol, "cases", lambda: {"first": 20}),
                      lambda: self.plain(vol, "/cases", first=20)),
            "acceptReferral": (*both(officer, "acceptReferral", lambda: {"id": str(self.waiting.pop())}),
                               lambda: self.plain(officer, "/acceptReferral", {"id": str(self.waiting.pop())})),
            "caseStats": (*both(sup, "caseStats", dict), lambda: self.plain(sup, "/caseStats")),
        }


async def _check_same(bench: Bench, checks: Checks) -> None:
    """The routes answer the same case, page, counts and status."""
    vol = "vol.naimueang"
    g = (await bench.graphql(vol, "case", id=bench.case_id))["case"]
    t = (await bench.graphql(vol, "case", True, id=bench.case_id))["case"]
    p = (await bench.plain(vol, "/case", id=bench.case_id))["case"]
    checks.check(g == t, "case(id) differs between the text and the trusted document")
    checks.check((g["reference"], len(g["referrals"]), len(g["events"]), g["citizen"]["fullName"])
                 == (p["reference"], len(p["referrals"]), len(p["events"]), p["citizen"]["fullName"]),
                 f"case(id) differs: {g['reference']} / {p['reference']}")
    g = (await bench.graphql(vol, "cases", first=20))["cases"]
    p = (await bench.plain(vol, "/cases", first=20))["cases"]
    checks.check(g["totalCount"] == p["totalCount"] and [e["node"]["id"] for e in g["edges"]]
                 == [e["node"]["id"] for e in p["edges"]], "cases(first: 20) differ")
    g = (await bench.graphql("sup.nongkhai", "caseStats"))["caseStats"]["rows"]
    p = (await bench.plain("sup.nongkhai", "/caseStats"))["caseStats"]["rows"]
    checks.check(g == p, f"caseStats differ: {g} / {p}")
    total = (await bench.graphql(vol, "cases", first=1))["cases"]["totalCount"]
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


@dataclass
class Row:
    """One operation on one database: median seconds by route, statements and transactions
    per request (median of the counted requests)."""

    database: str
    operation: str
    text: float
    trusted: float
    plain: float
    statements: int
    transactions: int
    plain_statements: int
    plain_transactions: int
    without_upkeep: float | None = None  # trusted, the rollups' upkeep switched off


async def _count(call: Callable[[], Awaitable[Any]], counter: Statements, n: int = 5) -> tuple[int, int]:
    """Statements and transactions of one request: the median of `n` requests, one at a time."""
    counts = []
    for _ in range(n):
        before = counter.now()
        await call()
        after = counter.now()
        counts.append((after[0] - before[0], after[1] - before[1]))
    return (int(statistics.median(c[0] for c in counts)),
            int(statistics.median(c[1] for c in counts)))


async def measure(kind: str, args: argparse.Namespace, checks: Checks) -> list[Row]:
    citizens = Citizens()
    accepts = 4 * (args.rounds * args.per_round + 3 + 5) + 2  # text, trusted, plain, without upkeep
    with tempfile.TemporaryDirectory() as tmp:
        texts, source = documents(Path(tmp))
        checks.facts.append(f"documents: {source}")
        async with _database(kind, args.server, tmp) as url:
            waiting = await _prepare(url, args.cases, accepts, citizens)
            checks.check(len(waiting) >= accepts, f"{len(waiting)} referrals to accept, need {accepts}")
            settings = Settings(database_url=url, secret_key=SECRET)
            # As `khortor serve` makes it; with --database both a second app in this process is
            # frozen too (what the first left is then frozen with it: memory only, in a bench).
            app = create_app(settings, freeze_startup=True)
            plain, plain_db = _plain_app(url, settings)
            counted, plain_counted = Statements(app.state.db.engine), Statements(plain_db.engine)
            upkept = Upkeep(app.state.db)
            gql, raw = InProcess(app), InProcess(plain)
            async with app.router.lifespan_context(app):
                tokens = {}
                for username in ("vol.naimueang", "dlpw.nongkhai", "sup.nongkhai"):
                    login = await gql.post("/graphql", json={"query": "mutation($u: String!, $p: String!) "
                                           "{ login(username: $u, password: $p) { ... on LoginSuccess { token } } }",
                                           "variables": {"u": username, "p": PASSWORD}})
                    tokens[username] = login.json()["data"]["login"]["token"]
                bench = Bench(gql, raw, tokens, citizens, waiting, texts)
                page = await bench.graphql("vol.naimueang", "cases", first=1)
                bench.case_id = page["cases"]["edges"][0]["node"]["id"]
                await _check_same(bench, checks)
                rows = []
                for name, (as_text, as_id, via_plain) in bench.routes().items():
                    # Warm every route; a filing of each sample problem type, so that each side's
                    # reference data (problem types, routing rules) is in its process's cache.
                    warm = len(citizens.samples) if name == "openCase" else 3
                    for route in (as_text, as_id, via_plain):
                        for _ in range(warm):
                            await route()
                    statements, transactions = await _count(as_id, counted)
                    text_counts = await _count(as_text, counted)
                    checks.check(text_counts == (statements, transactions),
                                 f"{name}: {text_counts} statements and transactions as text, "
                                 f"{(statements, transactions)} by documentId")
                    plain_statements, plain_transactions = await _count(via_plain, plain_counted)
                    times: tuple[list[float], ...] = ([], [], [], [])
                    writes = name in WRITES
                    for _ in range(args.rounds):
                        for route, spent in zip((as_text, as_id, via_plain), times, strict=False):
                            spent.append(await _time(route, args.per_round))
                        if writes:
                            with upkept.off():
                                times[3].append(await _time(as_id, args.per_round))
                    t, i, p = (statistics.median(spent) for spent in times[:3])
                    rows.append(Row(kind, name, t, i, p, statements, transactions,
                                    plain_statements, plain_transactions,
                                    statistics.median(times[3]) if writes else None))
                if args.profile:
                    await _profile(bench, args.profile)
            await plain_db.dispose()
    return rows


async def _profile(bench: Bench, operation: str, n: int = 50) -> None:
    """The costliest functions of `n` GraphQL requests of one operation, under cProfile."""
    via_graphql = bench.routes()[operation][1]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        await via_graphql()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(f"--- profile: {n} x {operation} via GraphQL (trusted document) ---")
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
    for fact in dict.fromkeys(checks.facts):
        print(fact)
    print("text: the document sent as text; trusted: by documentId; plain: the Starlette endpoint. "
          "SQL: statements per request (BEGIN not counted), tx: transactions begun")
    print(f"{'database':<11} {'operation':<15} {'text ms':>8} {'trusted ms':>10} {'plain ms':>9} "
          f"{'trusted/plain':>13} {'SQL':>4} {'tx':>3} {'plain SQL':>9} {'plain tx':>8}")
    for r in rows:
        print(f"{r.database:<11} {r.operation:<15} {r.text * 1000:8.2f} {r.trusted * 1000:10.2f} "
              f"{r.plain * 1000:9.2f} {r.trusted / r.plain:13.2f} {r.statements:4d} {r.transactions:3d} "
              f"{r.plain_statements:9d} {r.plain_transactions:8d}")
    print("the rollups' upkeep per request (trusted documents, with / without it):")
    for r in rows:
        if r.without_upkeep is not None:
            print(f"{r.database:<11} {r.operation:<15} {r.trusted * 1000:8.2f} / {r.without_upkeep * 1000:6.2f} ms "
                  f"{(r.trusted / r.without_upkeep - 1) * 100:+6.1f} %")
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
