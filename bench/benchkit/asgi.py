"""Requests to an ASGI app in process, with nothing of a client's own in the way.

httpx's ASGI transport does a client's work on each request: it builds a `Request` and a
`URL`, merges cookies into a jar and out again, and looks for trio by importing `sniffio`,
which, where sniffio is not installed, searches the whole import path each time. For the
operations of bench/requests.py that was 0.40–0.49 ms of each request, 5–11 % of the figure
(alternated with `InProcess` in one process, PostgreSQL, 2026-12-06), none of it the API's.
`InProcess` hands the app the scope httpx would (the same headers and client address), feeds
it the body once, tells it the client has gone only once the whole answer is in, and collects
the answer: what is timed is the app.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.types import ASGIApp, Message


@dataclass
class Answer:
    """An HTTP answer: its status, headers (lower-case names) and body."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return json.loads(self.content)


class InProcess:
    """`get` and `post` on an ASGI app, as httpx.AsyncClient(transport=ASGITransport(app)) would
    send them (a client address of 127.0.0.1, `Accept: */*`, a JSON body)."""

    def __init__(self, app: ASGIApp, host: str = "b") -> None:
        self.app = app
        self.host = host.encode()

    async def get(self, path: str, params: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None) -> Answer:
        return await self.request("GET", path, b"", params, headers)

    async def post(self, path: str, json: Any = None,  # noqa: A002 - httpx's name
                   headers: Mapping[str, str] | None = None) -> Answer:
        body = _dumps(json).encode()
        return await self.request("POST", path, body, None,
                                  {"content-type": "application/json", **(headers or {})})

    async def request(self, method: str, path: str, body: bytes, params: Mapping[str, Any] | None,
                      headers: Mapping[str, str] | None) -> Answer:
        raw = [(b"host", self.host), (b"accept", b"*/*")]
        raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        if method == "POST":
            raw.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "headers": raw, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": urlencode(params or {}).encode(), "server": (self.host.decode(), 80),
            "client": ("127.0.0.1", 123), "root_path": "",
        }
        sent = False
        answered = asyncio.Event()

        async def receive() -> Message:
            nonlocal sent
            if sent:  # the client goes away only once it has the whole answer, as httpx's does
                await answered.wait()
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        answer_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_headers.update((k.decode().lower(), v.decode()) for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    answered.set()

        try:
            await self.app(scope, receive, send)
        finally:
            answered.set()
        return Answer(status, answer_headers, b"".join(chunks))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
