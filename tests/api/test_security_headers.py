"""Security headers on every response of the app: API, web client, health, errors."""

from __future__ import annotations

from dataclasses import replace

import httpx

from api.app import create_app, web_routes
from api.security import CONTENT_SECURITY_POLICY
from domain.settings import Settings
from tests.helpers import login

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": CONTENT_SECURITY_POLICY,
}


def assert_secure(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert "camera=()" in response.headers["permissions-policy"]


def test_the_policy_allows_only_the_same_origin_and_no_inline_code() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


async def test_every_kind_of_response_carries_the_headers(client: httpx.AsyncClient) -> None:
    responses = [
        await client.post("/graphql", json={"query": "{ __typename }"}),
        await client.post("/graphql", content=b"not json",
                          headers={"content-type": "application/json"}),
        await client.post("/graphql", content=b"x" * (300 * 1024),
                          headers={"content-type": "application/json"}),
        await client.get("/healthz"),
        await client.get("/readyz"),
    ]
    assert [r.status_code for r in responses] == [200, 400, 413, 200, 200]
    for response in responses:
        assert_secure(response)
        assert "strict-transport-security" not in response.headers


async def test_no_answer_of_the_api_may_be_stored_by_a_cache(client: httpx.AsyncClient) -> None:
    """Any GraphQL answer may carry personal data: no browser or proxy keeps a copy."""
    token = await login(client, "vol.naimueang")
    cases = await client.post("/graphql", json={"query": "{ cases(first: 1) { edges { node { "
                                                "citizen { fullName } } } } }"},
                              headers={"authorization": f"Bearer {token}"})
    refused = await client.post("/graphql", content=b"not json", headers={"content-type": "application/json"})
    for response in (cases, refused):
        assert response.headers["cache-control"] == "no-store"
    assert (await client.get("/")).headers["cache-control"] == "no-cache"  # the shell revalidates


async def test_the_web_client_is_served_with_the_headers(client: httpx.AsyncClient) -> None:
    assert web_routes(), "the web client is not built: scripts/test builds it (cd web && npm run build)"
    for path in ("/", "/cases/some-route", "/sw.js", "/manifest.webmanifest"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert_secure(response)
    missing = await client.get("/assets/no-such-file.js")
    assert missing.status_code == 404
    assert_secure(missing)


async def test_graphiql_in_development_is_served_without_the_csp(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "content-security-policy" not in page.headers
    assert page.headers["x-frame-options"] == "DENY"


async def test_production_adds_strict_transport_security(settings: Settings) -> None:
    app = create_app(replace(settings, env="production"))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            responses = [await http.get("/healthz"),
                         await http.get("/graphql", headers={"accept": "text/html"})]
    finally:
        await app.state.db.dispose()
    for response in responses:
        assert_secure(response)
        assert response.headers["strict-transport-security"] == \
            "max-age=31536000; includeSubDomains"
