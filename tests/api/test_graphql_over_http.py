"""The GraphQL-over-HTTP spec (issue 11): graphql-http's audit against a real server, and the
status codes and media types of each kind of answer, for clients that accept
`application/graphql-response+json` and for those that accept only `application/json`."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from api.app import WEB_DIST
from api.documents import MANIFEST
from api.graphql_http import GraphQLOverHTTP, failure_status, negotiate
from api.schema import build_schema
from domain.settings import Settings
from tests.api.test_access import production_client
from tests.helpers import login
from tests.servers import ROOT, khortor_env, khortor_serving

WEB = ROOT / "web"
AUDIT_SCRIPT = WEB / "scripts" / "graphql-http-audit.mjs"


@pytest.fixture
def served(db_url: str, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A real `khortor serve` (development mode) on the test database; its /graphql URL."""
    env = khortor_env(db_url, KHORTOR_SECRET_KEY=settings.secret_key,
                      KHORTOR_WEB_DIST=str(tmp_path / "no-web-client"), KHORTOR_SWEEP_SECONDS="3600")
    with khortor_serving(env, tmp_path / "server.log") as server:
        yield f"{server.base}/graphql"


def test_the_graphql_http_audit_passes_every_must_and_should(served: str) -> None:
    node = shutil.which("node")
    assert node, "node is needed for the graphql-http audit"
    assert (WEB / "node_modules" / "graphql-http").is_dir(), \
        "graphql-http is not installed: cd web && npm install"
    ran = subprocess.run([node, str(AUDIT_SCRIPT), served], cwd=WEB, capture_output=True,
                         text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    report = json.loads(ran.stdout)
    counts = report["counts"]
    print("graphql-http audit:", json.dumps(counts))
    failed = [f"{r['name']} ({r['id']}): {r.get('reason')} {r.get('response')}"
              for r in report["results"] if r["status"] != "ok" and r["level"] in ("MUST", "SHOULD")]
    assert counts["MUST"]["failed"] == 0 and counts["SHOULD"]["failed"] == 0, "\n".join(failed)


# --- In process: each kind of answer, in both modes -------------------------------------------

GRAPHQL_RESPONSE = "application/graphql-response+json"
AS_SPEC = {"accept": GRAPHQL_RESPONSE}
# Legacy clients: the web client says application/json; the spec reads no Accept as the same.
LEGACY = [{"accept": "application/json"}, {}, {"accept": "*/*"}]
LEGACY_IDS = ["application/json", "no-accept", "wildcard"]
PARSE_ERROR = {"query": "{"}
VALIDATION_ERROR = {"query": "{ noSuchField }"}
COERCION_FAILURE = {"query": "query($n: String!) { __type(name: $n) { name } }", "variables": {"n": None}}
FIELD_ERROR = {"query": "{ me { username } }"}  # signed out: UNAUTHENTICATED, at the path `me`
REQUEST_ERRORS = [PARSE_ERROR, VALIDATION_ERROR, COERCION_FAILURE]
REQUEST_ERROR_IDS = ["parse", "validation", "variable-coercion"]
MALFORMED: list[Any] = [
    pytest.param(b"", id="empty-body"),
    pytest.param(b"\xff\xfe{}", id="not-utf-8"),
    pytest.param(b'{ "not a JSON', id="not-json"),
    pytest.param(b"[]", id="batch"),
    pytest.param(b'"{ __typename }"', id="not-an-object"),
    pytest.param(b'{"notquery": "{ __typename }"}', id="missing-query"),
    pytest.param(b'{"query": null}', id="null-query"),
    pytest.param(b'{"query": 0}', id="number-query"),
    pytest.param(b'{"query": {"obj": "ect"}}', id="object-query"),
    pytest.param(b'{"query": ["{ __typename }"]}', id="array-query"),
    pytest.param(b'{"query": "{ __typename }", "variables": "string"}', id="string-variables"),
    pytest.param(b'{"query": "{ __typename }", "variables": [1]}', id="array-variables"),
    pytest.param(b'{"query": "{ __typename }", "extensions": false}', id="boolean-extensions"),
    pytest.param(b'{"query": "{ __typename }", "operationName": 0}', id="number-operation-name"),
    pytest.param(b'{"query": "query A { __typename }", "operationName": "B"}', id="unknown-operation"),
    pytest.param(b'{"query": "{ __typename }", "extensions": ' + b'{"a":' * 40 + b"1" + b"}" * 41,
                 id="nested-too-deeply"),
    pytest.param(b'{"documentId": "sha256:' + b"0" * 64 + b'"}', id="unknown-document-id"),
]


async def _post(client: httpx.AsyncClient, body: Any, headers: dict[str, str],
                content_type: str | None = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post("/graphql", content=content, headers={
        **headers, **({"content-type": content_type} if content_type else {})})


def _media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def _refused_without_data(response: httpx.Response, status: int) -> dict[str, Any]:
    """A refusal in the spec's media type: `errors` with a message and no `data` at all."""
    assert response.status_code == status, response.text
    assert _media(response) == GRAPHQL_RESPONSE
    body: dict[str, Any] = response.json()
    assert "data" not in body and body["errors"] and all(e["message"] for e in body["errors"]), body
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert response.headers["cache-control"] == "no-store"
    return body


async def test_an_executed_operation_is_a_200_in_the_media_type_asked_for(client: httpx.AsyncClient) -> None:
    response = await _post(client, {"query": "{ __typename }"}, AS_SPEC)
    assert response.status_code == 200 and _media(response) == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["cache-control"] == "no-store"


async def test_field_errors_are_a_200_with_data_because_execution_ran(client: httpx.AsyncClient) -> None:
    response = await _post(client, FIELD_ERROR, AS_SPEC)
    assert response.status_code == 200 and _media(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" in body and body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("payload", REQUEST_ERRORS, ids=REQUEST_ERROR_IDS)
async def test_a_request_error_is_a_400_without_data(client: httpx.AsyncClient,
                                                     payload: dict[str, Any]) -> None:
    body = _refused_without_data(await _post(client, payload, AS_SPEC), 400)
    assert "locations" in body["errors"][0]


async def test_a_variable_that_does_not_coerce_keeps_its_bilingual_error(client: httpx.AsyncClient) -> None:
    body = _refused_without_data(await _post(client, COERCION_FAILURE, AS_SPEC), 400)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["messageTh"]


@pytest.mark.parametrize("body", MALFORMED)
async def test_a_malformed_request_is_a_400_without_data(client: httpx.AsyncClient, body: bytes) -> None:
    answer = _refused_without_data(await _post(client, body, AS_SPEC), 400)
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_REQUEST"], answer


@pytest.mark.parametrize("headers", LEGACY, ids=LEGACY_IDS)
@pytest.mark.parametrize("payload", REQUEST_ERRORS, ids=REQUEST_ERROR_IDS)
async def test_legacy_clients_keep_a_200_with_null_data_for_request_errors(
        client: httpx.AsyncClient, headers: dict[str, str], payload: dict[str, Any]) -> None:
    response = await _post(client, payload, headers)
    assert response.status_code == 200 and _media(response) == "application/json"
    body = response.json()
    assert body["data"] is None and body["errors"]


@pytest.mark.parametrize("headers", LEGACY, ids=LEGACY_IDS)
async def test_legacy_clients_get_application_json(client: httpx.AsyncClient,
                                                   headers: dict[str, str]) -> None:
    response = await _post(client, {"query": "{ __typename }"}, headers)
    assert response.status_code == 200 and _media(response) == "application/json"
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("body", MALFORMED)
async def test_legacy_clients_get_a_plain_400_for_a_malformed_request(client: httpx.AsyncClient,
                                                                      body: bytes) -> None:
    response = await _post(client, body, {"accept": "application/json"})
    assert response.status_code == 400 and _media(response) == "text/plain", response.text
    assert response.text and "Traceback" not in response.text


@pytest.mark.parametrize("accept", ["text/html", "application/xml, text/plain;q=0.5",
                                    "application/json;q=0", "application/json; charset=latin1",
                                    "image/*"])
async def test_nothing_we_produce_is_a_406(client: httpx.AsyncClient, accept: str) -> None:
    response = await _post(client, {"query": "{ __typename }"}, {"accept": accept})
    assert response.status_code == 406, response.text
    assert GRAPHQL_RESPONSE in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("accept, media", [
    ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE),
    ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
    ("application/graphql-response+json;q=0.5, application/json", "application/json"),
    ("application/json;q=0.9, application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE),
    ("application/graphql-response+json, */*;q=0.1", GRAPHQL_RESPONSE),
    ("application/*", "application/json"),
    ("text/html, */*;q=0.8", "application/json"),
    ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE),
])
async def test_the_media_type_follows_the_accept_header(client: httpx.AsyncClient, accept: str,
                                                        media: str) -> None:
    response = await _post(client, VALIDATION_ERROR, {"accept": accept})
    assert _media(response) == media
    assert response.status_code == (400 if media == GRAPHQL_RESPONSE else 200)


@pytest.mark.parametrize("headers", [AS_SPEC, *LEGACY], ids=["graphql-response", *LEGACY_IDS])
@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/graphql", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/jsonx"])
async def test_a_body_that_is_not_json_is_a_415(client: httpx.AsyncClient, headers: dict[str, str],
                                                content_type: str | None) -> None:
    response = await _post(client, {"query": "{ __typename }"}, headers, content_type)
    assert response.status_code == 415, response.text
    if headers == AS_SPEC:
        _refused_without_data(response, 415)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON",
                                          "application/json;charset=UTF-8"])
async def test_json_with_its_charset_is_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    response = await _post(client, {"query": "{ __typename }"}, AS_SPEC, content_type)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("headers", [AS_SPEC, *LEGACY], ids=["graphql-response", *LEGACY_IDS])
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
async def test_any_method_but_post_is_a_405_with_allow(client: httpx.AsyncClient, method: str,
                                                       headers: dict[str, str]) -> None:
    response = await client.request(method, "/graphql", params={"query": "{ __typename }"},
                                    headers=headers)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    if headers == AS_SPEC and method != "HEAD":
        _refused_without_data(response, 405)


async def test_a_mutation_over_get_is_a_405_and_runs_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers=AS_SPEC, params={
        "query": "mutation { login(username: \"admin\", password: \"khortor-demo\") { __typename } }"})
    body = _refused_without_data(response, 405)
    assert response.headers["allow"] == "POST" and "login" not in json.dumps(body)


async def test_graphiql_is_still_served_over_get_in_development(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and _media(page) == "text/html"


async def test_production_refuses_introspection_with_a_400_without_data(db_url: str) -> None:
    async with production_client(db_url) as prod:
        spec = await _post(prod, {"query": "{ __schema { types { name } } }"}, AS_SPEC)
        legacy = await _post(prod, {"query": "{ __schema { types { name } } }"}, {})
        page = await prod.get("/graphql", headers={"accept": "text/html"})
    _refused_without_data(spec, 400)
    assert legacy.status_code == 200 and legacy.json()["data"] is None
    assert page.status_code == 405 and page.headers["allow"] == "POST"


async def test_a_registered_document_id_is_answered_in_the_media_type(client: httpx.AsyncClient) -> None:
    manifest = json.loads((WEB_DIST / MANIFEST).read_text(encoding="utf-8"))
    key = next(key for key, text in manifest.items() if text.startswith("mutation Login("))
    response = await _post(client, {"documentId": key, "variables": {
        "username": "admin", "password": "wrong password"}}, AS_SPEC)
    assert response.status_code == 200 and _media(response) == GRAPHQL_RESPONSE
    assert response.json()["data"]["login"]["__typename"]


# --- The rules, as values -------------------------------------------------------------------

@pytest.mark.parametrize("accept, media", [
    (None, "application/json"), ("", "application/json"), ("*/*", "application/json"),
    (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE), ("application/json", "application/json"),
    (f"{GRAPHQL_RESPONSE};q=0, application/json", "application/json"),
    (f"{GRAPHQL_RESPONSE};q=nonsense", None), (f"{GRAPHQL_RESPONSE};q=2", None),
    ("application/json;q=0, */*", None),  # the exact range sets its quality, not the wildcard
    ('application/json; charset="UTF-8"', "application/json"),
    ("text/html", None), (",,;", None), ("=;=,;q", None),
])
def test_negotiate(accept: str | None, media: str | None) -> None:
    assert negotiate(accept) == media


def _error(message: str = "x", *, path: list[Any] | None = None, original: Exception | None = None,
           code: str | None = None) -> GraphQLError:
    return GraphQLError(message, path=path, original_error=original,
                        extensions={"code": code} if code else None)


@pytest.mark.parametrize("result, status", [
    (ExecutionResult(data={"a": 1}, errors=None), None),
    (ExecutionResult(data=None, errors=[_error(path=["me"], code="UNAUTHENTICATED")]), None),
    (ExecutionResult(data={"a": None}, errors=[_error(path=["a"], original=RuntimeError())]), None),
    (PreExecutionError(data=None, errors=[_error("Syntax Error")]), 400),
    (ExecutionResult(data=None, errors=[_error(original=ValueError(), code="BAD_USER_INPUT")]), 400),
    (PreExecutionError(data=None, errors=[_error(original=RuntimeError("db down"))]), 500),
    (PreExecutionError(data=None, errors=[_error("Unexpected error.")]), 500),
], ids=["data", "field-error-null-data", "field-error-partial", "parse", "coercion", "bug", "masked-bug"])
def test_failure_status(result: ExecutionResult, status: int | None) -> None:
    assert failure_status(result) == status


async def test_thai_text_is_answered_in_utf_8_as_it_is(client: httpx.AsyncClient) -> None:
    """Half the bytes of `\\u0e2b`-escaped text on a volunteer's weak signal."""
    token = await login(client, "vol.naimueang")
    response = await _post(client, {"query": '{ areas(search: "หนองคาย") { nameTh } }'},
                           {**AS_SPEC, "authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "หนองคาย".encode() in response.content and b"\\u0e" not in response.content
    assert {"nameTh": "หนองคาย"} in response.json()["data"]["areas"]


def test_what_orjson_refuses_is_written_as_before() -> None:
    """A lone surrogate or an integer beyond 64 bits, which orjson refuses: json.dumps' output."""
    view = GraphQLOverHTTP(build_schema())
    for data in ({"errors": [{"message": "bad \ud800 text"}]}, {"data": {"n": 2**70}}):
        encoded = view.encode_json(data)
        assert encoded == json.dumps(data, separators=(",", ":"))
        assert json.loads(encoded) == data
