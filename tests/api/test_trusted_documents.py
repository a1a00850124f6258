"""Trusted documents: the web client's documents, registered by hash when it is built.

The client sends `documentId`; the API runs the registered text, parsed and validated once at
start-up. With KHORTOR_TRUSTED_DOCUMENTS=only nothing else runs: other texts are refused
before they are parsed. The manifest is the real one `npm run build` wrote (scripts/test
builds the client before pytest).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import graphql
import httpx
import pytest

from api import documents
from api.app import WEB_DIST, create_app
from api.documents import MANIFEST, document_id
from domain.demo import DEMO_PASSWORD
from domain.settings import Settings
from tests.helpers import login


def _manifest() -> dict[str, str]:
    path = WEB_DIST / MANIFEST
    if not path.is_file():
        pytest.fail(f"{path} is missing: build the web client (npm run build in web/).", pytrace=False)
    manifest: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def _named(operation: str) -> tuple[str, str]:
    """The id and text of the client's document for one operation, e.g. `query Cases(`."""
    found = [(key, text) for key, text in _manifest().items() if text.startswith(operation)]
    assert len(found) == 1, (operation, [t[:40] for t in _manifest().values()])
    return found[0]


@pytest.fixture
async def only_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(replace(settings, trusted_documents_only=True))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            yield http


async def _sign_in(client: httpx.AsyncClient, username: str) -> str:
    """Sign in with the client's own registered login document."""
    key, _ = _named("mutation Login(")
    body = {"documentId": key, "variables": {"username": username, "password": DEMO_PASSWORD}}
    token: str = (await client.post("/graphql", json=body)).json()["data"]["login"]["token"]
    return token


async def _post(client: httpx.AsyncClient, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await client.post("/graphql", json=body, headers=headers)


def test_the_build_registers_every_document_by_the_hash_of_its_text() -> None:
    manifest = _manifest()
    assert len(manifest) >= 20
    assert all(key == document_id(text) for key, text in manifest.items())
    assert {text.split("(")[0].split("{")[0].strip() for text in manifest.values()} >= {
        "query Cases", "query Case", "mutation OpenCase", "mutation AcceptReferral", "query Dashboard"}


async def test_a_document_id_runs_the_registered_text(client: httpx.AsyncClient) -> None:
    token = await login(client, "vol.naimueang")
    key, text = _named("query Cases(")
    by_id = await _post(client, {"documentId": key, "variables": {"first": 3}}, token)
    by_text = await _post(client, {"query": text, "variables": {"first": 3}}, token)
    assert by_id.status_code == 200 and "errors" not in by_id.json()
    assert by_id.json() == by_text.json()
    assert by_id.json()["data"]["cases"]["totalCount"] >= 0


@pytest.mark.parametrize("key", ["sha256:" + "0" * 64, "sha256:ABC", "md5:1234", 42, ["x"]])
async def test_an_unknown_document_id_is_a_400_and_runs_nothing(client: httpx.AsyncClient, key: Any) -> None:
    response = await _post(client, {"documentId": key, "variables": {}})
    assert response.status_code == 400
    assert "documentId" in response.text
    assert "Traceback" not in response.text


async def test_only_mode_runs_registered_documents_by_id_or_text(only_client: httpx.AsyncClient) -> None:
    token = await _sign_in(only_client, "vol.naimueang")
    key, text = _named("query Cases(")
    for body in ({"documentId": key, "variables": {"first": 2}}, {"query": text, "variables": {"first": 2}}):
        response = await _post(only_client, body, token)
        assert response.status_code == 200 and "errors" not in response.json(), response.text


@pytest.mark.parametrize("query", [
    "{ __schema { types { name } } }",  # introspection
    "query Cases($first: Int) { cases(first: $first) { totalCount } }",  # valid, not registered
    "query { this is not graphql",  # refused before it is parsed: no syntax error comes back
])
async def test_only_mode_refuses_any_other_document_before_parsing_it(
        only_client: httpx.AsyncClient, query: str) -> None:
    token = await _sign_in(only_client, "vol.naimueang")
    response = await _post(only_client, {"query": query}, token)
    assert response.status_code == 400
    assert "registered documents" in response.text
    assert "Syntax Error" not in response.text


async def test_a_registered_document_is_not_validated_per_request(
        client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Validated once at start-up; any other document is validated once per text."""
    token = await login(client, "vol.naimueang")
    calls: list[str] = []

    def counting(schema: Any, document: Any, rules: Any = None, *args: Any, **kwargs: Any) -> Any:
        calls.append(graphql.print_ast(document)[:30])
        return graphql.validate(schema, document, rules, *args, **kwargs)

    monkeypatch.setattr(documents, "validate", counting)
    key, _ = _named("query Cases(")
    # A text of this run's own: the process validates each text once, whichever app asks.
    other = (f"query Mine{secrets.token_hex(4)} "
             "{ cases(first: 4) { totalCount edges { node { id reference } } } }")
    for _ in range(3):
        assert "errors" not in (await _post(client, {"documentId": key, "variables": {"first": 2}}, token)).json()
        assert "errors" not in (await _post(client, {"query": other}, token)).json()
    assert len(calls) == 1, calls  # the other document, its first time only


async def test_only_mode_needs_the_manifest(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Any) -> None:
    monkeypatch.setattr("api.app.WEB_DIST", tmp_path)
    with pytest.raises(SystemExit, match="trusted-documents.json"):
        create_app(replace(settings, trusted_documents_only=True))


def test_the_setting_takes_any_or_only() -> None:
    assert not Settings.from_env({}).trusted_documents_only
    assert Settings.from_env({"KHORTOR_TRUSTED_DOCUMENTS": "only"}).trusted_documents_only
    with pytest.raises(ValueError, match="KHORTOR_TRUSTED_DOCUMENTS"):
        Settings.from_env({"KHORTOR_TRUSTED_DOCUMENTS": "yes"})
