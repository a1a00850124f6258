"""Who may do what, and who may see what (SPEC.md section 2), over HTTP as the demo users.

Every mutation is tried by every role on a fresh object in a state where the action is
legal, so that a refusal can only come from access. A refusal is one of two shapes:

- a top-level error with `extensions.code` FORBIDDEN (the role, or the user's relation to
  the object, does not allow it) or UNAUTHENTICATED (nobody signed in);
- a `NotFoundError` member of the result union when the user cannot see the object at all
  (out of scope looks exactly like missing).

And after every refusal nothing changed: the entitled admin re-reads the case and its
referrals (status, version, history) and finds them as they were.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import Undefined

from api.app import create_app
from domain.db import Database
from domain.settings import Settings
from domain.users import repository as users
from domain.users.service import issue_token
from tests.api.access_helpers import (FILER, NATIONAL_ID_MASKED, NATIONAL_ID_WHOLE, Tokens,
                                      row_counts, snapshot)
from tests.factories import CITIZEN_NAME, NATIONAL_ID, act, file_case
from tests.helpers import gql, login

OK, FORBIDDEN, NOT_FOUND, UNAUTHENTICATED = "OK", "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"
ANONYMOUS = "anonymous"

# Every role of the demo organisation, plus users of another province (area 10, Bangkok)
# made by the test that needs them, plus nobody signed in.
USERS = (
    "vol.naimueang",  # VOLUNTEER 430101: files every case of these tests
    "vol.michai",  # VOLUNTEER 430102: another volunteer of the same mentor
    "mentor.nongkhai",  # MENTOR of both volunteers
    "ops.nongkhai",  # COORDINATOR of province 43 (OPS-43)
    "dlpw.nongkhai",  # OFFICER of DLPW-43
    "sso.nongkhai",  # OFFICER of SSO-43
    "doe.nongkhai",  # OFFICER of DOE-43
    "sup.nongkhai",  # SUPERVISOR of province 43
    "sup.national",  # SUPERVISOR of the whole country
    "admin",  # ADMIN
    "ops.bangkok",  # COORDINATOR of province 10
    "dlpw.bangkok",  # OFFICER of DLPW-10
    ANONYMOUS,
)

RESULT = "__typename ... on UserError { code message messageTh }"
REASON = "รอเอกสารจากนายจ้าง"


@dataclass(frozen=True)
class Target:
    case_id: str
    referral_id: str


@dataclass(frozen=True)
class Mutation:
    """One mutation as the table tries it: on which object, with what, and what success does."""

    field: str
    document: str
    state: str  # what the fresh object must be: see `prepare`
    variables: Callable[[Target], dict[str, Any]]
    # checks the admin's re-read after a success
    changed: Callable[[dict[str, Any], Target], None]


def _referral(case: dict[str, Any], referral_id: str) -> dict[str, Any]:
    return next(r for r in case["referrals"] if r["id"] == referral_id)


def _referral_status(status: str) -> Callable[[dict[str, Any], Target], None]:
    def check(case: dict[str, Any], target: Target) -> None:
        assert _referral(case, target.referral_id)["status"] == status, case

    return check


def _case_status(status: str) -> Callable[[dict[str, Any], Target], None]:
    def check(case: dict[str, Any], target: Target) -> None:
        assert case["status"] == status, case

    return check


def _satisfaction(case: dict[str, Any], target: Target) -> None:
    assert case["satisfaction"] == 5, case


def _assigned(case: dict[str, Any], target: Target) -> None:
    assert case["events"][-1]["type"] == "ASSIGNED", case


def _noted(case: dict[str, Any], target: Target) -> None:
    assert case["events"][-1]["type"] == "NOTE", case


def _routed_to_sso(case: dict[str, Any], target: Target) -> None:
    units = {r["orgUnit"]["code"] for r in case["referrals"] if r["current"]}
    assert units == {"DLPW-43", "SSO-43"}, case


def _opened(case: dict[str, Any], target: Target) -> None:  # checked by row counts instead
    pass


def _ref(target: Target, **more: Any) -> dict[str, Any]:
    return {"referralId": target.referral_id, **more}


def _case(target: Target, **more: Any) -> dict[str, Any]:
    return {"caseId": target.case_id, **more}


def _mutation(signature: str, call: str) -> str:
    return f"mutation{signature} {{ {call} {{ {RESULT} }} }}"


MUTATIONS: dict[str, Mutation] = {m.field + (":" + m.state if m.field == "addNote" else ""): m for m in (
    Mutation("openCase", _mutation("($input: OpenCaseInput!)", "openCase(input: $input)"), "none",
             lambda t: {"input": {
                 "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101",
                 "description": "นายจ้างค้างจ่ายค่าจ้าง 2 เดือน",
                 "citizen": {"fullName": CITIZEN_NAME, "nationalId": NATIONAL_ID, "consent": True},
                 "fileAnyway": True,
             }}, _opened),
    Mutation("routeCase", _mutation("($caseId: ID!)",
                                    'routeCase(caseId: $caseId, orgUnitCodes: ["SSO-43"])'),
             "pending", _case, _routed_to_sso),
    Mutation("rejectCase", _mutation("($caseId: ID!, $reason: String!)",
                                     "rejectCase(caseId: $caseId, reason: $reason)"),
             "new", lambda t: _case(t, reason="เรื่องซ้ำกับเรื่องเดิม"), _case_status("CLOSED")),
    Mutation("closeCase", _mutation("($caseId: ID!)", "closeCase(caseId: $caseId)"),
             "resolved", _case, _case_status("CLOSED")),
    Mutation("reopenCase", _mutation("($caseId: ID!, $reason: String!)",
                                     "reopenCase(caseId: $caseId, reason: $reason)"),
             "resolved", lambda t: _case(t, reason="นายจ้างยังไม่จ่ายตามที่ตกลง"),
             _case_status("ROUTED")),
    Mutation("recordSatisfaction", _mutation("($caseId: ID!)",
                                             "recordSatisfaction(caseId: $caseId, score: 5)"),
             "resolved", _case, _satisfaction),
    Mutation("addNote", _mutation("($caseId: ID!, $text: String!)",
                                  "addNote(caseId: $caseId, text: $text, internal: false)"),
             "pending", lambda t: _case(t, text="โทรแจ้งผู้ขอรับบริการแล้ว"), _noted),
    Mutation("addNote", _mutation("($caseId: ID!, $text: String!)",
                                  "addNote(caseId: $caseId, text: $text, internal: true)"),
             "pending-internal", lambda t: _case(t, text="บันทึกภายใน: นายจ้างมีประวัติค้างจ่าย"),
             _noted),
    Mutation("acceptReferral", _mutation("($referralId: ID!)", "acceptReferral(referralId: $referralId)"),
             "pending", _ref, _referral_status("ACCEPTED")),
    Mutation("assignReferral", _mutation("($referralId: ID!)", "assignReferral(referralId: $referralId)"),
             "pending", _ref, _assigned),
    Mutation("holdReferral", _mutation("($referralId: ID!, $reason: String!)",
                                       "holdReferral(referralId: $referralId, reason: $reason)"),
             "accepted", lambda t: _ref(t, reason=REASON), _referral_status("ON_HOLD")),
    Mutation("resumeReferral", _mutation("($referralId: ID!)", "resumeReferral(referralId: $referralId)"),
             "on_hold", _ref, _referral_status("ACCEPTED")),
    Mutation("completeReferral", _mutation(
        "($referralId: ID!)",
        'completeReferral(referralId: $referralId, outcome: RESOLVED, amountRecoveredThb: "18000")'),
        "accepted", _ref, _referral_status("COMPLETED")),
    Mutation("rejectReferral", _mutation("($referralId: ID!, $reason: String!)",
                                         "rejectReferral(referralId: $referralId, reason: $reason)"),
             "pending", lambda t: _ref(t, reason="ไม่อยู่ในอำนาจหน้าที่ของหน่วยงาน"),
             _referral_status("REJECTED")),
    Mutation("redirectReferral", _mutation(
        "($referralId: ID!, $unit: String!, $reason: String!)",
        "redirectReferral(referralId: $referralId, orgUnitCode: $unit, reason: $reason)"),
        "pending", lambda t: _ref(t, unit="DOE-43", reason="เป็นเรื่องการจัดหางาน"),
        _referral_status("REDIRECTED")),
)}

REFERRAL_MUTATIONS = ("acceptReferral", "assignReferral", "holdReferral", "resumeReferral",
                      "completeReferral", "rejectReferral", "redirectReferral")

# Who cannot see a case filed in 430101 whose only referral went to DLPW-43, and who
# could still get past the role check of a referral mutation (officers, coordinators).
UNSEEN_UNIT_STAFF_DLPW = {"sso.nongkhai": NOT_FOUND, "doe.nongkhai": NOT_FOUND,
                          "ops.bangkok": NOT_FOUND, "dlpw.bangkok": NOT_FOUND}

# (mutation, variant) -> what each user gets; everyone not listed: FORBIDDEN, and
# ANONYMOUS: UNAUTHENTICATED. The variant is the office the case was routed to:
# "dlpw" (UNPAID_WAGES -> DLPW-43), "ops" (OTHER -> OPS-43, the coordinator's own
# office), "two" (DLPW-43 and SSO-43; the mutation acts on the DLPW-43 referral).
EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("openCase", "dlpw"): {"vol.naimueang": OK, "vol.michai": OK},
    ("routeCase", "dlpw"): {"ops.nongkhai": OK, "ops.bangkok": NOT_FOUND},
    ("rejectCase", "dlpw"): {"ops.nongkhai": OK, "ops.bangkok": NOT_FOUND},
    ("closeCase", "dlpw"): {"vol.naimueang": OK, "ops.nongkhai": OK,
                            "vol.michai": NOT_FOUND, "ops.bangkok": NOT_FOUND},
    ("reopenCase", "dlpw"): {"vol.naimueang": OK, "ops.nongkhai": OK,
                             "vol.michai": NOT_FOUND, "ops.bangkok": NOT_FOUND},
    ("recordSatisfaction", "dlpw"): {"vol.naimueang": OK, "vol.michai": NOT_FOUND},
    ("addNote:pending", "dlpw"): {"vol.naimueang": OK, "ops.nongkhai": OK, "dlpw.nongkhai": OK,
                                  "vol.michai": NOT_FOUND, **UNSEEN_UNIT_STAFF_DLPW},
    # a volunteer's notes are always shared with the volunteer: refused, not downgraded
    ("addNote:pending-internal", "dlpw"): {"ops.nongkhai": OK, "dlpw.nongkhai": OK,
                                           "vol.michai": NOT_FOUND, **UNSEEN_UNIT_STAFF_DLPW},
    ("addNote:pending", "two"): {"sso.nongkhai": OK, "doe.nongkhai": NOT_FOUND},
    **{(m, "dlpw"): {"dlpw.nongkhai": OK, **UNSEEN_UNIT_STAFF_DLPW}
       for m in REFERRAL_MUTATIONS},
    # the province's coordinator may also redirect any referral of the province
    ("redirectReferral", "dlpw"): {"dlpw.nongkhai": OK, "ops.nongkhai": OK,
                                   **UNSEEN_UNIT_STAFF_DLPW},
    # OPS-43 is the coordinator's office: the coordinator works its referrals
    # (only officers and coordinators: everyone else is refused by role, as for "dlpw")
    **{(m, "ops"): {"ops.nongkhai": OK, "dlpw.nongkhai": NOT_FOUND, "sso.nongkhai": NOT_FOUND,
                    "doe.nongkhai": NOT_FOUND, "ops.bangkok": NOT_FOUND,
                    "dlpw.bangkok": NOT_FOUND}
       for m in REFERRAL_MUTATIONS},
    # SSO-43 sees the case through its own referral, but the DLPW-43 one is not its to work
    **{(m, "two"): {"dlpw.nongkhai": OK, "sso.nongkhai": FORBIDDEN} for m in REFERRAL_MUTATIONS},
}

PARTIAL_VARIANTS = {"ops", "two"}  # only the users listed are tried: the others add nothing


def _matrix() -> list[Any]:
    rows = []
    for (key, variant), special in EXPECTED.items():
        users_tried = special if variant in PARTIAL_VARIANTS else USERS
        for user in users_tried:
            expected = UNAUTHENTICATED if user == ANONYMOUS else special.get(user, FORBIDDEN)
            rows.append(pytest.param(key, variant, user, expected,
                                     id=f"{key}-{variant}-{user}-{expected}"))
    return rows


UNIT_WORKER = {"dlpw": "dlpw.nongkhai", "two": "dlpw.nongkhai", "ops": "ops.nongkhai"}
CATEGORY = {"dlpw": "UNPAID_WAGES", "two": "UNPAID_WAGES", "ops": "OTHER"}
FIRST_UNIT = {"dlpw": "DLPW-43", "two": "DLPW-43", "ops": "OPS-43"}

ACCEPT = "mutation($r: ID!) { acceptReferral(referralId: $r) { __typename } }"
HOLD = "mutation($r: ID!) { holdReferral(referralId: $r, reason: \"รอเอกสาร\") { __typename } }"
COMPLETE = ("mutation($r: ID!) { completeReferral(referralId: $r, outcome: RESOLVED) "
            "{ __typename } }")
REJECT = ("mutation($r: ID!) { rejectReferral(referralId: $r, reason: \"ไม่ใช่อำนาจหน้าที่\") "
          "{ __typename } }")
ROUTE = ("mutation($c: ID!, $u: [String!]!) { routeCase(caseId: $c, orgUnitCodes: $u) "
         "{ __typename } }")


async def prepare(client: httpx.AsyncClient, tokens: Tokens, variant: str, state: str) -> Target:
    """A fresh case filed by vol.naimueang, with its first referral in the given state."""
    if state == "none":
        return Target(case_id="", referral_id="")
    case = await file_case(client, await tokens(FILER), CATEGORY[variant])
    (referral,) = case["referrals"]
    assert referral["orgUnit"]["code"] == FIRST_UNIT[variant], case
    target = Target(case_id=case["id"], referral_id=referral["id"])
    if variant == "two":
        await act(client, await tokens("ops.nongkhai"), ROUTE, {"c": target.case_id, "u": ["SSO-43"]})
    worker = await tokens(UNIT_WORKER[variant])
    if state in ("accepted", "on_hold", "resolved"):
        await act(client, worker, ACCEPT, {"r": target.referral_id})
    if state == "on_hold":
        await act(client, worker, HOLD, {"r": target.referral_id})
    if state == "resolved":
        assert variant == "dlpw"
        await act(client, worker, COMPLETE, {"r": target.referral_id})
    if state == "new":  # every referral declined: back to triage at the labour office
        await act(client, worker, REJECT, {"r": target.referral_id})
    return target


@pytest.fixture
def tokens(client: httpx.AsyncClient, db: Database) -> Tokens:
    return Tokens(client, db)


@pytest.mark.parametrize(("key", "variant", "user", "expected"), _matrix())
async def test_every_role_and_every_mutation(client: httpx.AsyncClient, db: Database,
                                             tokens: Tokens, key: str, variant: str, user: str,
                                             expected: str) -> None:
    mutation = MUTATIONS[key]
    state = mutation.state.removesuffix("-internal")
    target = await prepare(client, tokens, variant, state)
    admin = await tokens("admin")
    before = await snapshot(client, admin, target.case_id) if target.case_id else None
    counts_before = await row_counts(db)
    token = None if user == ANONYMOUS else await tokens(user)

    body = await gql(client, mutation.document, mutation.variables(target), token)

    after = await snapshot(client, admin, target.case_id) if target.case_id else None
    if expected == OK:
        assert "errors" not in body, body
        result = body["data"][mutation.field]
        assert result["__typename"].endswith("Success"), result
        if after is not None:
            assert before is not None and len(after["events"]) > len(before["events"]), after
            mutation.changed(after, target)
        else:
            assert (await row_counts(db))[0] == counts_before[0] + 1
        return
    if expected == NOT_FOUND:
        assert "errors" not in body, body
        result = body["data"][mutation.field]
        assert result["__typename"] == "NotFoundError", result
        assert result["code"] == NOT_FOUND
        assert result["messageTh"]
    else:
        assert body.get("data") is None, body
        (error,) = body["errors"]
        assert error["path"] == [mutation.field], error
        assert (error.get("extensions") or {}).get("code") == expected, (
            f"a refusal must carry extensions.code {expected}: {error}")
    assert after == before, "a refused mutation changed the case"
    assert await row_counts(db) == counts_before, "a refused mutation wrote rows"


def test_the_table_covers_every_case_and_referral_mutation() -> None:
    from api.cases.mutations import CaseMutations

    definition = CaseMutations.__strawberry_definition__  # type: ignore[attr-defined]
    names = {field.python_name for field in definition.fields}
    camel = {n.split("_")[0] + "".join(w.title() for w in n.split("_")[1:]) for n in names}
    assert camel == {m.field for m in MUTATIONS.values()}
    for key in MUTATIONS:
        assert (key, "dlpw") in EXPECTED, key


# --- Nobody signed in: every query and mutation but `login` ----------------------------------

SOME_ID = "00000000-0000-4000-8000-000000000000"
SCALAR_SAMPLES: dict[str, Any] = {
    "ID": SOME_ID, "UUID": SOME_ID, "String": "43", "Int": 1, "Float": 1.0, "Boolean": False,
    "DateTime": "2026-04-10T10:00:00+07:00", "Date": "2026-04-10", "Decimal": "1",
    "JSON": {},
}


def _sample(type_: Any) -> Any:
    """A well-typed value for a required argument, so that only access can refuse the call."""
    from graphql import (GraphQLEnumType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull,
                         GraphQLScalarType)

    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {name: _sample(f.type) for name, f in type_.fields.items()
                if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined}
    assert isinstance(type_, GraphQLScalarType)
    assert type_.name in SCALAR_SAMPLES, f"add a sample value for the scalar {type_.name}"
    return SCALAR_SAMPLES[type_.name]


def _call(operation: str, name: str, field: Any) -> tuple[str, dict[str, Any]]:
    """A document calling one root field with its required arguments as variables."""
    from graphql import get_named_type, is_leaf_type

    required = {arg_name: arg for arg_name, arg in field.args.items()
                if "!" in str(arg.type) and arg.default_value is Undefined}
    signature = ", ".join(f"${a}: {arg.type}" for a, arg in required.items())
    arguments = ", ".join(f"{a}: ${a}" for a in required)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    document = (f"{operation}{f'({signature})' if signature else ''} "
                f"{{ {name}{f'({arguments})' if arguments else ''}{selection} }}")
    return document, {a: _sample(arg.type) for a, arg in required.items()}


def _root_fields() -> list[Any]:
    from api.schema import schema

    graphql_schema = schema._schema
    rows = []
    for operation, root in (("query", graphql_schema.query_type),
                            ("mutation", graphql_schema.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            if name != "login":
                rows.append(pytest.param(operation, name, field, id=f"{operation}-{name}"))
    return rows


def _bad_tokens() -> list[Any]:
    return [
        pytest.param(None, id="no-header"),
        pytest.param("Bearer", id="empty-bearer"),
        pytest.param("Bearer not-a-token", id="garbage"),
        pytest.param("Basic YWRtaW46a2hvcnRvci1kZW1v", id="basic-auth"),
        pytest.param("expired", id="expired-token"),
        pytest.param("foreign", id="token-signed-with-another-key"),
        pytest.param("unknown-user", id="token-of-nobody"),
    ]


async def _authorization(kind: str | None, db: Database, settings: Settings) -> dict[str, str]:
    if kind is None:
        return {}
    if kind not in ("expired", "foreign", "unknown-user"):
        return {"Authorization": kind}
    async with db.read_sessions() as session:
        admin = await users.by_username(session, "admin")
    assert admin is not None
    now = datetime.now(UTC)
    if kind == "expired":
        token = issue_token(admin, settings.secret_key, now - timedelta(days=2), 3600)
    elif kind == "foreign":
        token = issue_token(admin, "another-secret-that-is-long-enough-for-hs256", now, 3600)
    else:
        admin.id = uuid.uuid4()
        token = issue_token(admin, settings.secret_key, now, 3600)
    return {"Authorization": f"Bearer {token}"}


def _some_root_fields_with_bad_tokens() -> list[Any]:
    fields = {p.values[1]: p for p in _root_fields()}
    return [pytest.param(*fields[name].values, auth.values[0], id=f"{fields[name].id}-{auth.id}")
            for name in ("me", "cases", "openCase") for auth in _bad_tokens()[1:]]


@pytest.mark.parametrize(("operation", "name", "field", "auth"),
                         [pytest.param(*p.values, None, id=p.id) for p in _root_fields()]
                         + _some_root_fields_with_bad_tokens())
async def test_nothing_but_login_works_without_signing_in(
    client: httpx.AsyncClient, db: Database, settings: Settings, operation: str, name: str,
    field: Any, auth: str | None,
) -> None:
    """Every root field with no Authorization header; a few with every kind of bad token."""
    document, variables = _call(operation, name, field)
    counts = await row_counts(db)
    headers = await _authorization(auth, db, settings)
    response = await client.post("/graphql", json={"query": document, "variables": variables},
                                 headers=headers)
    body = response.json()
    assert (body.get("data") or {}).get(name) is None, body  # null, or no data at all
    (error,) = body["errors"]
    assert error["path"] == [name], error
    assert error["extensions"]["code"] == UNAUTHENTICATED, error
    assert await row_counts(db) == counts


async def test_login_needs_nobody_signed_in(client: httpx.AsyncClient) -> None:
    assert await login(client, "vol.naimueang")


# --- What each user sees ---------------------------------------------------------------------

VISIBLE_DLPW_CASE = {
    "vol.naimueang": True, "vol.michai": False, "mentor.nongkhai": True, "ops.nongkhai": True,
    "dlpw.nongkhai": True, "sso.nongkhai": False, "doe.nongkhai": False, "sup.nongkhai": True,
    "sup.national": True, "admin": True, "sup.bangkok": False, "ops.bangkok": False,
    "dlpw.bangkok": False,
}

CASE_AND_REFERRAL = """
query Look($case: ID!, $referral: ID!) {
  case(id: $case) { id citizen { nationalId } }
  referral(id: $referral) { id case { id } }
}
"""


@pytest.mark.parametrize(("user", "visible"), VISIBLE_DLPW_CASE.items())
async def test_a_case_out_of_scope_is_null_not_an_error(client: httpx.AsyncClient, db: Database,
                                                       user: str, visible: bool) -> None:
    tokens = Tokens(client, db)
    target = await prepare(client, tokens, "dlpw", "pending")
    body = await gql(client, CASE_AND_REFERRAL,
                     {"case": target.case_id, "referral": target.referral_id}, await tokens(user))
    assert "errors" not in body, body
    if visible:
        assert body["data"]["case"]["id"] == target.case_id
        assert body["data"]["referral"]["id"] == target.referral_id
    else:
        assert body["data"] == {"case": None, "referral": None}


@pytest.mark.parametrize("wrong_id", [SOME_ID, "not-a-uuid", ""])
async def test_a_missing_case_looks_like_an_unseen_one(client: httpx.AsyncClient, db: Database,
                                                       wrong_id: str) -> None:
    tokens = Tokens(client, db)
    body = await gql(client, CASE_AND_REFERRAL, {"case": wrong_id, "referral": wrong_id},
                     await tokens("admin"))
    assert body == {"data": {"case": None, "referral": None}}


# Cases: A B C by vol.naimueang (DLPW-43, SSO-43, OPS-43), D by vol.michai (DOE-43),
# E by a volunteer in Bangkok (DLPW-10).
TOTALS = {
    "vol.naimueang": "ABC", "vol.michai": "D", "mentor.nongkhai": "ABCD", "ops.nongkhai": "ABCD",
    "dlpw.nongkhai": "A", "sso.nongkhai": "B", "doe.nongkhai": "D", "sup.nongkhai": "ABCD",
    "sup.national": "ABCDE", "admin": "ABCDE", "sup.bangkok": "E", "ops.bangkok": "E",
    "dlpw.bangkok": "E",
}
CASES_PAGE = "{ cases(first: 100) { totalCount edges { node { id } } } }"


@pytest.mark.parametrize(("user", "expected"), TOTALS.items())
async def test_each_role_lists_exactly_its_cases(client: httpx.AsyncClient, db: Database,
                                                 user: str, expected: str) -> None:
    tokens = Tokens(client, db)
    filed = {
        "A": await file_case(client, await tokens("vol.naimueang"), "UNPAID_WAGES"),
        "B": await file_case(client, await tokens("vol.naimueang"), "WORK_INJURY"),
        "C": await file_case(client, await tokens("vol.naimueang"), "OTHER"),
        "D": await file_case(client, await tokens("vol.michai"), "JOB_SEEKING", "430102"),
        "E": await file_case(client, await tokens("vol.bangkok"), "UNPAID_WAGES", "100101"),
    }
    units = {k: c["referrals"][0]["orgUnit"]["code"] for k, c in filed.items()}
    assert units == {"A": "DLPW-43", "B": "SSO-43", "C": "OPS-43", "D": "DOE-43", "E": "DLPW-10"}
    body = await gql(client, CASES_PAGE, None, await tokens(user))
    assert "errors" not in body, body
    page = body["data"]["cases"]
    assert page["totalCount"] == len(expected)
    assert {e["node"]["id"] for e in page["edges"]} == {filed[k]["id"] for k in expected}


CITIZEN_VIEWS = """
query Citizen($case: ID!, $referral: ID!) {
  case(id: $case) { citizen { fullName nationalId phone masked mayReveal } }
  referral(id: $referral) { case { citizen { fullName nationalId phone masked mayReveal } } }
  cases(first: 100) { edges { node { id citizen { fullName nationalId phone masked mayReveal } } } }
}
"""

REVEAL = """
mutation Reveal($case: ID!, $reason: String!) {
  revealCitizenIdentity(caseId: $case, reason: $reason) {
    __typename
    ... on RevealCitizenIdentitySuccess { citizen { fullName nationalId phone masked } }
    ... on UserError { code }
  }
}
"""

WHOLE, MASKED = True, False
# (variant of the case, user) -> may see the citizen (name in reads, identity on reveal).
# Officers who can see a case always hold a referral of it, so "other officers" never see a
# case to be masked for.
CITIZEN_SHOWN = {
    ("dlpw", "vol.naimueang"): WHOLE,  # the filing volunteer
    ("dlpw", "dlpw.nongkhai"): WHOLE,  # an officer of the referral's office
    ("two", "sso.nongkhai"): WHOLE,  # an officer of the second referral's office
    ("dlpw", "admin"): WHOLE,
    ("ops", "ops.nongkhai"): WHOLE,  # staff of OPS-43, the referral's office
    ("dlpw", "ops.nongkhai"): MASKED,  # the coordinator, when OPS-43 holds no referral
    ("dlpw", "mentor.nongkhai"): MASKED,
    ("dlpw", "sup.nongkhai"): MASKED,
    ("dlpw", "sup.national"): MASKED,
}


@pytest.mark.parametrize(("variant", "user", "whole"),
                         [(v, u, w) for (v, u), w in CITIZEN_SHOWN.items()])
async def test_the_national_id_is_whole_only_when_revealed_by_those_who_serve_the_citizen(
    client: httpx.AsyncClient, db: Database, variant: str, user: str, whole: bool,
) -> None:
    tokens = Tokens(client, db)
    target = await prepare(client, tokens, variant, "pending")
    headers = {"Authorization": f"Bearer {await tokens(user)}"}
    response = await client.post(
        "/graphql", json={"query": CITIZEN_VIEWS,
                          "variables": {"case": target.case_id, "referral": target.referral_id}},
        headers=headers)
    body = response.json()
    assert "errors" not in body, body
    data = body["data"]
    (listed,) = [e["node"] for e in data["cases"]["edges"] if e["node"]["id"] == target.case_id]
    views = [data["case"]["citizen"], data["referral"]["case"]["citizen"], listed["citizen"]]
    for citizen in views:  # reads never show the national ID or phone whole
        assert citizen["nationalId"] == NATIONAL_ID_MASKED
        assert "2345" not in citizen["phone"]
        if whole:
            assert citizen == {"fullName": CITIZEN_NAME, "nationalId": NATIONAL_ID_MASKED,
                               "phone": citizen["phone"], "masked": False, "mayReveal": True}
        else:
            assert citizen["masked"] is True and citizen["mayReveal"] is False
            assert citizen["fullName"] != CITIZEN_NAME
    revealed = (await client.post("/graphql", json={
        "query": REVEAL, "variables": {"case": target.case_id, "reason": "โทรนัดหมายผู้ขอรับบริการ"}},
        headers=headers)).json()
    if whole:
        assert revealed["data"]["revealCitizenIdentity"] == {
            "__typename": "RevealCitizenIdentitySuccess",
            "citizen": {"fullName": CITIZEN_NAME, "nationalId": NATIONAL_ID_WHOLE,
                        "phone": "+66812345678", "masked": False}}
    else:
        assert revealed["data"] is None or revealed["data"]["revealCitizenIdentity"] is None
        assert revealed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    if not whole:
        text = response.text + json.dumps(revealed)
        for secret in (NATIONAL_ID, NATIONAL_ID_WHOLE, "00207", "812345678", CITIZEN_NAME):
            assert secret not in text


INTERNAL = "บันทึกภายใน: นายจ้างเคยถูกร้องเรียนมาก่อน"
SHARED = "แจ้งผู้ขอรับบริการให้นำสลิปเงินเดือนมาด้วย"
NOTE = ("mutation($c: ID!, $t: String!, $i: Boolean!) "
        "{ addNote(caseId: $c, text: $t, internal: $i) { __typename } }")
EVENTS = "query($c: ID!) { case(id: $c) { events { type note internal } } }"


@pytest.mark.parametrize(("user", "sees_internal"), [
    ("vol.naimueang", False), ("mentor.nongkhai", False), ("ops.nongkhai", True),
    ("dlpw.nongkhai", True), ("sup.nongkhai", True), ("sup.national", True), ("admin", True),
])
async def test_internal_notes_are_hidden_from_volunteers_and_mentors(
    client: httpx.AsyncClient, db: Database, user: str, sees_internal: bool,
) -> None:
    tokens = Tokens(client, db)
    target = await prepare(client, tokens, "dlpw", "pending")
    await act(client, await tokens("ops.nongkhai"), NOTE,
              {"c": target.case_id, "t": INTERNAL, "i": True})
    await act(client, await tokens("dlpw.nongkhai"), NOTE,
              {"c": target.case_id, "t": SHARED, "i": False})
    response = await client.post("/graphql", json={"query": EVENTS,
                                                   "variables": {"c": target.case_id}},
                                 headers={"Authorization": f"Bearer {await tokens(user)}"})
    body = response.json()
    assert "errors" not in body, body
    notes = [(e["note"], e["internal"]) for e in body["data"]["case"]["events"]
             if e["type"] == "NOTE"]
    if sees_internal:
        assert notes == [(INTERNAL, True), (SHARED, False)]
    else:
        assert notes == [(SHARED, False)]
        assert "บันทึกภายใน" not in response.text


# --- Refusals in production ---------------------------------------------------------------------

@asynccontextmanager
async def production_client(db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=db_url, env="production",
                        secret_key="production-secret-for-tests-0123456789abcdef")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


@pytest.mark.parametrize("user", ["mentor.nongkhai", "ops.nongkhai"],
                         ids=["refused-by-role", "refused-by-relation-to-the-referral"])
async def test_a_refusal_keeps_its_code_in_production(client: httpx.AsyncClient, db: Database,
                                                      db_url: str, user: str) -> None:
    target = await prepare(client, Tokens(client, db), "dlpw", "pending")
    async with production_client(db_url) as prod:
        body = await gql(prod, MUTATIONS["acceptReferral"].document, {"referralId": target.referral_id},
                         await login(prod, user))
    (error,) = body["errors"]
    assert (error.get("extensions") or {}).get("code") == FORBIDDEN, error
    assert error["message"] != "Unexpected error.", error
