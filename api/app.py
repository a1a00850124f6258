"""The Starlette application: `POST /graphql` (JSON only; api/graphql_http.py) and the web client."""

from __future__ import annotations

import asyncio
import gc
import os
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from cross_web import HTTPException as BadGraphQLRequest
from strawberry.types.unset import UNSET

from api.attachments.routes import attachment_routes
from api.context import Context
from api.loaders import SharedReads
from api.documents import TrustedDocuments, UnknownDocument
from api.graphql_http import GraphQLOverHTTP
from api.health import healthz, readyz_endpoint
from api.metrics import Metrics, metrics_endpoint
from api.observability import RequestObservability
from api.onboarding.routes import IMPORT_PATH, onboarding_routes
from api.outreach.routes import outreach_routes
from api.schema import build_schema
from api.security import SecurityHeaders
from api.unavailable import DatabaseGuard
from api.uploads.routes import UPLOADS_PREFIX, upload_routes
from domain.attachments.storage import BlobStore, blob_store
from domain.calendar.service import CalendarCache
from domain.reference.cache import ReferenceCache
from domain.bootstrap import open_database
from domain.db import Database
from domain.jobs import DiscardJobs, JobSink
from domain.onboarding.sheet import MAX_BYTES as MAX_UPLOAD_BYTES
from domain.settings import Settings
from domain.users import repository as users
from domain.users import service as user_service
from domain.users.cache import UserCache
from domain.users.models import User
from domain.users.principal import Principal
from domain.watch import watch as watch_caches

# The built web client (`npm run build` in web/); served at / when it exists.
WEB_DIST = Path(os.environ.get("KHORTOR_WEB_DIST")
                or Path(__file__).resolve().parent.parent / "web" / "dist")

BEARER = re.compile(r"^Bearer\s+(\S+)$", re.IGNORECASE)
CALENDAR_REFRESH_SECONDS = 60.0
GC_THRESHOLDS = (20_000, 10, 10)  # a serving process's cyclic collector (CPython's: 700, 10, 10)
WATCH_START_TRIES = 200  # 10 ms apart: up to 2 s for the cache watch's connection


def system_clock() -> datetime:
    return datetime.now(UTC)


class GraphQLView(GraphQLOverHTTP):
    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime],
                 jobs: JobSink, blobs: BlobStore | None = None) -> None:
        self.trusted = TrustedDocuments.load(WEB_DIST, settings.trusted_documents_only)
        super().__init__(build_schema(settings.production, self.trusted),
                         graphql_ide=None if settings.production else "graphiql",
                         allow_queries_via_get=False)
        self.settings, self.db, self.clock, self.jobs = settings, db, clock, jobs
        self.blobs = blobs or blob_store(settings)
        self.calendars = CalendarCache()
        self.reference = ReferenceCache(exact=False)  # until it listens (domain/watch.py)
        self.users = UserCache(exact=False)  # the signed-in users' rows, likewise

    def parse_json(self, data: str | bytes) -> Any:
        """A GraphQL request is one JSON object of UTF-8 text (see `refusal` for the rest)."""
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            parsed = json.loads(text, parse_constant=_no_constant)
        except RecursionError:  # thousands of `[`: refused before anything else recurses
            raise BadGraphQLRequest(400, TOO_DEEP) from None
        except ValueError:  # also UnicodeDecodeError, NaN, and numbers over 4,300 digits
            raise BadGraphQLRequest(400, "Unable to parse request body as JSON") from None
        if not isinstance(parsed, dict):
            raise BadGraphQLRequest(400, "The request body must be one JSON object "
                                     "(batched requests are not accepted).")
        problem = refusal(parsed)
        if problem is not None:
            raise BadGraphQLRequest(400, problem)
        try:
            self.trusted.resolve(parsed)
        except UnknownDocument as error:
            raise BadGraphQLRequest(400, str(error)) from None
        return parsed

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """One request, with one read session shared by its reads (api/loaders.py), closed
        when the request is over, however it ends."""
        reads = request.state.reads = SharedReads(self.db)
        try:
            return await super().run(request, context, root_value)
        finally:
            await reads.close()

    async def get_context(self, request: Any, response: Any) -> Context:
        reads: SharedReads = request.state.reads
        user = await self._signed_in(request, reads)
        # The resolvers start holding no connection: a top-level query that opens a session
        # of its own while this request held the principal's would hold one connection and
        # wait for another, and enough such requests at once drain the pool until one times
        # out (bench/load.py saw 30 s stalls).
        await reads.release()
        context = Context(request=request, response=response, settings=self.settings, db=self.db,
                          clock=self.clock, calendar=self.calendars.current, jobs=self.jobs,
                          principal=Principal.of(user) if user is not None else None,
                          reference=self.reference, reads=reads, blobs=self.blobs)
        if user is not None:  # the signed-in user's own row is not read twice (filedBy, actor)
            context.loaders.user.prime(user.id, user)
        return context

    async def _signed_in(self, request: Request, reads: SharedReads) -> User | None:
        """The active user the bearer token names, if any."""
        match = BEARER.match(request.headers.get("authorization", ""))
        if not match:
            return None
        user_id = user_service.read_token(match.group(1), self.settings.secret_key, self.clock())
        if user_id is None:
            return None
        user = self.users.get(user_id)
        if user is None and self.db.quick is not None:  # SQLite: no cache, a quick read
            user = await users.by_id_quickly(self.db.quick, user_id)
        elif user is None:
            generation = self.users.generation
            async with reads.session() as session:
                user = await users.by_id(session, user_id)
            if user is not None:
                self.users.keep(user, generation)
        return user if user is not None and user.is_active else None


def _bilingual(english: str, thai: str) -> str:
    return f"{english} / {thai}"


# A request nests 4 deep (body, variables, input, citizen); the limits leave room to spare.
MAX_JSON_DEPTH = 32
# The longest list a client sends is a page of notification ids to mark read (50).
MAX_LIST_ITEMS = 1000
# Named fragment spreads in one document (the web client uses none). The depth and alias
# rules follow every spread without memory, so fragments that each spread the next ones
# twice take 2**n steps to validate (20 levels: 9 s, before the cost limit is reached);
# 20 spreads keep any arrangement of them to a few thousand paths.
MAX_FRAGMENT_SPREADS = 20
TOO_DEEP = _bilingual(f"The request is nested too deeply (at most {MAX_JSON_DEPTH} levels).",
                      f"คำขอซ้อนกันลึกเกินไป (ไม่เกิน {MAX_JSON_DEPTH} ชั้น)")
TOO_MANY = _bilingual(f"A list (or object) in the request has more than {MAX_LIST_ITEMS:,} items.",
                      f"รายการ (หรืออ็อบเจกต์) ในคำขอมีเกิน {MAX_LIST_ITEMS:,} รายการ")
NUL = _bilingual("Text must not contain the NUL character (U+0000).",
                 "ข้อความต้องไม่มีอักขระ NUL (U+0000)")
SURROGATE = _bilingual("Text must be valid Unicode: a lone surrogate (U+D800–U+DFFF) cannot be stored.",
                       "ข้อความต้องเป็น Unicode ที่ถูกต้อง: ไม่สามารถบันทึกอักขระ surrogate เดี่ยว "
                       "(U+D800–U+DFFF) ได้")
TOO_MANY_SPREADS = _bilingual(f"The document spreads named fragments more than {MAX_FRAGMENT_SPREADS} "
                              "times; inline them (`... on Type`) instead.",
                              f"เอกสาร GraphQL ใช้ fragment แบบมีชื่อเกิน {MAX_FRAGMENT_SPREADS} ครั้ง "
                              "กรุณาเขียนแบบ inline (`... on Type`) แทน")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPREAD = re.compile(r"\.\.\.\s*(?!on\b)[_A-Za-z]")  # `...Name`, not `... on Type`


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def refusal(request: dict[str, Any]) -> str | None:
    """Why the parsed request cannot be run, or None.

    Text that no database stores (NUL; lone surrogates, which `\\ud800` in JSON makes), lists
    longer than any client sends, nesting deeper than any input has, and a document that would
    take the validation rules exponential time. One walk without recursion, so no depth makes
    it fail.
    """
    stack: list[tuple[object, int]] = [(request, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return NUL
            if not value.isascii() and _SURROGATE.search(value):
                return SURROGATE
        elif isinstance(value, dict):
            if depth > MAX_JSON_DEPTH:
                return TOO_DEEP
            if len(value) > MAX_LIST_ITEMS:
                return TOO_MANY
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            if depth > MAX_JSON_DEPTH:
                return TOO_DEEP
            if len(value) > MAX_LIST_ITEMS:
                return TOO_MANY
            stack.extend((item, depth + 1) for item in value)
    query = request.get("query")
    if isinstance(query, str) and len(_SPREAD.findall(query)) > MAX_FRAGMENT_SPREADS:
        return TOO_MANY_SPREADS  # counted in the text: in a string or comment too, rarely
    return None


class BodySizeLimit:
    """Refuse request bodies over the limit with 413, before anyone parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app, self.default_max, self.larger = app, max_bytes, larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A path that takes a file (issue 13: the import) has its own, larger limit; a key
        # ending in "/" is a prefix (issue 14: /uploads/<id>).
        max_bytes = self.limit(scope.get("path", ""))
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > max_bytes):
            await _too_large(max_bytes)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(max_bytes)(scope, receive, send)

    def limit(self, path: str) -> int:
        if path in self.larger:
            return self.larger[path]
        for prefix, limit in self.larger.items():
            if prefix.endswith("/") and path.startswith(prefix):
                return limit
        return self.default_max


class _TooLarge(Exception):
    pass


def _too_large(limit: int) -> Response:
    return JSONResponse({"errors": [{"message": f"The request is larger than {limit} bytes. / "
                                                f"คำขอมีขนาดเกิน {limit} ไบต์",
                                     "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]},
                        status_code=413)


class WebClient(StaticFiles):
    """The web client at `/`, same origin as `/graphql`.

    Hashed build files under `assets/` are cached for a year; the shell (`index.html`),
    `sw.js` and the manifest are revalidated on every load so a new build reaches phones.
    Any other path that is not a file is the single-page app's own route: `index.html`.
    """

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404 or path.startswith("assets/"):
                raise
            response = await super().get_response("index.html", scope)
        immutable = path.startswith("assets/") and response.status_code == 200
        response.headers["cache-control"] = (
            "public, max-age=31536000, immutable" if immutable else "no-cache")
        if path == "sw.js":
            response.headers["service-worker-allowed"] = "/"
        return response


def web_routes(dist: Path = WEB_DIST) -> list[BaseRoute]:
    """Mount the built web client at / if it has been built; nothing otherwise."""
    if not (dist / "index.html").is_file():
        return []
    return [Mount("/", app=WebClient(directory=dist, html=True), name="web")]


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None,
               jobs: JobSink | None = None,
               background: Callable[[], AbstractAsyncContextManager[object]] | None = None,
               freeze_startup: bool = False) -> Starlette:
    """The app. `background`, when given, runs for the app's lifetime (the embedded worker).
    `freeze_startup` (`khortor serve`: one app per process) freezes what start-up made for the
    garbage collector and sets the collector's thresholds for serving (`GC_THRESHOLDS`); a
    process that makes many apps (the tests) must not."""
    settings = settings or Settings.from_env()
    db = open_database(settings.database_url, report_url=settings.read_database_url, **settings.pool)
    store = blob_store(settings)
    view = GraphQLView(settings, db, clock or system_clock, jobs or DiscardJobs(), store)
    metrics = Metrics()

    async def refresh_calendar() -> None:
        while True:  # an admin's change made by another process reaches this one
            await asyncio.sleep(CALENDAR_REFRESH_SECONDS)
            with suppress(Exception):
                await view.calendars.refresh(db.read_sessions)
            view.reference.clear()
            view.users.clear()  # a notice missed all the same is followed within a minute

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await view.calendars.refresh(db.read_sessions)
        if freeze_startup:
            # What start-up made (modules, the schema, caches) lives as long as the process: out
            # of the cyclic collector's reach, a full collection during a request does not scan
            # it (it made one national networkCoverage answer in ten wait ~200 ms).
            gc.collect()
            gc.freeze()
            # A young collection every 700 objects ran several times within each request, so
            # the objects of the requests under way were promoted and a full collection came
            # every 3–4 s under load, 66–272 ms each with every request of the process waiting
            # (bench/load.py, 2026-12-06). A request's objects mostly die with it.
            gc.set_threshold(*GC_THRESHOLDS)
        refresher = asyncio.create_task(refresh_calendar())
        # Other processes change reference data and users too: on PostgreSQL this one hears of
        # it, and uses its caches while it does (SQLite: the database is always read).
        watcher = (asyncio.create_task(watch_caches(db.engine, view.reference, view.users))
                   if db.engine.dialect.name == "postgresql" else None)
        try:
            for _ in range(WATCH_START_TRIES if watcher is not None else 0):
                if view.reference.exact:  # serve with the cache in use when the database allows
                    break
                await asyncio.sleep(0.01)
            if background is None:
                yield
            else:
                async with background():
                    yield
        finally:
            for task in (refresher, watcher):
                if task is not None:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            await db.dispose()

    # Every method reaches the view, which answers all but POST (and GraphiQL) with 405 and Allow.
    app = Starlette(routes=[Route("/graphql", view),
                            Route("/healthz", healthz),
                            Route("/readyz", readyz_endpoint(db, settings)),
                            Route("/metrics", metrics_endpoint(metrics, db, settings)),
                            *onboarding_routes(settings, db, clock or system_clock),
                            *attachment_routes(settings, db, clock or system_clock, store),
                            *upload_routes(settings, db, clock or system_clock, jobs, store),
                            *outreach_routes(settings, db, clock or system_clock),
                            *web_routes()],
                    lifespan=lifespan)
    app.state.db = db
    app.state.settings = settings
    app.state.calendars = view.calendars
    app.state.reference = view.reference
    app.state.users = view.users
    app.state.metrics = metrics
    app.state.blobs = store
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,  # type: ignore[arg-type]
                       larger={IMPORT_PATH: max(settings.max_body_bytes, MAX_UPLOAD_BYTES),
                               # a tus PATCH carries at most the rest of one file
                               UPLOADS_PREFIX: settings.attachment_max_bytes + 64 * 1024})
    # A database that cannot be used: 503 with Retry-After, inside the metrics and the log.
    app.add_middleware(DatabaseGuard)  # type: ignore[arg-type]
    # Request id, access log and HTTP metrics: outside the size limit, so 413s are counted.
    app.add_middleware(RequestObservability, metrics=metrics)  # type: ignore[arg-type]
    # Outermost, so every response (413s included) carries the headers.
    app.add_middleware(SecurityHeaders, production=settings.production)  # type: ignore[arg-type]
    return app
