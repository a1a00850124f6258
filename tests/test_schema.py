"""The GraphQL contract: the checked-in SDL, descriptions, and the production hardening."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from graphql import (GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType,
                     GraphQLObjectType)

from api.app import create_app
from api.schema import build_schema, schema
from domain.db import Database
from domain.migrations import upgrade
from domain.settings import Settings
from tests.factories import NATIONAL_ID

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"
PRODUCTION_SECRET = "production-secret-for-tests-0123456789abcdef"


def test_schema_graphql_is_what_the_code_generates() -> None:
    checked_in = SCHEMA_FILE.read_text(encoding="utf-8")
    generated = schema.as_str() + "\n"
    assert checked_in == generated, (
        "schema.graphql has drifted from the code: run `khortor export-schema` and commit "
        "the result (review the diff: it is the public contract)."
    )


def _named_types() -> list[Any]:
    return [t for name, t in schema._schema.type_map.items() if not name.startswith("__")]


def test_every_field_has_a_description() -> None:
    missing = [
        f"{t.name}.{name}"
        for t in _named_types()
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType)
        for name, field in t.fields.items()
        if not (field.description or "").strip()
    ]
    assert not missing, f"fields without a description: {missing}"


def test_every_object_input_interface_and_enum_type_has_a_description() -> None:
    kinds = GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType | GraphQLEnumType
    missing = [t.name for t in _named_types()
               if isinstance(t, kinds) and not (t.description or "").strip()]
    assert not missing, f"types without a description: {missing}"


# --- Production hardening ----------------------------------------------------------------------

INTROSPECTION = [
    '{ __schema { types { name } } }',
    '{ __type(name: "Case") { fields { name } } }',
    'query { a: __schema { queryType { name } } }',
]


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_introspection_works_in_development(query: str) -> None:
    result = await build_schema(production=False).execute(query)
    assert not result.errors, result.errors


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_the_production_schema_refuses_introspection(query: str) -> None:
    result = await build_schema(production=True).execute(query)
    assert result.errors
    assert result.data is None


# Each misspelling is one letter off, so that graphql-core would suggest the real name.
MISSPELT = [
    pytest.param("{ cses { totalCount } }", id="output-field"),
    pytest.param("{ cases(frist: 2) { totalCount } }", id="argument"),
    pytest.param("{ cases(filter: {stauts: [NEW]}) { totalCount } }", id="input-field"),
    pytest.param("{ cases(filter: {status: [NWE]}) { totalCount } }", id="enum-value"),
    pytest.param("{ me { ... on Cas { id } } }", id="type"),
]


@pytest.mark.parametrize("query", MISSPELT)
async def test_development_suggests_names(query: str) -> None:
    """The control: the same mistakes do get suggestions outside production."""
    result = await build_schema(production=False).execute(query)
    assert result.errors and "Did you mean" in result.errors[0].message


@pytest.mark.parametrize("query", MISSPELT)
async def test_production_suggests_no_names(query: str) -> None:
    """With introspection off, suggestions would hand out the schema piece by piece."""
    result = await build_schema(production=True).execute(query)
    assert result.errors and result.data is None
    for error in result.errors:
        assert "Did you mean" not in error.message, error.message


@asynccontextmanager
async def app_client(database_url: str, *, production: bool) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=database_url, secret_key=PRODUCTION_SECRET,
                        env="production" if production else "development")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def test_the_production_app_refuses_introspection_and_serves_no_graphiql(
    db_url: str,
) -> None:
    async with app_client(db_url, production=True) as http:
        response = await http.post("/graphql", json={"query": INTROSPECTION[0]})
        body = response.json()
        assert body.get("data") is None and body["errors"], body
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert not (page.status_code == 200 and "html" in page.headers.get("content-type", "")), (
            "GraphiQL is served in production")


LOGIN = """
mutation($u: String!) {
  login(username: $u, password: "khortor-demo") { __typename }
}
"""


@pytest.fixture
async def database_without_users(fresh_db_url: str) -> str:
    """A migrated database whose users table has gone missing (a botched manual change):
    signing in then fails deep in the database driver, an unexpected error."""
    await asyncio.to_thread(upgrade, fresh_db_url)
    db = Database(fresh_db_url)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("ALTER TABLE app_user RENAME TO app_user_gone"))
    finally:
        await db.dispose()
    return fresh_db_url


async def _login_on_a_broken_database(database_url: str, production: bool) -> dict[str, Any]:
    """Sign in with a national ID as the username (as if a citizen had typed it into the
    box): the driver's error text carries the SQL and that parameter."""
    async with app_client(database_url, production=production) as http:
        response = await http.post("/graphql", json={"query": LOGIN, "variables": {"u": NATIONAL_ID}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_in_development_the_unexpected_error_is_shown(database_without_users: str) -> None:
    """The control: the failure below is real."""
    body = await _login_on_a_broken_database(database_without_users, production=False)
    (error,) = body["errors"]
    assert error["message"] != "Unexpected error."


async def test_in_production_an_unexpected_error_is_masked_and_logged_without_its_text(
    database_without_users: str, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):  # what a production log keeps
        body = await _login_on_a_broken_database(database_without_users, production=True)
    (error,) = body["errors"]
    assert error["message"] == "Unexpected error.", error
    assert body.get("data") is None
    text = str(body)
    for leak in (NATIONAL_ID, "SELECT", "app_user", "sqlalchemy", "Traceback"):
        assert leak not in text, f"the masked error still shows {leak!r}: {body}"
    logged = caplog.text  # messages and any traceback, as a log handler would write them
    assert logged, "the unexpected error was not logged at all"
    assert NATIONAL_ID not in logged, f"personal data in the log: {logged}"
    assert "SELECT" not in logged, f"SQL (with its parameters) in the log: {logged}"
