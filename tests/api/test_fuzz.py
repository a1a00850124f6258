"""Property-based fuzzing of the GraphQL API from its schema (hypothesis-graphql).

Queries and mutations generated from the schema go to the real app in production mode
(errors masked, no introspection) over a database of the test's own (the fuzzed mutations
add holidays and anonymise citizens: nothing the shared test database should keep), with
three cases filed for a known citizen. Each document is sent as a signed-in admin and as
a volunteer. For every response:

- never a 5xx (also for documents with one schema violation each);
- every error is a parse or validation error (no path, no code), carries one of our codes,
  or is the masked "Unexpected error.";
- no Python traceback or exception text in any message;
- the seeded citizen's national ID, phone and name appear in no error message (top-level
  or a UserError member) and in no log line (INFO and up, what production logs) captured
  while the request ran. Validation errors may quote the document (the fuzzer puts the
  national ID in strings): only the client's own text, so they are not searched for it.

Reproducible: `derandomize=True` and a bounded number of examples; no example database
is written (`database=None`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from api.app import create_app
from api.cost import CODE as QUERY_TOO_COSTLY
from api.schema import EXPECTED_CODES, build_schema
from domain.bootstrap import open_database
from domain.demo import DEMO_PASSWORD, seed_demo
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.api.access_helpers import NATIONAL_ID_WHOLE
from tests.databases import migrate
from tests.factories import CITIZEN_NAME, NATIONAL_ID, PHONE, file_case
from tests.helpers import login

KNOWN_CODES = EXPECTED_CODES | {QUERY_TOO_COSTLY}
MASKED = "Unexpected error."
SECRETS = (NATIONAL_ID, NATIONAL_ID_WHOLE, PHONE, "812345678", "0812345678", CITIZEN_NAME)
# Text that only a leaked exception would put in a message.
EXCEPTION_TEXT = ("Traceback", 'File "', ".py", "sqlalchemy", "asyncpg", "aiosqlite", "sqlite3",
                  "psycopg", "IntegrityError", "NoneType", "object has no attribute",
                  "unexpected keyword argument", "positional argument")
SCHEMA = build_schema()._schema
EXAMPLES = 120


@dataclass
class Fuzzed:
    client: httpx.AsyncClient
    tokens: dict[str, str]
    ids: list[str]


@pytest.fixture
async def fuzzed(fresh_db_url: str) -> AsyncIterator[Fuzzed]:
    """The app in production mode over a database of its own, with three cases filed."""
    await migrate(fresh_db_url)
    db = open_database(fresh_db_url)
    try:
        async with UnitOfWork(db) as uow:
            await seed_demo(uow.session, DEMO_PASSWORD, datetime.now(UTC))
    finally:
        await db.dispose()
    app = create_app(Settings(database_url=fresh_db_url, env="production",
                              secret_key="production-secret-for-fuzzing-0123456789abcdef"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            volunteer = await login(http, "vol.naimueang")
            ids = []
            for category in ("UNPAID_WAGES", "WORK_INJURY", "OTHER"):
                case = await file_case(http, volunteer, category)
                ids += [case["id"], *(r["id"] for r in case["referrals"])]
            yield Fuzzed(http, {"admin": await login(http, "admin"), "volunteer": volunteer}, ids)


def _strings(*known: str) -> st.SearchStrategy[StringValueNode]:
    """Known values (so lookups find something) or any text without NUL."""
    text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=24)
    return st.one_of(st.sampled_from(known), text).map(lambda s: StringValueNode(value=s))


def _scalars(ids: list[str]) -> dict[str, st.SearchStrategy[Any]]:
    dates = st.dates().map(lambda d: d.isoformat())
    times = st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())
    return {
        "ID": _strings(*ids, "00000000-0000-4000-8000-000000000000"),
        "UUID": _strings(*ids),
        "String": _strings("43", "430101", "DLPW-43", "UNPAID_WAGES", NATIONAL_ID, "admin"),
        "Date": st.one_of(dates.map(lambda s: StringValueNode(value=s)), _strings("2026-04-13")),
        "DateTime": st.one_of(times.map(lambda s: StringValueNode(value=s)), _strings("")),
        "Decimal": st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=2)
                             .map(lambda d: StringValueNode(value=str(d))), _strings("1e999")),
        "JSON": _strings("{}"),
    }


def _messages(value: Any) -> Iterator[str]:
    """The message and messageTh of every UserError member anywhere in `data`."""
    if isinstance(value, dict):
        if "code" in value:
            yield from (str(value[k]) for k in ("message", "messageTh") if k in value)
        for child in value.values():
            yield from _messages(child)
    elif isinstance(value, list):
        for child in value:
            yield from _messages(child)


def check(response: httpx.Response, logs: list[logging.LogRecord]) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400 and "json" not in response.headers.get("content-type", ""):
        return  # a refused body (413/400 before GraphQL), no JSON to read
    body = response.json()
    messages = list(_messages(body.get("data")))
    for error in body.get("errors") or []:
        message, code = error["message"], (error.get("extensions") or {}).get("code")
        for text in EXCEPTION_TEXT:
            assert text not in message, f"exception text in an error: {message!r}"
        if code is None and "path" not in error:
            continue  # a parse or validation error: it may quote the document, never data
        assert code in KNOWN_CODES or message == MASKED, f"unknown error: {error}"
        messages.append(message)
    for message in messages:
        for text in EXCEPTION_TEXT:
            assert text not in message, f"exception text in an error: {message!r}"
        for secret in SECRETS:
            assert secret not in message, "personal data in an error message"
    for record in logs:
        line = record.getMessage() + " " + json.dumps(record.__dict__, default=str,
                                                      ensure_ascii=False)
        for secret in SECRETS:
            assert secret not in line, f"personal data in a log line of {record.name}"


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.filter_too_much])


_STRATEGIES: dict[tuple[str, tuple[str, ...]], st.SearchStrategy[str]] = {}


def documents(operation: str, ids: list[str]) -> st.SearchStrategy[str]:
    """Documents calling any root field of the operation type (built once per database);
    "invalid": queries and mutations with one schema violation each (a wrong type, a
    missing argument, an unknown enum value)."""
    key = (operation, tuple(ids))
    if key not in _STRATEGIES:
        if operation == "invalid":
            _STRATEGIES[key] = from_schema(SCHEMA, custom_scalars=_scalars(ids),
                                           allow_x00=False, mode=Mode.NEGATIVE)
        else:
            root = SCHEMA.query_type if operation == "query" else SCHEMA.mutation_type
            assert root is not None
            _STRATEGIES[key] = from_schema(SCHEMA, fields=list(root.fields),
                                           custom_scalars=_scalars(ids), allow_x00=False)
    return _STRATEGIES[key]


@pytest.mark.parametrize("operation", ["query", "mutation", "invalid"])
@FUZZ
@given(data=st.data())
async def test_fuzzed_operations_never_fail_badly_or_leak(fuzzed: Fuzzed, operation: str,
                                                          caplog: pytest.LogCaptureFixture,
                                                          data: st.DataObject) -> None:
    document = data.draw(documents(operation, fuzzed.ids), label="document")
    caplog.set_level(logging.INFO)  # what production logs
    for token in fuzzed.tokens.values():
        caplog.clear()
        response = await fuzzed.client.post("/graphql", json={"query": document},
                                            headers={"Authorization": f"Bearer {token}"})
        check(response, caplog.records)
