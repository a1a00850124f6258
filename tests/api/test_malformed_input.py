"""No request can cause a 500 (issue 11): hostile bodies, cursors, dates, text and sizes.

Each attack goes to the real app over HTTP, in development and in production (errors masked,
suggestions off), on SQLite and on PostgreSQL. Each must end in a 400 or in a clear error:
a top-level BAD_USER_INPUT (never the masked "Unexpected error."), a ValidationError member
of a mutation's result, or a GraphQL validation error about the document. Nothing may be
written, and no log line may carry a traceback (a record with exception info, or any
multi-line message).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from api.app import MAX_JSON_DEPTH, MAX_LIST_ITEMS
from domain.db import Database
from tests.api.attacks import Answer, Attack, as_json, b64, run, tracebacks
from tests.api.test_access import production_client
from tests.factories import OPEN_CASE, case_input, file_case
from tests.helpers import login

NIL = "00000000-0000-4000-8000-000000000000"
THAI_DIGIT_UUID = "๐๐๐๐๐๐๐๐-๐๐๐๐-๔๐๐๐-๘๐๐๐-๐๐๐๐๐๐๐๐๐๐๐๐"
SURROGATE = "ค่าจ้าง\ud800ค้าง"


@pytest.fixture(params=["development", "production"])
async def app_client(request: pytest.FixtureRequest, client: httpx.AsyncClient,
                     db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "development":
        yield client
        return
    async with production_client(db_url) as prod:
        yield prod


@pytest.fixture
def send(app_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
         ) -> Callable[[bytes, str | None], Any]:
    tokens: dict[str, str] = {}

    async def post(body: bytes, who: str | None) -> Answer:
        headers = {"Content-Type": "application/json"}
        if who is not None:
            if who not in tokens:
                tokens[who] = await login(app_client, who)
            headers["Authorization"] = f"Bearer {tokens[who]}"
        caplog.set_level(logging.INFO)  # what production logs
        caplog.clear()
        try:
            response = await app_client.post("/graphql", content=body, headers=headers)
        except Exception as crash:  # the in-process transport re-raises what a server sends as 500
            return Answer(None, crash=f"{type(crash).__name__}: {str(crash)[:200]}",
                          logs=tracebacks(caplog.records))
        return Answer(response, logs=tracebacks(caplog.records))

    return post


# --- Deep nesting ----------------------------------------------------------------------------

def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def _nested_extensions(depth: int) -> bytes:
    """A request whose innermost object is `depth` deep (the body itself is 1)."""
    return b'{"query":"{ me { username } }","extensions":' + b'{"a":' * (depth - 1) + b"1" + b"}" * depth


DEEP = [
    Attack("100,000 [ in variables", b'{"query":"query($x:[String]){ me { id } }","variables":{"x":'
           + _deep(100_000) + b"}}", "400", text="nested too deeply"),
    Attack("100,000 [ as the body", _deep(100_000), "400", text="nested too deeply"),
    Attack("100,000 { as the body", b'{"a":' * 30_000 + b"1" + b"}" * 30_000, "400",
           text="nested too deeply"),
    Attack("900 levels (under the interpreter's limit) in variables",
           b'{"query":"query($x:[String]){ me { id } }","variables":{"x":' + _deep(900) + b"}}",
           "400", text="nested too deeply"),
    Attack("500 levels inside an input object",
           b'{"query":"query($f:CaseFilterInput){ cases(filter:$f){ totalCount } }",'
           b'"variables":{"f":{"status":' + _deep(500) + b"}}}", "400", text="nested too deeply"),
    Attack("one level over the limit", _nested_extensions(MAX_JSON_DEPTH + 1), "400",
           text="nested too deeply"),
    Attack("1,400 nested lists in the document",
           as_json("{ cases(filter: {status: " + "[" * 1400 + "]" * 1400 + "}) { totalCount } }"),
           "graphql_error", text="nested too deeply"),
]


async def test_deep_nesting_is_a_400(send: Any, db: Database) -> None:
    await run(send, db, DEEP)


async def test_nesting_at_the_limit_still_runs(send: Any) -> None:
    answer = await send(_nested_extensions(MAX_JSON_DEPTH), "admin")
    assert answer.response is not None and answer.response.status_code == 200, answer
    assert answer.response.json()["data"]["me"]["username"] == "admin"


# --- Cursors -----------------------------------------------------------------------------------

TIME = "2026-04-10T10:00:00+07:00"
BAD_CURSORS = {
    "Thai digits in an offset": "o|๑๒",
    "fullwidth digits in an offset": "o|１２",
    "a superscript digit in an offset": "o|²",
    "a 5,000-digit offset": "o|" + "9" * 5000,
    "an offset over 64 bits": "o|" + "9" * 23,
    "Thai digits in a time": f"t|๒๐๒๖-๐๔-๑๐T10:00:00+07:00|{NIL}",
    "Thai digits in a row id": f"t|{TIME}|{THAI_DIGIT_UUID}",
    "a time before UTC begins": f"t|0001-01-01T00:00:00+07:00|{NIL}",
    "a time after UTC ends": f"t|9999-12-31T23:00:00-05:00|{NIL}",
}
CONNECTIONS = {"cases": "totalCount", "referrals": "totalCount",
               "notifications": "unreadCount", "accessLog": "pageInfo { hasNextPage }"}


async def test_a_cursor_takes_ascii_digits_only(send: Any, db: Database) -> None:
    await run(send, db, [
        Attack(f"{field}: {name}", as_json(f"query($c: String) {{ {field}(after: $c) {{ {selection} }} }}",
                                         {"c": b64(cursor)}), "bad_input", text="cursor")
        for name, cursor in BAD_CURSORS.items() for field, selection in CONNECTIONS.items()])


async def test_ascii_cursors_still_page(send: Any) -> None:
    for document, cursor in [("{ referrals(after: $c) { totalCount } }", "o|0"),
                             ("{ accessLog(after: $c) { pageInfo { hasNextPage } } }", "o|12"),
                             ("{ cases(after: $c) { totalCount } }", f"t|{TIME}|{NIL}"),
                             ("{ notifications(after: $c) { unreadCount } }", f"t|{TIME}|{NIL}")]:
        answer = await send(as_json("query($c: String) " + document, {"c": b64(cursor)}), "admin")
        assert answer.response is not None, answer
        assert "errors" not in answer.response.json(), (document, answer.response.text)


# --- Dates and times ---------------------------------------------------------------------------

ACTIVITY = "query($t: DateTime) { volunteerActivity(filter: {filedFrom: $t, filedTo: $t}) { volunteerCount } }"
EXPORT = ("mutation($t: DateTime) { exportCsv(input: {kind: VOLUNTEER_ACTIVITY, filedFrom: $t}) "
          "{ __typename ... on UserError { message messageTh code } } }")
ACCESS_LOG = "query($t: DateTime) { accessLog(filter: {since: $t}) { pageInfo { hasNextPage } } }"
HOLIDAY = "mutation($d: Date!) { addHoliday(day: $d, name: \"x\") { __typename } }"
# Values the DateTime and Date scalars refuse: a variable error, BAD_USER_INPUT.
UNPARSABLE_TIMES = {"year 0": "0000-01-01T00:00:00+07:00", "year 10000": "10000-01-01T00:00:00+07:00",
                    "month 13, day 45": "2026-13-45T00:00:00+07:00", "a huge timestamp": "9" * 20,
                    "a number": 1776000000, "words": "yesterday"}
UNPARSABLE_DATES = {"year 0": "0000-01-01", "year 10000": "10000-01-01", "month 13, day 45": "2026-13-45",
                    "a number": 20260101, "five-digit year": "99999-01-01"}
# Valid ISO text, but no instant the app can store or compare: refused by the inputs.
OUT_OF_RANGE = {"0001 in Bangkok (before UTC begins)": "0001-01-01T00:00:00+07:00",
                "9999 at -12:00 (after UTC ends)": "9999-12-31T23:59:59-12:00",
                "1800 in UTC": "1800-01-01T00:00:00+00:00"}
NAIVE = {"no time zone": "2026-04-01T00:00:00", "a date for a DateTime": "2026-04-01"}


def _time_attacks() -> list[Attack]:
    attacks = []
    for name, value in UNPARSABLE_TIMES.items():
        attacks += [Attack(f"volunteerActivity: {name}", as_json(ACTIVITY, {"t": value}), "bad_input"),
                    Attack(f"exportCsv: {name}", as_json(EXPORT, {"t": value}), "bad_input"),
                    Attack(f"accessLog: {name}", as_json(ACCESS_LOG, {"t": value}), "bad_input"),
                    Attack(f"openCase: {name}", as_json(OPEN_CASE, {"input": case_input(capturedAt=value)}),
                           "bad_input", who="vol.naimueang")]
    for name, value in UNPARSABLE_DATES.items():
        attacks.append(Attack(f"addHoliday: {name}", as_json(HOLIDAY, {"d": value}), "bad_input"))
    for name, value in {**OUT_OF_RANGE, **NAIVE}.items():
        text = "time zone" if name in NAIVE else "between the years"
        attacks += [Attack(f"volunteerActivity: {name}", as_json(ACTIVITY, {"t": value}), "bad_input", text=text),
                    Attack(f"exportCsv: {name}", as_json(EXPORT, {"t": value}), "user_error", text=text)]
    for name, value in OUT_OF_RANGE.items():
        attacks.append(Attack(f"openCase: {name}", as_json(OPEN_CASE, {"input": case_input(capturedAt=value)}),
                              "user_error", who="vol.naimueang", text="between the years"))
    for name, value in NAIVE.items():  # the domain's own error
        attacks.append(Attack(f"openCase: {name}", as_json(OPEN_CASE, {"input": case_input(capturedAt=value)}),
                              "user_error", who="vol.naimueang", text="time zone"))
    for year in (2**70, -2**70, 2**31):
        attacks.append(Attack(f"holidays(year: {year})", as_json("query($y: Int!) { holidays(year: $y) { day } }",
                                                               {"y": year}), "bad_input", text="32-bit"))
    return attacks


async def test_dates_and_times_out_of_range_are_clear_errors(send: Any, db: Database) -> None:
    await run(send, db, _time_attacks())


async def test_the_access_log_refuses_instants_out_of_range(send: Any, db: Database) -> None:
    await run(send, db, [Attack(f"accessLog: {name}", as_json(ACCESS_LOG, {"t": value}), "bad_input")
                         for name, value in {**OUT_OF_RANGE, **NAIVE}.items()])


# --- Text that cannot be stored --------------------------------------------------------------

ADD_NOTE = "mutation($c: ID!, $t: String!) { addNote(caseId: $c, text: $t) { __typename } }"


async def test_lone_surrogates_are_refused_before_anything_runs(send: Any, db: Database,
                                                                client: httpx.AsyncClient) -> None:
    case = await file_case(client, await login(client, "vol.naimueang"))  # a note has a case to go to
    text = "surrogate"
    await run(send, db, [
        Attack("a case description (written to the database)",
               as_json(OPEN_CASE, {"input": case_input(text=SURROGATE)}), "400", "vol.naimueang", text),
        Attack("a citizen's name", as_json(OPEN_CASE, {"input": case_input(citizen={
            "fullName": SURROGATE, "consent": True})}), "400", "vol.naimueang", text),
        Attack("a note", as_json(ADD_NOTE, {"c": case["id"], "t": SURROGATE}), "400", "vol.naimueang", text),
        Attack("a search filter", as_json("query($t: String) { cases(filter: {text: $t}) { totalCount } }",
                                        {"t": SURROGATE}), "400", text=text),
        Attack("an area search", as_json("query($t: String) { areas(search: $t) { code } }", {"t": SURROGATE}),
               "400", text=text),
        Attack("a username at login", as_json("mutation($u: String!) { login(username: $u, password: \"x\") "
                                            "{ __typename } }", {"u": SURROGATE}), "400", None, text),
        Attack("a national ID lookup", as_json("query($n: String!) { casesOfCitizen(nationalId: $n) "
                                             "{ __typename } }", {"n": "\udfff" * 13}), "400", text=text),
        Attack("a variable's name", as_json("{ me { id } }", {"\ud800": 1}), "400", text=text),
        Attack("the document itself", as_json('{ cases(filter: {text: "\ud800"}) { totalCount } }'),
               "400", text=text),
        Attack("a surrogate encoded in UTF-8 bytes (CESU-8)",
               b'{"query":"query($t: String){ cases(filter:{text:$t}) { totalCount } }",'
               b'"variables":{"t":"a\xed\xa0\x80b"}}', "400", text="JSON"),
        Attack("a GraphQL escape in the document", as_json('{ cases(filter: {text: "\\ud800"}) { totalCount } }'),
               "graphql_error", text="unicode escape"),
    ])


async def test_nul_in_a_code_of_a_filter_matches_nothing(send: Any, db: Database) -> None:
    """A GraphQL string may escape NUL (the JSON body cannot carry one: that is a 400);
    PostgreSQL refuses NUL in text, so a code with one must become a code that matches
    nothing, not an error."""
    for document in ['{ cases(filter: {provinceCode: "4\\u00003", categoryCode: ["A\\u0000"], '
                     'orgUnitCode: "D\\u0000"}) { totalCount } }',
                     '{ referrals(filter: {orgUnitCode: "D\\u0000"}) { totalCount } }',
                     '{ volunteerActivity(filter: {areaCode: "4\\u0000"}) { volunteerCount } }']:
        answer = await send(as_json(document), "admin")
        assert answer.response is not None and not answer.logs, answer
        body = answer.response.json()
        assert "errors" not in body, (document, body)
    answer = await send(as_json('mutation { openCase(input: {categoryCode: "UNPAID\\u0000", subdistrictCode: '
                              '"430101", description: "ค่าจ้างค้างจ่าย", citizen: {fullName: "ก ข", '
                              'consent: true}}) { __typename ... on ValidationError { field } } }'),
                        "vol.naimueang")
    assert answer.response is not None, answer
    assert answer.response.json()["data"]["openCase"] == {"__typename": "ValidationError",
                                                          "field": "categoryCode"}


# --- Sizes ---------------------------------------------------------------------------------------

MANY = 40_000


async def test_a_list_of_40000_items_is_a_400(send: Any, db: Database) -> None:
    text = f"more than {MAX_LIST_ITEMS:,} items"
    attacks = [
        Attack("ids to mark read", as_json("mutation($i: [ID!]!) { markNotificationsRead(ids: $i) "
                                         "{ __typename } }", {"i": ["1"] * MANY}), "400", "vol.naimueang", text),
        Attack("problem types in a filter", as_json("query($c: [String!]) { cases(filter: {categoryCode: $c}) "
                                                  "{ totalCount } }", {"c": ["A"] * MANY}), "400", text=text),
        Attack("statuses in a filter", as_json("query($s: [CaseStatus!]) { cases(filter: {status: $s}) "
                                             "{ totalCount } }", {"s": ["NEW"] * 30_000}), "400", text=text),
        Attack("offices to route to", as_json("mutation($o: [String!]!) { routeCase(caseId: \"" + NIL
                                            + "\", orgUnitCodes: $o) { __typename } }", {"o": ["x"] * MANY}),
               "400", "ops.nongkhai", text),
        Attack("dimensions to group by", as_json("query($g: [CaseDimension!]!) { caseStats(groupBy: $g) "
                                               "{ asOf } }", {"g": ["AGENCY"] * 25_000}), "400", text=text),
        Attack("20,000 variables", as_json("{ me { id } }", {f"v{i}": 1 for i in range(MANY // 2)}), "400",
               text=text),
    ]
    for attack in attacks:
        assert len(attack.body) < 256 * 1024, f"{attack.name}: over the body limit, so a 413 would hide it"
    await run(send, db, attacks)


async def test_a_list_at_the_limit_is_no_server_error(send: Any) -> None:
    for document, variables in [
        ("query($c: [String!]) { cases(filter: {categoryCode: $c}) { totalCount } }",
         {"c": [f"C{i}" for i in range(MAX_LIST_ITEMS)]}),
        ("mutation($i: [ID!]!) { markNotificationsRead(ids: $i) { __typename } }",
         {"i": [f"00000000-0000-4000-8000-{i:012d}" for i in range(MAX_LIST_ITEMS)]}),
    ]:
        answer = await send(as_json(document, variables), "vol.naimueang")
        assert answer.response is not None and answer.response.status_code == 200, answer
        assert not answer.logs and "errors" not in answer.response.json(), answer.response.text[:300]


# --- Bodies and envelopes ---------------------------------------------------------------------

ME = '"query":"{ me { id } }"'
ENVELOPES = [
    Attack("a JSON list", b"[1, 2]", "400", text="one JSON object"),
    Attack("a JSON string", b'"{ me { id } }"', "400", text="one JSON object"),
    Attack("JSON null", b"null", "400", text="one JSON object"),
    Attack("a JSON number", b"42", "400", text="one JSON object"),
    Attack("an empty body", b"", "400", text="JSON"),
    Attack("invalid UTF-8", b'{"query":"{ me { id } }\xff"}', "400", text="JSON"),
    Attack("UTF-16", '{"query":"{ me { id } }"}'.encode("utf-16"), "400", text="JSON"),
    Attack("NaN", b'{' + ME.encode() + b',"variables":{"n":NaN}}', "400", text="JSON"),
    Attack("a 5,000-digit number", b'{' + ME.encode() + b',"variables":{"n":' + b"9" * 5000 + b"}}",
           "400", text="JSON"),
    Attack("variables a list", b'{' + ME.encode() + b',"variables":[1]}', "400", text="variables"),
    Attack("variables a string", b'{' + ME.encode() + b',"variables":"{}"}', "400", text="variables"),
    Attack("variables a number", b'{' + ME.encode() + b',"variables":1}', "400", text="variables"),
    Attack("query a number", b'{"query":5}', "400", text="query"),
    Attack("query an object", b'{"query":{"a":1}}', "400", text="query"),
    Attack("query a list", b'{"query":["{ me { id } }"]}', "400", text="query"),
    Attack("no query", b'{"variables":{}}', "400", text="query"),
    Attack("operationName a number", b'{' + ME.encode() + b',"operationName":5}', "400"),
    Attack("operationName a list", b'{' + ME.encode() + b',"operationName":["x"]}', "400"),
    Attack("extensions a list", b'{' + ME.encode() + b',"extensions":[1]}', "400", text="extensions"),
]


async def test_a_body_that_is_not_a_graphql_request_is_a_400(send: Any, db: Database) -> None:
    await run(send, db, ENVELOPES)


# --- Numbers -----------------------------------------------------------------------------------

HUGE = 2**70


async def test_a_huge_integer_is_a_clear_error(send: Any, db: Database) -> None:
    text = "32-bit"
    await run(send, db, [
        Attack("first of cases", as_json("query($n: Int) { cases(first: $n) { totalCount } }", {"n": HUGE}),
               "bad_input", text=text),
        Attack("first of volunteerActivity", as_json("query($n: Int!) { volunteerActivity(first: $n) "
                                                   "{ volunteerCount } }", {"n": HUGE}), "bad_input", text=text),
        Attack("a negative huge first", as_json("query($n: Int) { referrals(first: $n) { totalCount } }",
                                              {"n": -HUGE}), "bad_input", text=text),
        Attack("a satisfaction score", as_json("mutation($n: Int!) { recordSatisfaction(caseId: \"" + NIL
                                             + "\", score: $n) { __typename } }", {"n": HUGE}),
               "bad_input", "vol.naimueang", text),
        Attack("an expected version", as_json("mutation($v: Int) { closeCase(caseId: \"" + NIL
                                            + "\", expectedVersion: $v) { __typename } }", {"v": HUGE}),
               "bad_input", text=text),
        Attack("a huge float for first", as_json("query($n: Int) { cases(first: $n) { totalCount } }",
                                                  {"n": 1e300}), "bad_input", text=text),
        Attack("first in the document", as_json("{ cases(first: %d) { totalCount } }" % HUGE), "graphql_error",
               text=text),
        Attack("first as 100.5", as_json("query($n: Int) { cases(first: $n) { totalCount } }", {"n": 100.5}),
               "bad_input", text="non-integer"),
        Attack("a page too large as a float", as_json("query($n: Int) { cases(first: $n) { totalCount } }",
                                                    {"n": 1000.0}), "bad_input", text="first"),
    ])
