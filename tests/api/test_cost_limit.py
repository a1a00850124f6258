"""The query cost limit cannot be fooled (issue 11): not by a float for `first`, not by
unpaged lists whose real size is in the thousands, not by a pattern of fragments.

The estimator is checked by table (no database), the limit over HTTP on both databases.
tests/api/test_cost.py holds the model itself and the web client's documents.
"""

from __future__ import annotations

import time
from typing import Any

import geothai
import httpx
import pytest
from graphql import get_nullable_type, is_list_type, parse
from graphql.execution.values import get_variable_values

from api.app import MAX_FRAGMENT_SPREADS
from api.cost import (CODE, DISTRICTS, DISTRICTS_PER_PROVINCE, LIST_SIZES, ORG_UNITS, PROVINCES,
                      Estimates, estimate_cost)
from api.pagination import DEFAULT_PAGE
from api.reference.queries import MAX_AREAS
from api.schema import MAX_COST, schema
from api.stats.types import MAX_UNCOVERED_PAGE, UNCOVERED_PAGE
from domain.reference.data import AGENCIES
from tests.api.test_access import production_client
from tests.api.test_cost import COSTLY_QUERY, web_documents
from tests.helpers import gql, login

SCHEMA = schema._schema


def cost(document: str, variables: dict[str, Any] | None = None) -> int:
    found = estimate_cost(SCHEMA, parse(document), variables)
    assert found is not None
    return found


# --- The sizes are the country's -------------------------------------------------------------

def test_the_known_sizes_are_the_reference_data() -> None:
    provinces = geothai.provinces()
    districts = {p.code: geothai.districts(p.code) for p in provinces}
    subdistricts = {p: sum(len(geothai.subdistricts(d.code)) for d in ds) for p, ds in districts.items()}
    assert PROVINCES == len(provinces)
    assert DISTRICTS == sum(len(ds) for ds in districts.values())
    assert DISTRICTS_PER_PROVINCE == max(len(ds) for ds in districts.values())
    assert ORG_UNITS == len(AGENCIES) * len(provinces)
    # one province's uncovered sub-districts fit the default page; the country's take pages
    assert max(subdistricts.values()) <= UNCOVERED_PAGE < sum(subdistricts.values())


def test_every_known_size_names_a_list_of_the_schema() -> None:
    for type_name, field_name in LIST_SIZES:
        field = SCHEMA.get_type(type_name).fields[field_name]  # type: ignore[union-attr]
        assert is_list_type(get_nullable_type(field.type)), (type_name, field_name)
        assert "first" not in field.args, f"{type_name}.{field_name} is paged: `first` counts it"


# --- The estimate uses real sizes ---------------------------------------------------------

VOLUNTEERS = "volunteers { userId username displayName casesFiled openCases lastActivityAt }"
ESTIMATES: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("a float first in variables is the page the resolver gets",
     "query($n: Int) { cases(first: $n) { edges { node { id } } } }", {"n": 100.0}, 1 + 100 * 3),
    ("a float first for volunteerActivity (up to 1,000 a page)",
     "query($n: Int!) { volunteerActivity(first: $n) { %s } }" % VOLUNTEERS, {"n": 1000.0},
     1 + 1000 * (1 + 6)),
    ("a first that does not coerce: the default page (execution refuses it)",
     "query($n: Int) { cases(first: $n) { edges { node { id } } } }", {"n": 2**70}, 1 + DEFAULT_PAGE * 3),
    ("a required variable missing does not hide the others",
     "query($n: Int, $id: ID!) { cases(first: $n) { totalCount } case(id: $id) { id } }", {"n": 50},
     (1 + 50) + 2),
    ("the districts of the country",
     "{ networkCoverage { districts { code nameTh } } }", None, 1 + (1 + DISTRICTS * 2)),
    ("the districts of one province",
     "{ networkCoverage(provinceCode: \"43\") { districts { code nameTh } } }", None,
     1 + (1 + DISTRICTS_PER_PROVINCE * 2)),
    ("the province from a variable",
     "query($p: String) { networkCoverage(provinceCode: $p) { provinces { code } } }", {"p": "43"}, 1 + (1 + 1)),
    ("the provinces of the country",
     "query($p: String) { networkCoverage(provinceCode: $p) { provinces { code } } }", {"p": None},
     1 + (1 + PROVINCES)),
    ("uncovered sub-districts: the default page",
     "{ networkCoverage { uncovered { code nameTh nameEn districtCode } } }", None,
     1 + (1 + UNCOVERED_PAGE * 4)),
    ("uncovered sub-districts: the largest page",
     "{ networkCoverage { uncovered(first: 1000) { code } } }", None, 1 + (1 + MAX_UNCOVERED_PAGE)),
    ("every office", "{ orgUnits { code agency { code } } }", None, 1 + ORG_UNITS * (1 + 2)),
    ("the offices of one province", "{ orgUnits(provinceCode: \"43\") { code } }", None, 1 + len(AGENCIES)),
    ("areas", "{ areas(search: \"a\") { code } }", None, 1 + MAX_AREAS),
    ("a year's holidays", "{ holidays(year: 2026) { day name } }", None, 1 + 366 * 2),
    ("a statistics row has one key per dimension",
     "{ caseStats(groupBy: [STATUS, MONTH]) { rows { keys { code } caseCount } } }", None,
     1 + (1 + DEFAULT_PAGE * ((1 + 2 * 1) + 1))),
    ("keys of a groupBy from a variable",
     "query($g: [CaseDimension!]!) { caseStats(groupBy: $g) { rows { keys { code } } } }",
     {"g": ["STATUS"]}, 1 + (1 + DEFAULT_PAGE * (1 + 1))),
]


@pytest.mark.parametrize(("document", "variables", "expected"),
                         [pytest.param(d, v, c, id=i) for i, d, v, c in ESTIMATES])
def test_the_estimate(document: str, variables: dict[str, Any] | None, expected: int) -> None:
    assert cost(document, variables) == expected


def test_a_float_first_was_the_default_page_and_is_now_the_real_one() -> None:
    """COSTLY_QUERY at 100 a page is refused; a float 100.0 used to count as 20 a page."""
    assert cost(COSTLY_QUERY, {"n": DEFAULT_PAGE}) < MAX_COST < cost(COSTLY_QUERY, {"n": 100.0})
    assert cost(COSTLY_QUERY, {"n": 100.0}) == cost(COSTLY_QUERY, {"n": 100})


def _fragment_ladder(levels: int) -> str:
    """Each level's two fragments spread both of the next: 2**levels paths through them."""
    parts = ["{ me { ...A0 ...B0 } }"]
    for i in range(levels):
        spread = f"...A{i + 1} ...B{i + 1}" if i + 1 < levels else "id username"
        parts += [f"fragment A{i} on User {{ {spread} }}", f"fragment B{i} on User {{ {spread} }}"]
    return "\n".join(parts)


def test_a_ladder_of_fragments_is_estimated_at_once() -> None:
    started = time.perf_counter()
    estimated = cost(_fragment_ladder(40))
    assert time.perf_counter() - started < 1.0
    assert estimated > MAX_COST  # 2**40 paths: refused (execution would merge them)


def _spreads(levels: int) -> int:
    return 2 + 4 * (levels - 1)


# The dashboard's variables for the whole country (web/src/dashboard/source.ts, no area).
COUNTRY = {"filter": None, "from": None, "to": None, "childDim": ["PROVINCE"], "withChildren": True,
           "province": None, "withCoverage": True, "parent": "", "a1": None, "a2": None, "a3": None,
           "withA1": False, "withA2": False, "withA3": False}


def test_the_web_client_stays_within_the_limit_for_the_whole_country() -> None:
    dashboard = web_documents()["source.DASHBOARD"]
    assert cost(dashboard, COUNTRY) <= MAX_COST
    for name, document in web_documents().items():
        assert cost(document, {"first": 100}) <= MAX_COST, name


# --- The limit over HTTP -----------------------------------------------------------------------

def _refused(body: dict[str, Any]) -> int:
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == CODE, error
    assert error["extensions"]["cost"] > MAX_COST and error["extensions"]["messageTh"], error
    return int(error["extensions"]["cost"])


def _aliases(count: int, selection: str, variables: str = "") -> str:
    return f"query{variables} {{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


ALL_VOLUNTEER_FIELDS = ("volunteers { userId username displayName areaCode areaNameTh casesFiled "
                        "openCases lastActivityAt daysSinceLastActivity meanSatisfaction }")
ATTACKS = [
    pytest.param(COSTLY_QUERY, {"n": 100.0}, id="a-float-first-in-variables"),
    pytest.param(_aliases(3, "volunteerActivity(first: $n) { %s }" % ALL_VOLUNTEER_FIELDS, "($n: Int!)"),
                 {"n": 1000.0}, id="volunteer-pages-of-a-float-1000-three-times"),
    pytest.param(_aliases(5, "networkCoverage(provinceCode: $p) { districts { code nameTh nameEn "
                             "subdistrictCount coveredCount share } }", "($p: String)"), {"p": None},
                 id="the-countrys-districts-five-times"),
    pytest.param(_aliases(7, "networkCoverage { uncovered(first: 1000) { code nameTh nameEn districtCode } }"),
                 None, id="the-largest-uncovered-page-seven-times"),
    pytest.param(_aliases(10, "orgUnits { code nameTh nameEn provinceCode agency { code nameTh } }"), None,
                 id="every-office-ten-times"),
]


@pytest.mark.parametrize(("document", "variables"), ATTACKS)
async def test_big_lists_repeated_are_refused(client: httpx.AsyncClient, document: str,
                                              variables: dict[str, Any] | None) -> None:
    token = await login(client, "admin")
    expected = estimate_cost(SCHEMA, parse(document), variables)
    assert _refused(await gql(client, document, variables, token)) == expected


async def test_the_refusals_hold_in_production(db_url: str) -> None:
    async with production_client(db_url) as prod:
        token = await login(prod, "admin")
        for param in ATTACKS:
            document, variables = param.values
            _refused(await gql(prod, str(document), variables, token))  # type: ignore[arg-type]
        response = await prod.post("/graphql", json={"query": _fragment_ladder(40)},
                                   headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 400 and "fragment" in response.text, response.text


async def test_a_ladder_of_fragments_is_refused_before_validation(client: httpx.AsyncClient) -> None:
    """strawberry's depth and alias rules follow each spread anew: 2**n steps for n levels
    (20 levels took 9 s). The request is refused at the edge, before they run."""
    token = await login(client, "admin")
    levels = 40
    assert _spreads(levels) > MAX_FRAGMENT_SPREADS
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": _fragment_ladder(levels)},
                                 headers={"Authorization": f"Bearer {token}"})
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 400 and f"more than {MAX_FRAGMENT_SPREADS}" in response.text
    short = 5
    assert _spreads(short) <= MAX_FRAGMENT_SPREADS
    body = await gql(client, _fragment_ladder(short), None, token)
    assert body == {"data": {"me": {"id": body["data"]["me"]["id"], "username": "admin"}}}


async def test_the_whole_country_dashboard_runs(client: httpx.AsyncClient) -> None:
    body = await gql(client, web_documents()["source.DASHBOARD"], COUNTRY, await login(client, "admin"))
    assert "errors" not in body, body
    coverage = body["data"]["coverage"]
    assert len(coverage["provinces"]) == PROVINCES and len(coverage["districts"]) == DISTRICTS


UNCOVERED = """
query($first: Int!, $offset: Int!) {
  networkCoverage { total { subdistrictCount coveredCount } uncovered(first: $first, offset: $offset) { code } }
}
"""


async def test_the_uncovered_sub_districts_come_in_pages(client: httpx.AsyncClient) -> None:
    token = await login(client, "sup.national")
    codes: list[str] = []
    total = None
    while True:
        body = await gql(client, UNCOVERED, {"first": MAX_UNCOVERED_PAGE, "offset": len(codes)}, token)
        assert "errors" not in body, body
        report = body["data"]["networkCoverage"]
        total = report["total"]
        page = [u["code"] for u in report["uncovered"]]
        codes += page
        if len(page) < MAX_UNCOVERED_PAGE:
            break
    assert total is not None
    assert len(codes) == len(set(codes)) == total["subdistrictCount"] - total["coveredCount"]
    assert codes == sorted(codes)
    default = (await gql(client, "{ networkCoverage { uncovered { code } } }", None, token))["data"]
    assert [u["code"] for u in default["networkCoverage"]["uncovered"]] == codes[:UNCOVERED_PAGE]


@pytest.mark.parametrize(("first", "offset"), [(0, 0), (MAX_UNCOVERED_PAGE + 1, 0), (10, -1)])
async def test_an_uncovered_page_out_of_range_is_a_clear_error(client: httpx.AsyncClient, first: int,
                                                               offset: int) -> None:
    body = await gql(client, UNCOVERED, {"first": first, "offset": offset}, await login(client, "sup.national"))
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["messageTh"], error
    assert "`first`" in error["message"]


# --- An estimate kept is the one for the variables sent --------------------------------------

KEPT: list[tuple[str, list[dict[str, Any]]]] = [
    ("query($n: Int) { cases(first: $n) { edges { node { id } } } }",
     [{"n": 5}, {"n": 100}, {"n": 5}, {}, {"n": None}, {"n": 100.0}]),
    ("query($g: [CaseDimension!]!) { caseStats(groupBy: $g) { rows { keys { code } } } }",
     [{"g": ["STATUS"]}, {"g": ["STATUS", "MONTH", "PROVINCE"]}, {"g": ["STATUS"]}]),
    ("query($g: [CaseDimension!]!) { caseStats(groupBy: $g) { rows { keys { code } } } }",  # too long to keep
     [{"g": ["STATUS"] * 300}, {"g": ["STATUS", "MONTH"] * 150}, {"g": ["STATUS"] * 300}]),
    ("query($d: CaseDimension!) { caseStats(groupBy: [STATUS, $d]) { rows { keys { code } } } }",
     [{"d": "STATUS"}, {"d": "MONTH"}, {"d": "STATUS"}]),
    ("query($p: String, $id: ID!) { networkCoverage(provinceCode: $p) { districts { code } } case(id: $id) { id } }",
     [{"p": "43", "id": "a"}, {"p": None, "id": "a"}, {"p": "43", "id": "b"}]),
    ("query($n: Int) { ...Page } fragment Page on Query { cases(first: $n) { edges { node { id } } } }",
     [{"n": 3}, {"n": 90}, {"n": 3}]),
]


@pytest.mark.parametrize(("document", "sent"), KEPT)
def test_the_estimate_kept_for_a_document_is_the_one_for_its_variables(
        document: str, sent: list[dict[str, Any]]) -> None:
    """`Estimates` keeps an estimate by document and the values of the variables it reads:
    sending a document again with other values for them is estimated anew, each time."""
    parsed = parse(document)
    (operation,) = parsed.definitions[:1]
    expected = [estimate_cost(SCHEMA, parsed, variables) for variables in sent]
    assert len(set(expected)) > 1, expected  # the values matter
    estimates = Estimates()
    for _ in range(2):
        kept = [estimates.cost(SCHEMA, parsed, operation, _coerced(operation, variables))  # type: ignore[arg-type]
                for variables in sent]
        assert kept == expected


def test_an_estimate_with_arguments_unread_is_not_kept() -> None:
    """A null for `offset: Int! = 0` leaves the field's arguments unread, and the default page
    stands in for its `first` (execution refuses the field). That estimate is not kept: the
    same `first` sent next without the null is estimated at its own page. Once that is kept,
    the null is answered with it, the larger (the field is refused at execution anyway)."""
    parsed = parse("query($n: Int!, $o: Int) { volunteerActivity(first: $n, offset: $o) { %s } }"
                   % VOLUNTEERS)
    (operation,) = parsed.definitions
    estimates = Estimates()

    def kept(variables: dict[str, Any]) -> int | None:
        return estimates.cost(SCHEMA, parsed, operation, _coerced(operation, variables))  # type: ignore[arg-type]

    unread, read = estimate_cost(SCHEMA, parsed, {"n": 1000, "o": None}), estimate_cost(SCHEMA, parsed, {"n": 1000})
    assert unread is not None and read is not None and unread < read
    assert kept({"n": 1000, "o": None}) == unread
    assert kept({"n": 1000}) == read
    assert kept({"n": 1000, "o": 0}) == read
    assert kept({"n": 1000, "o": None}) == read


def _coerced(operation: Any, variables: dict[str, Any]) -> Any:
    coerced = get_variable_values(SCHEMA, operation.variable_definitions, variables)
    assert not isinstance(coerced, list), coerced
    return coerced


async def test_a_document_estimated_cheap_is_refused_when_sent_costly(client: httpx.AsyncClient) -> None:
    """Over HTTP: the web client's list document at a small page passes, at the largest page
    with everything nested it is refused, and each answer stays so when sent again."""
    token = await login(client, "admin")
    for _ in range(2):
        small = await gql(client, COSTLY_QUERY, {"n": 1}, token)
        assert "errors" not in small, small
        assert _refused(await gql(client, COSTLY_QUERY, {"n": 100}, token)) == \
            estimate_cost(SCHEMA, parse(COSTLY_QUERY), {"n": 100})
