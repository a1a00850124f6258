"""Query cost limits (api/cost.py): the estimator by table, and the limit over HTTP.

The web client's own queries are read from web/src, so a client change that would be
refused fails here, not on a phone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse

from api.cost import CODE, estimate_cost
from api.pagination import DEFAULT_PAGE, MAX_PAGE
from api.schema import MAX_COST, schema
from domain.db import Database
from tests.api.access_helpers import Tokens, row_counts
from tests.api.test_access import production_client
from tests.factories import case_input
from tests.helpers import gql, login

WEB_SRC = Path(__file__).resolve().parents[2] / "web" / "src"

# (document, variables, cost). Each field costs 1; `first` multiplies its selection, the
# page it holds (`edges`) is not multiplied again; other lists multiply by DEFAULT_PAGE (20).
ESTIMATES: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("plain fields", "{ me { id username } }", None, 1 + 2),
    ("a list without first", "{ categories { code nameTh } }", None, 1 + DEFAULT_PAGE * 2),
    ("a leaf list costs 1", "{ caseStats(groupBy: []) { groupBy } }", None, 1 + 1),
    ("a connection with a literal first",
     "{ cases(first: 10) { totalCount edges { node { id } } } }", None, 1 + 10 * (1 + 3)),
    ("a variable", "query($n: Int) { cases(first: $n) { edges { node { id } } } }", {"n": 5},
     1 + 5 * 3),
    ("a variable's default", "query($n: Int = 7) { cases(first: $n) { edges { node { id } } } }",
     None, 1 + 7 * 3),
    ("a variable given overrides its default",
     "query($n: Int = 7) { cases(first: $n) { edges { node { id } } } }", {"n": 2}, 1 + 2 * 3),
    ("no first: the default page", "{ cases { edges { node { id } } } }", None,
     1 + DEFAULT_PAGE * 3),
    ("null first: the default page", "query($n: Int) { cases(first: $n) { edges { node { id } } } }",
     {"n": None}, 1 + DEFAULT_PAGE * 3),
    ("a first of the wrong type: the default page",
     "query($n: Int) { cases(first: $n) { edges { node { id } } } }", {"n": "many"},
     1 + DEFAULT_PAGE * 3),
    ("a negative first multiplies by 0",
     "query($n: Int) { cases(first: $n) { edges { node { id } } } }", {"n": -3}, 1),
    ("the argument's default (volunteerActivity: 100)",
     "{ volunteerActivity { volunteerCount volunteers { userId } } }", None, 1 + 100 * (1 + 2)),
    ("nested lists compound",
     "{ cases(first: 10) { edges { node { referrals { id case { events { id } } } } } } }",
     None, 1 + 10 * (1 + (1 + (1 + DEFAULT_PAGE * (1 + (1 + (1 + DEFAULT_PAGE * 1))))))),
    ("a named fragment", "query { cases(first: 2) { ...Page } } "
     "fragment Page on CaseConnection { edges { node { id } } }", None, 1 + 2 * 3),
    ("a fragment inside a fragment", "query { cases(first: 2) { ...Page } } "
     "fragment Page on CaseConnection { edges { node { ...Row } } } "
     "fragment Row on Case { id reference referrals { id } }", None,
     1 + 2 * (1 + (1 + (1 + 1 + (1 + DEFAULT_PAGE))))),
    ("inline fragments on a union: every member counted",
     'mutation { login(username: "a", password: "b") { __typename '
     "... on LoginSuccess { token user { id } } ... on UserError { code } } }", None,
     1 + (1 + 1 + 2 + 1)),
    ("inline fragment without a type", "{ me { ... { id username } } }", None, 1 + 2),
    ("introspection costs 1", "{ __schema { types { name fields { name args { name } } } } }",
     None, 1),
    ("__typename", "{ __typename }", None, 1),
    ("aliases count each time",
     "{ a: cases(first: 3) { totalCount } b: cases(first: 4) { totalCount } }", None,
     (1 + 3) + (1 + 4)),
    ("the named operation",
     "query A { categories { code } } query B { cases(first: 1) { totalCount } }", "B", 2),
]


@pytest.mark.parametrize(("document", "variables", "cost"),
                         [pytest.param(d, v, c, id=i) for i, d, v, c in ESTIMATES])
def test_the_estimate(document: str, variables: dict[str, Any] | str | None, cost: int) -> None:
    operation = variables if isinstance(variables, str) else None
    values = None if isinstance(variables, str) else variables
    assert estimate_cost(schema._schema, parse(document), values, operation) == cost


def test_no_single_operation_has_no_cost() -> None:
    two = parse("query A { me { id } } query B { me { id } }")
    assert estimate_cost(schema._schema, two, None, None) is None
    assert estimate_cost(schema._schema, two, None, "C") is None


# --- The web client's documents ------------------------------------------------------------

_TEMPLATE = re.compile(r"(?:export )?const (\w+) = `(.*?)`;", re.S)
_STRING = re.compile(r'(?:export )?const (\w+) = "([^"\n]*)";')  # parts a template takes in
_USER_ERROR = "... on UserError { message messageTh code } ... on ValidationError { field }"


def web_documents() -> dict[str, str]:
    """Every document of web/src written as a template constant, its `${...}` filled in."""
    found: dict[str, str] = {}
    for path in (WEB_SRC / "queries.ts", WEB_SRC / "dashboard" / "source.ts"):
        source = path.read_text(encoding="utf-8")
        consts = {**dict(_STRING.findall(source)), **dict(_TEMPLATE.findall(source))}
        for name, text in consts.items():
            for _ in range(5):
                text = re.sub(r"\$\{(\w+)\}", lambda m: consts.get(m.group(1), m.group(0)), text)
            text = re.sub(r"\$\{userErrorFields\(\w*\)\}", _USER_ERROR, text)
            if "${" not in text and text.lstrip().startswith(("query", "mutation")):
                found[f"{path.stem}.{name}"] = text
    return found


def test_the_web_documents_are_found() -> None:
    names = set(web_documents())
    assert {"queries.CASES", "queries.CASE", "queries.REFERRALS", "queries.REFERRAL",
            "queries.NOTIFICATIONS", "queries.VOLUNTEER_ACTIVITY", "queries.OPEN_CASE",
            "source.DASHBOARD"} <= names, names


@pytest.mark.parametrize(("name", "document"), web_documents().items())
def test_every_web_document_is_within_the_limit_at_the_largest_page(name: str,
                                                                   document: str) -> None:
    cost = estimate_cost(schema._schema, parse(document), {"first": MAX_PAGE})
    assert cost is not None and cost <= MAX_COST, (name, cost)


SOME_ID = "00000000-0000-4000-8000-000000000000"
# The dashboard as web/src/dashboard/source.ts asks for a province (43) and its districts.
DASHBOARD_VARIABLES = {"filter": {"provinceCode": "43"}, "from": None, "to": None,
                       "childDim": ["DISTRICT"], "withChildren": True, "province": "43",
                       "withCoverage": True, "parent": "43", "a1": "43", "a2": None, "a3": None,
                       "withA1": True, "withA2": False, "withA3": False}


def _variables(name: str) -> dict[str, Any]:
    if name == "source.DASHBOARD":
        return DASHBOARD_VARIABLES
    return {"first": MAX_PAGE, "id": SOME_ID, "nationalId": "1101700230708",  # valid, nobody's
            # issue 13: reference data (the routing preview, the holidays screen)
            "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101", "year": 2026,
            # issue 13: people (one person's page)
            "username": "vol.naimueang",
            # issue 16: outreach figures and participation of a fiscal year (B.E.)
            "fiscalYear": 2569}


async def test_the_web_clients_queries_run_at_the_largest_page(client: httpx.AsyncClient,
                                                               db: Database) -> None:
    """The cost is estimated from the document, not the data: no cases are needed."""
    admin = await Tokens(client, db)("admin")
    queries = {n: d for n, d in web_documents().items() if d.lstrip().startswith("query")}
    assert len(queries) >= 10, queries
    for name, document in queries.items():
        operation = parse(document).definitions[0]
        declared = {v.variable.name.value for v in operation.variable_definitions or ()}  # type: ignore[attr-defined]
        variables = {k: v for k, v in _variables(name).items() if k in declared}
        body = await gql(client, document, variables, admin)
        assert "errors" not in body, (name, body)


# --- The limit over HTTP -------------------------------------------------------------------

COSTLY_QUERY = """
query Costly($n: Int) {
  cases(first: $n) { edges { node { id events { id actor { id } }
    referrals { id case { events { id } } } } } }
}
"""

# A mutation whose result selection is costly: refused, so the case is never filed.
COSTLY_MUTATION = """
mutation Costly($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on OpenCaseSuccess { case { referrals { case { referrals { case {
      events { id type at note actor { id username } } } } } } } }
  }
}
"""


def _refusal(body: dict[str, Any]) -> tuple[int, int]:
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == CODE, error
    cost, limit = error["extensions"]["cost"], error["extensions"]["limit"]
    assert limit == MAX_COST and cost > MAX_COST, error
    assert f"costs {cost}" in error["message"] and f"limit of {limit}" in error["message"]
    assert "path" not in error, error
    return cost, limit


async def test_a_costly_query_is_refused_with_its_cost_and_the_limit(client: httpx.AsyncClient,
                                                                     db: Database) -> None:
    admin = await Tokens(client, db)("admin")
    body = await gql(client, COSTLY_QUERY, {"n": MAX_PAGE}, admin)
    expected = estimate_cost(schema._schema, parse(COSTLY_QUERY), {"n": MAX_PAGE})
    assert _refusal(body) == (expected, MAX_COST)
    # the same document with a small page is cheap enough, and runs
    body = await gql(client, COSTLY_QUERY, {"n": 2}, admin)
    assert "errors" not in body, body


async def test_a_costly_mutation_is_refused_before_it_runs(client: httpx.AsyncClient,
                                                           db: Database) -> None:
    token = await Tokens(client, db)("vol.naimueang")
    before = await row_counts(db)
    body = await gql(client, COSTLY_MUTATION, {"input": case_input()}, token)
    _refusal(body)
    assert await row_counts(db) == before, "a refused mutation filed a case"


async def test_the_limit_is_checked_for_anonymous_users_first(client: httpx.AsyncClient) -> None:
    """Nobody signed in gets the cost refusal, not an UNAUTHENTICATED from a resolver."""
    _refusal(await gql(client, COSTLY_QUERY, {"n": MAX_PAGE}))


async def test_the_refusal_is_not_masked_in_production(db_url: str) -> None:
    async with production_client(db_url) as prod:
        token = await login(prod, "admin")
        _refusal(await gql(prod, COSTLY_QUERY, {"n": MAX_PAGE}, token))
