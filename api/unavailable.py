"""A database that cannot be used is a 503 with Retry-After: never a 500, never a traceback.

An unreachable, restarting, read-only or missing database (or a transaction the database
ended to break a deadlock, still conflicting after the work was run again: domain/uow.py
`in_transaction`) shows up as a driver or pool error anywhere in a request: while the
bearer's user is looked up (before GraphQL runs), inside a resolver (strawberry turns it into
a GraphQL error), or in another route. Wherever it shows,
the whole request is answered `503` with `Retry-After` and the code `UNAVAILABLE`, and one
line is logged. Nothing in such a request was acknowledged: a filing is acknowledged only
after its transaction committed, and the client sends it again with the same client id,
which never files twice. The web client treats any 5xx as "offline" and keeps its outbox.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.unavailable import database_unavailable, what

RETRY_AFTER_SECONDS = 5
CODE = "UNAVAILABLE"
# No promise that nothing was saved: a commit whose answer was lost, or a filing whose reference
# could not be read after its commit, may have been; the web client sends it again with its
# clientId and is answered with the one case.
MESSAGE = ("The service cannot use its database just now. Try again in a few seconds. / "
           "ระบบใช้งานฐานข้อมูลไม่ได้ชั่วคราว กรุณาลองใหม่ในอีกสักครู่")
log = logging.getLogger("khortor.unavailable")

# What the resolvers of the GraphQL operation under way met (api/schema.py): an error there
# becomes a GraphQL error, and the operation is then ended with DatabaseUnavailable.
_met: ContextVar[list[BaseException] | None] = ContextVar("database_unavailable_met", default=None)


def watch() -> list[BaseException]:
    """Start collecting, for the operation about to run; the list it fills."""
    met: list[BaseException] = []
    _met.set(met)
    return met


def note(error: BaseException) -> None:
    """A resolver's error that `database_unavailable` says is one."""
    met = _met.get()
    if met is not None:
        met.append(error)


def body() -> bytes:
    return json.dumps({"errors": [{"message": MESSAGE, "extensions": {"code": CODE}}]},
                      ensure_ascii=False).encode("utf-8")


def headers(media_type: str = "application/json") -> list[tuple[bytes, bytes]]:
    return [(b"content-type", f"{media_type}; charset=utf-8".encode()),
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            (b"cache-control", b"no-store")]


class DatabaseGuard:
    """ASGI middleware: an exception from an unavailable database becomes a 503.

    Only while nothing has been sent yet; after that the connection is simply closed (a
    streamed response cannot change its status).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as error:
            if started or not database_unavailable(error):
                raise
            log.warning("database unavailable: %s (answered 503)", what(error))
            content = body()
            await send({"type": "http.response.start", "status": 503,
                        "headers": [*headers(), (b"content-length", str(len(content)).encode())]})
            await send({"type": "http.response.body", "body": content})
