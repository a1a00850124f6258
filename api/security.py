"""Security headers on every response, as a small pure-ASGI middleware (issue 6).

The Content-Security-Policy fits the built web client (web/dist): one module script and one
stylesheet from `/assets/`, self-hosted fonts, `fetch` to `/graphql` on the same origin, a
service worker and a manifest; no inline script, no inline `<style>`, no `data:` URLs.
(Preact sets the dashboard's bar widths through `element.style`, which CSP does not govern,
so `style-src` needs no 'unsafe-inline'.) GraphiQL, served only in development, loads its
code from a CDN with inline script, so its page goes without a CSP there.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",  # attachments' thumbnails, fetched with the token (issue 14)
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
GRAPHQL_PATH = "/graphql"  # the API, and GraphiQL in development


class SecurityHeaders:
    """Add the headers to every HTTP response; `production` adds Strict-Transport-Security."""

    def __init__(self, app: ASGIApp, production: bool) -> None:
        self.app, self.production = app, production
        self.headers = {
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "x-frame-options": "DENY",
            "permissions-policy": PERMISSIONS_POLICY,
            "cross-origin-opener-policy": "same-origin",
        }
        if production:
            self.headers["strict-transport-security"] = STRICT_TRANSPORT_SECURITY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        graphiql = not self.production and scope.get("path") == GRAPHQL_PATH

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                if scope.get("path") == GRAPHQL_PATH:  # answers may carry personal data
                    headers.setdefault("cache-control", "no-store")
                if not (graphiql and html):
                    headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)
