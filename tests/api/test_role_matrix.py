"""The role × operation matrix, generated from the schema (issue 6, "Trust").

Every query and mutation of `api.schema.build_schema()` is called by every role — nobody
signed in and one demo user per role — with well-formed arguments made from the introspected
argument types. Operations that act on something are called three times: on an object in
scope (a case filed in Nong Khai, 430101, routed to DLPW-43), on one out of scope (a case
filed in Bangkok, 100101, routed to DLPW-10) and on one that does not exist (a random id, a
province with no cases, a national ID nobody has).

MATRIX below says which roles may do what on an object in scope. It asserts:

- a role not listed is refused: a top-level FORBIDDEN/UNAUTHENTICATED error, a null or empty
  result, or a NotFoundError member of the result union — and a refused mutation writes no
  case, referral or history row;
- a role listed reaches the object in scope: no error, a result, not NotFoundError, and not
  what the non-existent object gives;
- out of scope is indistinguishable from missing, for every role but ADMIN: the same response,
  once ids and times are blanked;
- an operation the matrix does not list is refused for every role: a new one fails here until
  someone says who may use it.

Well-formed, not legal in every state: an allowed mutation may answer IllegalTransitionError
(the object was reached, access let it through); test_access.py drives each one to success.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from graphql import (GraphQLEnumType, GraphQLField, GraphQLInputObjectType, GraphQLInterfaceType,
                     GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType,
                     GraphQLUnionType, Undefined, get_named_type, is_leaf_type)

from api.schema import build_schema
from domain.db import Database
from domain.demo import DEMO_PASSWORD
from tests import outreach_factories
from tests.api.access_helpers import Tokens, row_counts
from tests.factories import NATIONAL_ID, case_input, file_case
from tests.helpers import gql

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, "VOLUNTEER", "MENTOR", "COORDINATOR", "OFFICER", "SUPERVISOR", "ADMIN")
# The demo user playing each role (domain/demo.py): all of Nong Khai (province 43).
USER_OF = {"VOLUNTEER": "vol.naimueang", "MENTOR": "mentor.nongkhai",
           "COORDINATOR": "ops.nongkhai", "OFFICER": "dlpw.nongkhai",
           "SUPERVISOR": "sup.nongkhai", "ADMIN": "admin"}
SIGNED_IN = frozenset(USER_OF)
NOBODY: frozenset[str] = frozenset()


def only(*roles: str) -> frozenset[str]:
    assert set(roles) <= set(ROLES), roles
    return frozenset(roles)


@dataclass(frozen=True)
class Rule:
    """Who may use one operation on an object in scope, and which argument is the scope."""

    allowed: frozenset[str]
    scope: str | None = None  # a key of SCOPES; None: the operation acts on nothing scoped
    args: Mapping[str, Any] = field(default_factory=dict)  # fixed argument values
    why: str = ""


# --- The matrix: every query and mutation, who may use it --------------------------------------

MATRIX: dict[str, Rule] = {
    # queries
    "me": Rule(SIGNED_IN),
    "case": Rule(SIGNED_IN, "case", why="the filer, the mentor, the province, the office"),
    "cases": Rule(SIGNED_IN, "case_filter"),
    "referral": Rule(SIGNED_IN, "referral"),
    "referrals": Rule(SIGNED_IN, "referral_filter"),
    "categories": Rule(SIGNED_IN),
    "agencies": Rule(SIGNED_IN),
    "orgUnits": Rule(SIGNED_IN, why="reference data: every office of the country"),
    "areas": Rule(SIGNED_IN, why="reference data"),
    "caseStats": Rule(only("COORDINATOR", "SUPERVISOR", "ADMIN"), "case_filter",
                      args={"groupBy": []}),
    "volunteerActivity": Rule(only("MENTOR", "COORDINATOR", "SUPERVISOR", "ADMIN"),
                              "area_filter"),
    "networkCoverage": Rule(only("COORDINATOR", "SUPERVISOR", "ADMIN"), "province"),
    "routingAccuracy": Rule(only("COORDINATOR", "SUPERVISOR", "ADMIN"), "case_filter"),
    "statsExport": Rule(only("MENTOR", "COORDINATOR", "SUPERVISOR", "ADMIN"), "export",
                        why="your own exports (an admin's: all)"),
    "notifications": Rule(SIGNED_IN, why="your own inbox"),
    "colleagues": Rule(SIGNED_IN, why="your own office's people; nobody when you work in no office"),
    "pendingExtensions": Rule(SIGNED_IN, why="empty unless you approve extensions (sup.national)"),
    "calendarChanges": Rule(SIGNED_IN),
    "holidays": Rule(SIGNED_IN),
    "accessLog": Rule(only("ADMIN"), "access_filter"),
    # issue 13: administration
    "adminAuditLog": Rule(only("ADMIN")),
    # issue 13: reference data
    "routingRules": Rule(only("ADMIN")),
    "routingPreview": Rule(only("ADMIN"), args={"categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101"}),
    "createCategory": Rule(only("ADMIN"), why="the sample input is refused (a bad code)"),
    "updateCategory": Rule(only("ADMIN"), why="an unknown code: refused, nothing changed"),
    "deleteCategory": Rule(only("ADMIN"), args={"code": "UNPAID_WAGES"},
                           why="in use: refused, only deactivated"),
    "addRoutingRule": Rule(only("ADMIN"), why="the sample input is refused (unknown problem type)"),
    "removeRoutingRule": Rule(only("ADMIN"), args={"id": "999999"}, why="no such rule: refused"),
    "addOrgUnit": Rule(only("ADMIN"), why="the sample input is refused"),
    "renameOrgUnit": Rule(only("ADMIN"), why="an unknown office: refused"),
    # issue 13: people (coordinators: their province's volunteers and mentors)
    "users": Rule(only("COORDINATOR", "ADMIN")),
    "person": Rule(only("COORDINATOR", "ADMIN"), "person"),
    "createUser": Rule(only("COORDINATOR", "ADMIN")),
    "updateUser": Rule(only("COORDINATOR", "ADMIN"), "person"),
    "deactivateUser": Rule(only("COORDINATOR", "ADMIN"), "person"),
    "reactivateUser": Rule(only("COORDINATOR", "ADMIN"), "person"),
    "moveUser": Rule(only("COORDINATOR", "ADMIN"), "person", args={"areaCode": "430102"}),
    "issueResetCode": Rule(only("COORDINATOR", "ADMIN"), "person"),
    "changePassword": Rule(SIGNED_IN, why="one's own; this sample is too short and is refused as such"),
    "casesOfCitizen": Rule(only("COORDINATOR", "OFFICER", "ADMIN"), "citizen",
                           why="a lookup by national ID: only the cases you may see"),
    # mutations
    "login": Rule(frozenset(ROLES), args={"username": "admin", "password": DEMO_PASSWORD}),
    "openCase": Rule(only("VOLUNTEER"), args={"input": case_input()},
                     why="a volunteer files in their own sub-district"),
    "routeCase": Rule(only("COORDINATOR"), "case", args={"orgUnitCodes": ["SSO-43"]}),
    "rejectCase": Rule(only("COORDINATOR"), "case"),
    "closeCase": Rule(only("VOLUNTEER", "COORDINATOR"), "case"),
    "reopenCase": Rule(only("VOLUNTEER", "COORDINATOR"), "case"),
    "recordSatisfaction": Rule(only("VOLUNTEER"), "case", args={"score": 5}),
    "addNote": Rule(only("VOLUNTEER", "OFFICER", "COORDINATOR"), "case"),
    # a referral's own office works it; the province's coordinator may also redirect it
    "acceptReferral": Rule(only("OFFICER"), "referral"),
    "assignReferral": Rule(only("OFFICER"), "referral", why="to oneself: no assigneeUsername"),
    "holdReferral": Rule(only("OFFICER"), "referral"),
    "resumeReferral": Rule(only("OFFICER"), "referral"),
    "completeReferral": Rule(only("OFFICER"), "referral"),
    "rejectReferral": Rule(only("OFFICER"), "referral"),
    "redirectReferral": Rule(only("OFFICER", "COORDINATOR"), "referral",
                             args={"orgUnitCode": "DOE-43"}),
    # a mentor may export volunteer activity only: the case list is refused
    "exportCsv": Rule(only("COORDINATOR", "SUPERVISOR", "ADMIN"), "export_input"),
    "markNotificationsRead": Rule(SIGNED_IN, why="marks only your own"),
    "addHoliday": Rule(only("ADMIN"), args={"day": "2099-12-01"}),
    "removeHoliday": Rule(only("ADMIN"), args={"day": "2099-12-01"}),
    "requestExtension": Rule(only("OFFICER"), "referral", args={"days": 10}),
    "decideExtension": Rule(NOBODY, "referral",
                            why="approvers only (sup.national), none of the users tried here"),
    # personal data (issue 6): entitled users reveal; PDPA requests are the admin's
    "revealCitizenIdentity": Rule(only("VOLUNTEER", "OFFICER", "ADMIN"), "case",
                                  why="the filing volunteer, the referral's office, admins"),
    "exportCitizenData": Rule(only("ADMIN"), "citizen"),
    "anonymiseCitizen": Rule(only("ADMIN"), "citizen"),
    "setLegalHold": Rule(only("ADMIN"), "case", args={"hold": True}),
    # issue 16: outreach. The event in scope is an announced mobile unit in 430101 with
    # vol.naimueang (mentor.nongkhai's) assigned and DLPW-43 attending; out of scope, one in Bangkok.
    "outreachServices": Rule(SIGNED_IN, why="reference data: the national list and the province's own"),
    "areaNeeds": Rule(only("VOLUNTEER", "MENTOR", "COORDINATOR", "SUPERVISOR", "ADMIN"), "need_filter",
                      why="one's own, one's volunteers', the province's, in scope"),
    "areaNeedTable": Rule(only("COORDINATOR", "SUPERVISOR", "ADMIN"), "need_filter"),
    "outreachEvent": Rule(SIGNED_IN, "event", why="assigned, their mentor, the province, attending offices"),
    "outreachEvents": Rule(SIGNED_IN, "event_filter"),
    "outreachEventReport": Rule(SIGNED_IN, "event"),
    "outreachFigures": Rule(only("COORDINATOR", "SUPERVISOR", "ADMIN"), "outreach_province"),
    "volunteerParticipation": Rule(only("MENTOR", "COORDINATOR", "SUPERVISOR", "ADMIN"),
                                   "participation_filter", why="mentors: their own volunteers"),
    "recordAreaNeed": Rule(only("VOLUNTEER"), why="one's own area; the sample service is unknown"),
    "planEvent": Rule(only("COORDINATOR", "ADMIN"), why="the sample input is refused (unknown sub-district)"),
    "announceEvent": Rule(only("COORDINATOR", "ADMIN"), "event", why="already announced: refused as such"),
    "markEventHeld": Rule(only("COORDINATOR", "ADMIN"), "event", why="not started: refused as such"),
    "reportEvent": Rule(only("COORDINATOR", "ADMIN"), "event", why="not held: refused as such"),
    "cancelEvent": Rule(only("COORDINATOR", "ADMIN"), "event"),
    "updateEventChecklist": Rule(only("VOLUNTEER"), "event", why="assigned volunteers"),
    "recordServiceAttendance": Rule(only("VOLUNTEER", "OFFICER", "COORDINATOR"), "event",
                                    why="not open yet: refused as such"),
    "recordMeetingAttendance": Rule(only("VOLUNTEER", "COORDINATOR"), "event",
                                    why="a mobile unit, not open yet: refused as such"),
}

NOT_IN_MATRIX = ("is not in the role matrix: add it to the matrix (MATRIX in "
                 "tests/api/test_role_matrix.py) with the roles that may use it")


# --- Objects in scope, out of scope and missing ----------------------------------------------

IN, OUT, MISSING = "in", "out", "missing"
OTHER_NATIONAL_ID = "3101001234565"  # the Bangkok citizen (valid check digit)
NOBODYS_NATIONAL_ID = "1234567890121"  # valid check digit, no case has it
PROVINCE = {IN: "43", OUT: "10", MISSING: "96"}  # 96 Narathiwat: no cases, no users here


@dataclass
class Objects:
    case: dict[str, str]
    referral: dict[str, str]
    export: dict[str, str]
    event: dict[str, str] = field(default_factory=dict)


OUTREACH_SCOPES = {"event", "event_filter", "need_filter", "outreach_province", "participation_filter"}


async def _outreach(db: Database, objects: Objects) -> None:
    """An announced event and a need in Nong Khai, and the same in Bangkok."""
    now = datetime.now(UTC)
    mine = await outreach_factories.plan(db, now, announce=True)
    other = await outreach_factories.plan(db, now, coordinator="ops.bangkok", subdistrict="100101",
                                          announce=True, volunteers=())
    await outreach_factories.need(db, now)
    await outreach_factories.need(db, now, volunteer="vol.bangkok")
    objects.event = {IN: str(mine.id), OUT: str(other.id), MISSING: str(uuid.uuid4())}


async def make_objects(client: httpx.AsyncClient, tokens: Tokens, role: str,
                       rule: Rule) -> Objects:
    """A fresh case in Nong Khai and one in Bangkok (and exports, when the scope needs them)."""
    mine = await file_case(client, await tokens("vol.naimueang"), "UNPAID_WAGES", "430101")
    other = await file_case(client, await tokens("vol.bangkok"), "UNPAID_WAGES", "100101",
                            citizen={"fullName": "สมศรี มีสุข", "nationalId": OTHER_NATIONAL_ID,
                                     "phone": "089-765-4321", "consent": True})
    assert other["referrals"][0]["orgUnit"]["code"] == "DLPW-10", other
    missing = str(uuid.uuid4())
    objects = Objects(case={IN: mine["id"], OUT: other["id"], MISSING: missing},
                      referral={IN: mine["referrals"][0]["id"], OUT: other["referrals"][0]["id"],
                                MISSING: missing},
                      export={MISSING: missing})
    if rule.scope in OUTREACH_SCOPES:
        await _outreach(tokens.db, objects)
    if rule.scope == "export":
        # in scope: an export of the user's own (made by the admin for roles that may not
        # export); out of scope: one of another user
        maker = USER_OF.get(role, "admin") if role in rule.allowed else "admin"
        objects.export[IN] = await _export(client, await tokens(maker))
        objects.export[OUT] = await _export(client, await tokens("sup.national"))
    return objects


EXPORT = """mutation($input: ExportCsvInput!) { exportCsv(input: $input) {
  __typename ... on ExportCsvSuccess { export { id } } } }"""


async def _export(client: httpx.AsyncClient, token: str) -> str:
    body = await gql(client, EXPORT, {"input": {"kind": "VOLUNTEER_ACTIVITY"}}, token)
    assert "errors" not in body, body
    export_id: str = body["data"]["exportCsv"]["export"]["id"]
    return export_id


# How each kind of scope fills its argument, for the object in scope, out of it, or missing.
SCOPES: dict[str, tuple[tuple[str, ...], Callable[[Objects, str], Any]]] = {
    "case": (("caseId", "id"), lambda o, v: o.case[v]),
    "referral": (("referralId", "id"), lambda o, v: o.referral[v]),
    "export": (("id",), lambda o, v: o.export[v]),
    "citizen": (("nationalId",),
                lambda o, v: {IN: NATIONAL_ID, OUT: OTHER_NATIONAL_ID, MISSING: NOBODYS_NATIONAL_ID}[v]),
    "province": (("provinceCode",), lambda o, v: PROVINCE[v]),
    "case_filter": (("filter",), lambda o, v: {"provinceCode": PROVINCE[v]}),
    "referral_filter": (("filter",), lambda o, v: {"orgUnitCode": f"DLPW-{PROVINCE[v]}"}),
    "area_filter": (("filter",), lambda o, v: {"areaCode": PROVINCE[v]}),
    "access_filter": (("filter",), lambda o, v: {"caseId": o.case[v]}),
    "person": (("username",), lambda o, v: {IN: "vol.michai", OUT: "vol.bangkok", MISSING: "nobody.at.all"}[v]),
    "event": (("eventId", "id"), lambda o, v: o.event[v]),
    "event_filter": (("filter",), lambda o, v: {"areaCode": PROVINCE[v]}),
    "need_filter": (("filter",), lambda o, v: {"areaCode": PROVINCE[v]}),
    "participation_filter": (("filter",), lambda o, v: {"areaCode": PROVINCE[v]}),
    "outreach_province": (("provinceCode",), lambda o, v: PROVINCE[v]),
    "export_input": (("input",), lambda o, v: {"kind": "CASES",
                                               "filter": {"provinceCode": PROVINCE[v]}}),
}


# --- Documents generated from the schema -----------------------------------------------------

SOME_ID = "00000000-0000-4000-8000-000000000000"
THAI = "ผู้ขอรับบริการแจ้งว่านายจ้างยังไม่ติดต่อกลับ"
# A sample for each argument by name, then by type.
BY_NAME: dict[str, Any] = {
    "reason": THAI, "text": THAI, "note": THAI, "name": "วันหยุดพิเศษ", "score": 5, "days": 10,
    "year": 2026, "groupBy": [], "ids": [SOME_ID], "outcome": "RESOLVED", "approve": True,
    "orgUnitCodes": ["SSO-43"], "orgUnitCode": "DOE-43", "nationalId": NATIONAL_ID,
}
BY_SCALAR: dict[str, Any] = {
    "ID": SOME_ID, "UUID": SOME_ID, "String": "43", "Int": 1, "Float": 1.0, "Boolean": False,
    "DateTime": "2026-04-10T10:00:00+07:00", "Date": "2099-12-01", "Decimal": "1", "JSON": {},
}


def sample(type_: Any, name: str = "") -> Any:
    """A well-typed value for an argument or input field, so only access can refuse a call."""
    if name in BY_NAME:
        return BY_NAME[name]
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type, name)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {n: sample(f.type, n) for n, f in type_.fields.items() if _required(f)}
    assert isinstance(type_, GraphQLScalarType)
    assert type_.name in BY_SCALAR, f"add a sample value for the scalar {type_.name}"
    return BY_SCALAR[type_.name]


def _required(argument: Any) -> bool:
    return isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined


def selection(type_: Any, depth: int) -> str:
    """Leaves of the type and, `depth` levels down, of the objects under it."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLUnionType):
        members = " ".join(f"... on {m.name} {{ {selection(m, depth)} }}" for m in named.types)
        return f"__typename {members}"
    assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)), named
    parts = ["__typename"]
    for name, child in named.fields.items():
        if any(_required(a) for a in child.args.values()):
            continue
        if is_leaf_type(get_named_type(child.type)):
            parts.append(name)
        elif depth > 0:
            parts.append(f"{name} {{ {selection(child.type, depth - 1)} }}")
    return " ".join(parts)


def call(kind: str, name: str, definition: GraphQLField, rule: Rule, objects: Objects | None,
         variant: str) -> tuple[str, dict[str, Any]]:
    """One document calling the root field, and its variables."""
    scope_args: tuple[str, ...] = ()
    if rule.scope is not None:
        scope_args = tuple(a for a in SCOPES[rule.scope][0] if a in definition.args)[:1]
        assert scope_args, f"{name}: no argument {SCOPES[rule.scope][0]} to carry the scope"
    values: dict[str, Any] = {}
    for arg_name, argument in definition.args.items():
        if arg_name in scope_args:
            assert objects is not None
            values[arg_name] = SCOPES[rule.scope or ""][1](objects, variant)
        elif arg_name in rule.args:
            values[arg_name] = rule.args[arg_name]
        elif _required(argument):
            values[arg_name] = sample(argument.type, arg_name)
    signature = ", ".join(f"${a}: {definition.args[a].type}" for a in values)
    arguments = ", ".join(f"{a}: ${a}" for a in values)
    inner = selection(definition.type, 2)
    document = (f"{kind}{f'({signature})' if signature else ''} "
                f"{{ {name}{f'({arguments})' if arguments else ''}"
                f"{f' {{ {inner} }}' if inner else ''} }}")
    return document, values


# --- Reading the answers ---------------------------------------------------------------------

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
REFUSAL_CODES = {"FORBIDDEN", "UNAUTHENTICATED"}


def blanked(body: dict[str, Any]) -> str:
    """The response with ids and times blanked: what tells out of scope from missing."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return TIME_TEXT.sub("<time>", UUID_TEXT.sub("<id>", text))


def refused(body: dict[str, Any], name: str) -> bool:
    value = (body.get("data") or {}).get(name)
    errors = body.get("errors") or []
    if errors:
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        return codes <= REFUSAL_CODES and value is None
    if value is None or value == []:
        return True
    if isinstance(value, dict):
        return (value.get("__typename") == "NotFoundError" or value.get("totalCount") == 0
                or value.get("edges") == [])
    return False


def reached(body: dict[str, Any], name: str) -> bool:
    value = (body.get("data") or {}).get(name)
    return ("errors" not in body and value is not None
            and not (isinstance(value, dict) and value.get("__typename") == "NotFoundError"))


# --- The tests -------------------------------------------------------------------------------

def _operations() -> list[Any]:
    graphql_schema = build_schema()._schema
    rows = []
    for kind, root in (("query", graphql_schema.query_type),
                       ("mutation", graphql_schema.mutation_type)):
        assert root is not None
        for name, definition in root.fields.items():
            rows.append(pytest.param(kind, name, definition, id=f"{kind}-{name}"))
    return rows


OPERATIONS = _operations()


@pytest.mark.parametrize(("kind", "name", "definition"), OPERATIONS)
def test_every_operation_is_in_the_matrix(kind: str, name: str, definition: GraphQLField) -> None:
    assert name in MATRIX, f"{kind} {name} {NOT_IN_MATRIX}"


@pytest.mark.parametrize(("kind", "name", "definition"), OPERATIONS)
async def test_every_role_on_every_operation(client: httpx.AsyncClient, db: Database, kind: str,
                                             name: str, definition: GraphQLField) -> None:
    listed = name in MATRIX
    rule = MATRIX.get(name, Rule(NOBODY))
    tokens = Tokens(client, db)
    problems: list[str] = []
    objects: Objects | None = None
    changed = False
    for role in ROLES:
        # fresh objects for a role that may change them and after one did (refusals change
        # nothing: that is checked), and for each user's own exports
        may_change = kind == "mutation" and role in rule.allowed
        if rule.scope is not None and (objects is None or changed or may_change
                                       or rule.scope == "export"):
            objects = await make_objects(client, tokens, role, rule)
        changed = may_change
        token = None if role == ANONYMOUS else await tokens(USER_OF[role])
        variants = (IN, OUT, MISSING) if rule.scope is not None else (IN,)
        answers: dict[str, dict[str, Any]] = {}
        for variant in variants:
            document, variables = call(kind, name, definition, rule, objects, variant)
            before = await row_counts(db) if kind == "mutation" else None
            answers[variant] = body = await gql(client, document, variables, token)
            where = f"{kind} {name} as {role} ({variant})"
            if variant == MISSING and role in rule.allowed:
                continue  # the baseline out of scope is compared with, below
            if role in rule.allowed and (variant == IN or role == "ADMIN"):
                if not reached(body, name):
                    problems.append(f"{where}: allowed by the matrix but refused: {body}")
            elif role not in rule.allowed:
                if not refused(body, name):
                    hint = "" if listed else f" — it {NOT_IN_MATRIX}"
                    problems.append(f"{where}: must be refused{hint}: {body}")
                elif before is not None and await row_counts(db) != before:
                    problems.append(f"{where}: refused, but it wrote rows")
        if rule.scope is not None:
            in_, out, missing = (blanked(answers[v]) for v in (IN, OUT, MISSING))
            if role == "ADMIN" and role in rule.allowed:
                if in_ == missing or out == missing:
                    problems.append(f"{kind} {name} as ADMIN: an existing object answered like a "
                                    f"missing one: {answers}")
            elif out != missing:
                problems.append(f"{kind} {name} as {role}: out of scope is distinguishable from "
                                f"missing:\n  out:     {answers[OUT]}\n  missing: {answers[MISSING]}")
            if role in rule.allowed and role != "ADMIN" and in_ == missing:
                problems.append(f"{kind} {name} as {role}: the object in scope answered like a "
                                f"missing one: {answers[IN]}")
    assert not problems, "\n".join(problems)
