"""Request ids, the access log and the HTTP metrics, as one pure ASGI middleware (issue 6).

Each HTTP request gets an id: the client's `X-Request-ID` when it is well-formed (1-64 of
`[A-Za-z0-9._-]`, and not personal data), a new uuid4 hex otherwise. It is set in
`domain.requests.request_id` and bound in structlog's context variables for every log line
written while the request is served, and returned in the `X-Request-ID` response header.
After the response, one access-log line: method, path (never the query string), status,
duration_ms and request_id; no bodies, no headers.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator

import structlog
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from api.metrics import Metrics
from domain.logs import redact_text
from domain.requests import request_id

HEADER = b"x-request-id"
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Through stdlib logging: silent (below WARNING) unless configure_logging() was called.
access_log = logging.getLogger("khortor.access")


def incoming_request_id(scope: Scope) -> str | None:
    """The client's id, when it is well-formed and carries nothing we would redact."""
    for name, value in scope.get("headers") or []:
        if name == HEADER:
            try:
                text = value.decode("ascii")
            except UnicodeDecodeError:
                return None
            if WELL_FORMED.fullmatch(text) and redact_text(text) == text:
                return text
            return None
    return None


def route_of(scope: Scope) -> str:
    """The route template that answered (/graphql, /healthz), never a raw path."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return f"{route.path}/{{path}}"
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "other"


class RequestObservability:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = incoming_request_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        bound = structlog.contextvars.bind_contextvars(request_id=rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, rid.encode("ascii"))]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe_request(scope["method"], route_of(scope), status, seconds)
            access_log.info("request", extra={"method": scope["method"], "path": scope["path"],
                                              "status": status,
                                              "duration_ms": round(seconds * 1000, 2)})
            structlog.contextvars.reset_contextvars(**bound)
            request_id.reset(token)


class OperationMetrics(SchemaExtension):
    """`khortor_graphql_operations_total{operation_type,outcome}`: a sync hook per operation
    (never per field); the app's Metrics are reached through the request in the context."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        request = getattr(context, "request", None)
        app = request.scope.get("app") if request is not None else None
        metrics = getattr(getattr(app, "state", None), "metrics", None)
        if not isinstance(metrics, Metrics):
            return
        try:
            kind = self.execution_context.operation_type.value
        except Exception:  # a request that does not parse has no operation type
            kind = "unknown"
        result = self.execution_context.result
        outcome = "error" if result is None or getattr(result, "errors", None) else "ok"
        metrics.operations.labels(kind, outcome).inc()
