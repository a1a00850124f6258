"""The id of the request being served, for logs and the access log.

The HTTP layer sets it once per request (from a well-formed `X-Request-ID` or a new one);
anything below reads it without being handed a request object.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("khortor_request_id", default=None)


def current_request_id() -> str | None:
    return request_id.get()
