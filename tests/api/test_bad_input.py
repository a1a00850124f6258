"""Bad input: each gets a clear error, and nothing is written.

The requests below would file a case (or change one) if they were well formed, so "nothing
written" means something: the case, referral and history rows are counted before and after.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from api.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from domain.db import Database
from tests.api.access_helpers import Tokens, row_counts, snapshot
from tests.api.test_access import prepare
from tests.factories import NATIONAL_ID, OPEN_CASE, PHONE, case_input, description
from tests.helpers import gql

THAI = re.compile(r"[\u0E00-\u0E7F]")


@pytest.fixture
def tokens(client: httpx.AsyncClient, db: Database) -> Tokens:
    return Tokens(client, db)


@pytest.fixture
async def volunteer(tokens: Tokens) -> str:
    return await tokens("vol.naimueang")


@asynccontextmanager
async def nothing_written(db: Database) -> AsyncIterator[None]:
    """Fails the test when the block wrote any case, referral or history row."""
    before = await row_counts(db)
    yield
    assert await row_counts(db) == before, "bad input wrote rows (cases, referrals, events)"


def _open_case_payload(**overrides: Any) -> dict[str, Any]:
    return {"query": OPEN_CASE, "variables": {"input": case_input(**overrides)}}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refused_request(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert '"data"' not in response.text or response.json().get("data") is None


# --- The HTTP envelope --------------------------------------------------------------------

async def test_a_well_formed_request_does_file_a_case(client: httpx.AsyncClient, db: Database,
                                                      volunteer: str) -> None:
    """The control for the tests below: the same request, well formed, writes a case."""
    before = await row_counts(db)
    response = await client.post("/graphql", json=_open_case_payload(), headers=_auth(volunteer))
    assert response.json()["data"]["openCase"]["__typename"] == "OpenCaseSuccess"
    assert (await row_counts(db))[0] == before[0] + 1


@pytest.mark.parametrize("body", [
    pytest.param(json.dumps(_open_case_payload())[:-1], id="truncated"),
    pytest.param(json.dumps(_open_case_payload()).replace('"query":', "'query':"), id="single-quotes"),
    pytest.param("", id="empty"),
    pytest.param("null", id="null"),
    pytest.param('"openCase"', id="a-string"),
    pytest.param("\xff\xfe{", id="not-utf8"),
])
async def test_malformed_json_is_a_400(client: httpx.AsyncClient, volunteer: str,
                                       db: Database, body: str) -> None:
    content = body.encode("latin-1") if body.startswith("\xff") else body.encode()
    async with nothing_written(db):
        try:
            response = await client.post("/graphql", content=content, headers={
                **_auth(volunteer), "Content-Type": "application/json"})
        except Exception as crash:  # the in-process transport re-raises what a server sends as 500
            pytest.fail(f"the app crashed (HTTP 500) on the body {content!r}: {crash!r}")
    _refused_request(response, 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml", "multipart/form-data; boundary=x"])
async def test_only_json_is_accepted(client: httpx.AsyncClient, volunteer: str,
                                     db: Database, content_type: str) -> None:
    async with nothing_written(db):
        response = await client.post("/graphql", content=json.dumps(_open_case_payload()).encode(),
                                     headers={**_auth(volunteer), "Content-Type": content_type})
    _refused_request(response, 400, 415)


async def test_a_query_over_get_is_refused(client: httpx.AsyncClient, volunteer: str) -> None:
    response = await client.get("/graphql", params={"query": "{ me { username } }"},
                                headers=_auth(volunteer))
    _refused_request(response, 400, 405)
    assert "vol.naimueang" not in response.text


async def test_a_mutation_over_get_is_refused(client: httpx.AsyncClient, volunteer: str,
                                              db: Database) -> None:
    payload = _open_case_payload()
    async with nothing_written(db):
        response = await client.get("/graphql", params={
            "query": payload["query"], "variables": json.dumps(payload["variables"])},
            headers=_auth(volunteer))
    _refused_request(response, 400, 405)


async def test_a_batch_is_refused(client: httpx.AsyncClient, volunteer: str,
                                  db: Database) -> None:
    async with nothing_written(db):
        response = await client.post("/graphql", json=[_open_case_payload(), _open_case_payload()],
                                     headers=_auth(volunteer))
    _refused_request(response, 400)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_1_mb_request_is_a_413(client: httpx.AsyncClient, volunteer: str,
                                       db: Database, chunked: bool) -> None:
    huge = (description("UNPAID_WAGES") + " ") * 4000  # ~1 MB of Thai in UTF-8
    body = json.dumps(_open_case_payload(description=huge), ensure_ascii=False).encode()
    assert len(body) >= 1_000_000
    headers = {**_auth(volunteer), "Content-Type": "application/json"}
    if chunked:
        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 64 * 1024):
                yield body[start:start + 64 * 1024]

        async with nothing_written(db):
            response = await client.post("/graphql", content=chunks(), headers=headers)
    else:
        async with nothing_written(db):
            response = await client.post("/graphql", content=body, headers=headers)
    _refused_request(response, 413)


# --- openCase: each field's error -----------------------------------------------------------

BAD_NATIONAL_ID = NATIONAL_ID[:-1] + "7"  # the check digit is 6
LONG_DESCRIPTION = (description("UNPAID_WAGES") * 100)[:6000]


def _citizen(**overrides: Any) -> dict[str, Any]:
    return {"citizen": {"fullName": "สมชาย ใจดี", "nationalId": NATIONAL_ID, "phone": PHONE,
                        "consent": True, **overrides}}


BAD_INPUTS = [
    pytest.param({"categoryCode": "UNPAID_WAGE"}, "UNKNOWN_CATEGORY", "categoryCode",
                 id="unknown-category"),
    pytest.param({"categoryCode": ""}, "UNKNOWN_CATEGORY", "categoryCode", id="empty-category"),
    pytest.param({"subdistrictCode": "439999"}, "UNKNOWN_SUBDISTRICT", "subdistrictCode",
                 id="unknown-subdistrict"),
    pytest.param({"subdistrictCode": "4301"}, "UNKNOWN_SUBDISTRICT", "subdistrictCode",
                 id="a-district-not-a-subdistrict"),
    pytest.param({"subdistrictCode": "' OR 1=1 --"}, "UNKNOWN_SUBDISTRICT", "subdistrictCode",
                 id="sql-in-subdistrict"),
    pytest.param(_citizen(nationalId=BAD_NATIONAL_ID), "INVALID_NATIONAL_ID",
                 "citizen.nationalId", id="national-id-bad-check-digit"),
    pytest.param(_citizen(nationalId=NATIONAL_ID[:12]), "INVALID_NATIONAL_ID",
                 "citizen.nationalId", id="national-id-12-digits"),
    pytest.param(_citizen(nationalId="๑๑๐๑๗๐๐๒๐๗๓๖๗"), "INVALID_NATIONAL_ID",
                 "citizen.nationalId", id="national-id-thai-digits-bad-check"),
    pytest.param(_citizen(phone="12345"), "INVALID_PHONE", "citizen.phone", id="phone-too-short"),
    pytest.param(_citizen(phone="+1 202 555 0143"), "INVALID_PHONE", "citizen.phone",
                 id="phone-not-thai"),
    pytest.param(_citizen(consent=False), "CONSENT_REQUIRED", "citizen.consent", id="no-consent"),
    pytest.param(_citizen(fullName="  "), "REQUIRED", "citizen.fullName", id="no-citizen-name"),
    pytest.param({"description": ""}, "REQUIRED", "description", id="empty-description"),
    pytest.param({"description": " \n\t\u3000 "}, "REQUIRED", "description",
                 id="whitespace-description"),
    pytest.param({"description": LONG_DESCRIPTION}, "TOO_LONG", "description",
                 id="6000-char-description"),
    pytest.param({"employer": {"name": "บริษัท ตัวอย่าง จำกัด", "juristicId": "0105551234568"}},
                 "INVALID_JURISTIC_ID", "employer.juristicId", id="juristic-id-bad-check-digit"),
    pytest.param({"employer": {"name": " "}}, "REQUIRED", "employer.name", id="no-employer-name"),
    pytest.param({"capturedAt": "2030-01-01T00:00:00+07:00"}, "INVALID_INPUT", "capturedAt",
                 id="captured-in-the-future"),
    pytest.param({"capturedAt": "2026-01-01T00:00:00"}, "INVALID_INPUT", "capturedAt",
                 id="captured-without-time-zone"),
]


@pytest.mark.parametrize(("overrides", "code", "field"), BAD_INPUTS)
async def test_open_case_refuses_bad_input_field_by_field(
    client: httpx.AsyncClient, volunteer: str, db: Database, overrides: dict[str, Any],
    code: str, field: str,
) -> None:
    async with nothing_written(db):
        response = await client.post("/graphql", json=_open_case_payload(**overrides),
                                     headers=_auth(volunteer))
    body = response.json()
    assert "errors" not in body, body
    error = body["data"]["openCase"]
    assert error["__typename"] == "ValidationError", error
    assert (error["code"], error["field"]) == (code, field), error
    assert error["message"].strip()
    assert THAI.search(error["messageTh"]), f"no Thai message: {error}"
    # personal data is never echoed in an error
    for value in (BAD_NATIONAL_ID, NATIONAL_ID[:12], "๑๑๐๑๗๐๐๒๐๗๓๖๗", "0105551234568", "12345"):
        if value in json.dumps(overrides, ensure_ascii=False):
            assert value not in response.text, f"the error repeats the input {value!r}"


async def test_a_nul_character_anywhere_in_the_request_is_refused(client: httpx.AsyncClient, db: Database,
                                                                   volunteer: str) -> None:
    """PostgreSQL cannot store U+0000 in text: the request is refused whole, on both databases."""
    before = await row_counts(db)
    response = await client.post("/graphql", json={"query": OPEN_CASE, "variables": {
        "input": case_input(description="ค่าจ้าง\x00ค้างจ่าย")}}, headers=_auth(volunteer))
    assert response.status_code == 400
    assert "NUL" in response.text
    assert await row_counts(db) == before


async def test_control_characters_are_not_a_server_error(client: httpx.AsyncClient, db: Database,
                                                         volunteer: str) -> None:
    """An escape character is either refused as a ValidationError (nothing written) or filed;
    never a crash, and the same on SQLite and PostgreSQL."""
    before = await row_counts(db)
    body = await gql(client, OPEN_CASE, {"input": case_input(description="ค่าจ้าง\x1bค้างจ่าย")}, volunteer)
    filed = (await row_counts(db))[0] - before[0]
    assert "errors" not in body, body
    result = body["data"]["openCase"]
    assert result["__typename"] in ("OpenCaseSuccess", "ValidationError"), result
    assert filed == (1 if result["__typename"] == "OpenCaseSuccess" else 0)
    if result["__typename"] == "ValidationError":
        assert THAI.search(result["messageTh"])


async def test_a_search_with_control_characters_is_not_a_server_error(
    client: httpx.AsyncClient, volunteer: str,
) -> None:
    body = await gql(client, '{ cases(filter: {text: "ค่าจ้าง\\u0000"}) { totalCount } }', None,
                     volunteer)
    assert "errors" not in body, body


COMPLETE = """
mutation($r: ID!, $a: Decimal) {
  completeReferral(referralId: $r, outcome: RESOLVED, amountRecoveredThb: $a) {
    __typename ... on UserError { code message messageTh } ... on ValidationError { field }
  }
}
"""


@pytest.mark.parametrize("amount", ["-1", "1e12", "1e10", "999999999999.99", "12.345", "0.001", "NaN", "sNaN",
                                    "Infinity", "-Infinity"])
async def test_a_bad_amount_recovered_changes_nothing(client: httpx.AsyncClient, db: Database,
                                                      tokens: Tokens, amount: str) -> None:
    target = await prepare(client, tokens, "dlpw", "accepted")
    admin = await tokens("admin")
    before = await snapshot(client, admin, target.case_id)
    body = await gql(client, COMPLETE, {"r": target.referral_id, "a": amount},
                     await tokens("dlpw.nongkhai"))
    assert await snapshot(client, admin, target.case_id) == before
    assert "errors" not in body, body
    error = body["data"]["completeReferral"]
    assert (error["__typename"], error["code"], error["field"]) == (
        "ValidationError", "INVALID_AMOUNT", "amountRecoveredThb"), error
    assert THAI.search(error["messageTh"])


CLAIMED = "query($id: ID!) { case(id: $id) { amountClaimedThb } }"


async def test_the_amount_claimed_is_kept_as_filed_and_a_bad_one_files_nothing(
        client: httpx.AsyncClient, db: Database, tokens: Tokens) -> None:
    volunteer = await tokens("vol.naimueang")
    body = await gql(client, OPEN_CASE, {"input": case_input(amountClaimedThb="18000.50")}, volunteer)
    case = body["data"]["openCase"]["case"]
    assert (await gql(client, CLAIMED, {"id": case["id"]}, volunteer))["data"]["case"] == {
        "amountClaimedThb": "18000.50"}
    counts = await row_counts(db)
    for amount in ("-1", "12.345", "1e10", "NaN"):
        body = await gql(client, OPEN_CASE, {"input": case_input(amountClaimedThb=amount)}, volunteer)
        error = body["data"]["openCase"]
        assert (error["__typename"], error["code"], error["field"]) == (
            "ValidationError", "INVALID_AMOUNT", "amountClaimedThb"), error
        assert THAI.search(error["messageTh"])
    assert await row_counts(db) == counts


# --- Query shape limits ------------------------------------------------------------------------

def _nested(depth_pairs: int) -> str:
    inner = "id"
    for _ in range(depth_pairs):
        inner = f"referrals {{ case {{ {inner} }} }}"
    return inner


def _refused_document(body: dict[str, Any]) -> None:
    assert body.get("errors"), body
    assert body.get("data") is None, body


async def test_a_query_within_the_depth_limit_runs(client: httpx.AsyncClient,
                                                   volunteer: str) -> None:
    # one case, so that the nested lists stay under the cost limit: this is about depth
    body = await gql(client, f"{{ cases(first: 1) {{ edges {{ node {{ {_nested(3)} }} }} }} }}",
                     None, volunteer)
    assert "errors" not in body, body


async def test_a_query_deeper_than_the_limit_is_refused(client: httpx.AsyncClient,
                                                        volunteer: str) -> None:
    document = f"{{ cases {{ edges {{ node {{ {_nested(MAX_DEPTH)} }} }} }} }}"
    body = await gql(client, document, None, volunteer, expect_status=200)
    _refused_document(body)
    assert "depth" in body["errors"][0]["message"].lower()


async def test_a_deep_mutation_files_nothing(client: httpx.AsyncClient, volunteer: str,
                                             db: Database) -> None:
    document = ("mutation($input: OpenCaseInput!) { openCase(input: $input) { "
                f"... on OpenCaseSuccess {{ case {{ {_nested(MAX_DEPTH)} }} }} }} }}")
    async with nothing_written(db):
        body = await gql(client, document, {"input": case_input()}, volunteer)
    _refused_document(body)


async def test_too_many_aliases_are_refused(client: httpx.AsyncClient, volunteer: str) -> None:
    document = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(MAX_ALIASES + 5)) + " }"
    body = await gql(client, document, None, volunteer)
    _refused_document(body)
    assert "alias" in body["errors"][0]["message"].lower()


async def test_an_aliased_mutation_files_nothing(client: httpx.AsyncClient, volunteer: str,
                                                 db: Database) -> None:
    calls = " ".join(f"c{i}: openCase(input: $input) {{ __typename }}"
                     for i in range(MAX_ALIASES + 5))
    async with nothing_written(db):
        body = await gql(client, f"mutation($input: OpenCaseInput!) {{ {calls} }}",
                         {"input": case_input()}, volunteer)
    _refused_document(body)


async def test_too_many_tokens_are_refused(client: httpx.AsyncClient, volunteer: str) -> None:
    document = "{ me { " + " ".join(["id"] * (MAX_TOKENS + 10)) + " } }"
    body = await gql(client, document, None, volunteer)
    _refused_document(body)


# --- Pagination arguments ----------------------------------------------------------------------

def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("field", ["cases", "referrals"])
@pytest.mark.parametrize("cursor", [
    pytest.param("not a cursor!", id="garbage"),
    pytest.param(_b64("t|yesterday|x"), id="bad-time"),
    pytest.param(_b64("t|2026-04-10T10:00:00|00000000-0000-4000-8000-000000000000"),
                 id="naive-time"),
    pytest.param(_b64("o|-1"), id="negative-offset"),
    pytest.param(_b64("x|1|2|3"), id="unknown-kind"),
    pytest.param(base64.b64encode(b"\xff\xfe").decode(), id="not-utf8"),
])
async def test_an_invalid_cursor_is_a_clear_error(client: httpx.AsyncClient, volunteer: str,
                                                  field: str, cursor: str) -> None:
    body = await gql(client, f"query($c: String) {{ {field}(after: $c) {{ totalCount }} }}",
                     {"c": cursor}, volunteer)
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "cursor" in error["message"].lower()


@pytest.mark.parametrize("field", ["cases", "referrals"])
@pytest.mark.parametrize("first", [1000, 101, 0, -1])
async def test_a_page_size_out_of_range_is_a_clear_error(client: httpx.AsyncClient,
                                                         volunteer: str, field: str,
                                                         first: int) -> None:
    body = await gql(client, f"query($n: Int) {{ {field}(first: $n) {{ totalCount }} }}",
                     {"n": first}, volunteer)
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "first" in error["message"]
