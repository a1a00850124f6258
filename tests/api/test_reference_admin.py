"""Reference data edited by an admin (issue 13, part 5) over HTTP, on both databases: problem
types and their SLA policies, routing rules with the preview, offices; every refusal names its
field in Thai and English and changes nothing; every change is in the admin audit log."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from domain.audit.models import AdminAuditEntry
from domain.cases.models import CaseEvent, EventType, Referral
from domain.categories.models import Category, RoutingRuleRow
from domain.db import Database
from tests.factories import CAL, bkk, file_case, file_case_directly
from tests.helpers import gql, login

CATEGORY = """mutation($code: String!, $input: CategoryInput!) { createCategory(code: $code, input: $input) {
  __typename ... on CategorySuccess { category { code nameTh acceptBusinessDays resolveBusinessDays legalClock
  active version } } ... on ValidationError { field code message messageTh } } }"""
UPDATE = """mutation($code: String!, $version: Int!, $input: CategoryInput!, $recompute: Boolean!) {
  updateCategory(code: $code, version: $version, input: $input, recomputeDeadlines: $recompute) {
  __typename ... on CategorySuccess { referralsMoved category { active version acceptBusinessDays } }
  ... on UserError { code message messageTh } ... on ValidationError { field } } }"""
DELETE = """mutation($code: String!) { deleteCategory(code: $code) { __typename
  ... on DeleteCategorySuccess { categoryCode } ... on ValidationError { field code message messageTh } } }"""
ADD_RULE = """mutation($input: RoutingRuleInput!) { addRoutingRule(input: $input) { __typename
  ... on RoutingRuleSuccess { rule { id areaPrefix orgUnitCode agencyCode orgUnit { code } area { nameTh } } }
  ... on ValidationError { field code message messageTh } } }"""
REMOVE_RULE = """mutation($id: ID!) { removeRoutingRule(id: $id) { __typename
  ... on RoutingRuleSuccess { rule { id removedAt } } ... on ValidationError { field code } } }"""
PREVIEW = """query($c: String!, $s: String!) { routingPreview(categoryCode: $c, subdistrictCode: $s) {
  __typename ... on RoutingPreview { orgUnitCode orgUnit { nameTh } rule { id areaPrefix } }
  ... on ValidationError { field code messageTh } } }"""
RULES = """query($c: String, $a: String, $removed: Boolean!) {
  routingRules(categoryCode: $c, areaPrefix: $a, includeRemoved: $removed) { id areaPrefix removedAt } }"""
ADD_UNIT = """mutation($input: OrgUnitInput!) { addOrgUnit(input: $input) { __typename
  ... on OrgUnitSuccess { orgUnit { code nameTh provinceCode agency { code } } }
  ... on ValidationError { field code message messageTh } } }"""
RENAME_UNIT = """mutation($code: String!, $th: String!, $en: String!) { renameOrgUnit(code: $code, nameTh: $th, nameEn: $en) {
  __typename ... on OrgUnitSuccess { orgUnit { nameTh } } ... on ValidationError { field code message messageTh } } }"""
AUDIT = """query($type: String) { adminAuditLog(filter: {targetType: $type}, first: 50) { entries {
  action targetType targetId changes { field before after } } } }"""

BRANCH = {"code": "DLPW-43-01", "agencyCode": "DLPW", "provinceCode": "43",
          "nameTh": "สำนักงานสวัสดิการและคุ้มครองแรงงานจังหวัดหนองคาย สาขาเมือง",
          "nameEn": "Nong Khai Labour Protection Office, Mueang branch"}


def fields(**change: Any) -> dict[str, Any]:
    value = {"nameTh": "งานแพลตฟอร์ม", "nameEn": "Platform work", "agencyCode": "DLPW",
             "priority": "NORMAL", "acceptBusinessDays": 2, "resolveBusinessDays": 30,
             "legalClock": False, "active": True}
    value.update(change)
    return value


async def _one(client: httpx.AsyncClient, doc: str, variables: dict[str, Any], token: str) -> Any:
    body = await gql(client, doc, variables, token)
    assert "errors" not in body, body
    (value,) = body["data"].values()
    return value


async def _count(db: Database, model: Any) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _audit(client: httpx.AsyncClient, token: str, target_type: str) -> list[dict[str, Any]]:
    body = await gql(client, AUDIT, {"type": target_type}, token)
    assert "errors" not in body, body
    return list(body["data"]["adminAuditLog"]["entries"])


def refusal(result: dict[str, Any], field: str, code: str) -> None:
    assert result["__typename"] == "ValidationError", result
    assert (result["field"], result["code"]) == (field, code), result
    assert result["message"] and result["messageTh"] and result["message"] != result["messageTh"]


async def test_a_new_case_follows_a_new_routing_rule_as_the_preview_said(client: httpx.AsyncClient,
                                                                         db: Database) -> None:
    admin = await login(client, "admin")
    before = await _one(client, PREVIEW, {"c": "UNPAID_WAGES", "s": "430101"}, admin)
    assert before["orgUnitCode"] == "DLPW-43" and before["rule"]["areaPrefix"] == ""
    unit = await _one(client, ADD_UNIT, {"input": BRANCH}, admin)
    assert unit["orgUnit"] == {"code": "DLPW-43-01", "nameTh": BRANCH["nameTh"], "provinceCode": "43",
                               "agency": {"code": "DLPW"}}
    added = await _one(client, ADD_RULE, {"input": {"categoryCode": "UNPAID_WAGES", "areaPrefix": "4301",
                                                    "orgUnitCode": "DLPW-43-01"}}, admin)
    rule = added["rule"]
    assert (rule["areaPrefix"], rule["orgUnitCode"], rule["agencyCode"]) == ("4301", "DLPW-43-01", "DLPW")
    assert rule["area"]["nameTh"] == "เมืองหนองคาย"
    preview = await _one(client, PREVIEW, {"c": "UNPAID_WAGES", "s": "430101"}, admin)
    assert preview["orgUnitCode"] == "DLPW-43-01" and preview["rule"]["id"] == rule["id"]
    assert preview["orgUnit"]["nameTh"] == BRANCH["nameTh"]
    elsewhere = await _one(client, PREVIEW, {"c": "UNPAID_WAGES", "s": "430201"}, admin)
    assert elsewhere["orgUnitCode"] == "DLPW-43"  # another district: the national default still

    volunteer = await login(client, "vol.naimueang")
    case = await file_case(client, volunteer, "UNPAID_WAGES", "430101")
    assert [r["orgUnit"]["code"] for r in case["referrals"]] == ["DLPW-43-01"]
    async with db.read_sessions() as session:
        routed = (await session.execute(select(Referral).where(Referral.case_id == uuid.UUID(case["id"])))).scalar_one()
    assert routed.routing_rule_id == int(rule["id"])

    listed = await _one(client, RULES, {"c": "UNPAID_WAGES", "a": "430101", "removed": False}, admin)
    assert [r["areaPrefix"] for r in listed] == ["4301", ""]  # most specific first
    removed = await _one(client, REMOVE_RULE, {"id": rule["id"]}, admin)
    assert removed["rule"]["removedAt"]
    again = await _one(client, REMOVE_RULE, {"id": rule["id"]}, admin)
    refusal_codes = (again["__typename"], again["field"], again["code"])
    assert refusal_codes == ("ValidationError", "id", "NOT_FOUND")
    back = await _one(client, PREVIEW, {"c": "UNPAID_WAGES", "s": "430101"}, admin)
    assert back["orgUnitCode"] == "DLPW-43"
    case = await file_case(client, volunteer, "UNPAID_WAGES", "430101")
    assert [r["orgUnit"]["code"] for r in case["referrals"]] == ["DLPW-43"]
    history = await _one(client, RULES, {"c": "UNPAID_WAGES", "a": "4301", "removed": True}, admin)
    assert any(r["id"] == rule["id"] and r["removedAt"] for r in history)  # kept, never deleted

    actions = [(e["action"], e["targetId"]) for e in await _audit(client, admin, "ROUTING_RULE")]
    assert actions == [("ROUTING_RULE_REMOVED", rule["id"]), ("ROUTING_RULE_ADDED", rule["id"])]
    entries = await _audit(client, admin, "ORG_UNIT")
    assert [e["action"] for e in entries] == ["ORG_UNIT_ADDED"] and entries[0]["targetId"] == "DLPW-43-01"


async def test_routing_rules_and_offices_refuse_bad_input_and_change_nothing(client: httpx.AsyncClient,
                                                                               db: Database) -> None:
    admin = await login(client, "admin")
    rules, audit = await _count(db, RoutingRuleRow), await _count(db, AdminAuditEntry)
    cases = [
        ({"categoryCode": "NO_SUCH", "areaPrefix": "43"}, "categoryCode", "UNKNOWN_CATEGORY"),
        ({"categoryCode": "UNPAID_WAGES", "areaPrefix": "4399"}, "areaPrefix", "UNKNOWN_AREA"),
        ({"categoryCode": "UNPAID_WAGES", "areaPrefix": "43x"}, "areaPrefix", "UNKNOWN_AREA"),
        ({"categoryCode": "UNPAID_WAGES", "areaPrefix": "43", "orgUnitCode": "DLPW-99"}, "orgUnitCode",
         "UNKNOWN_ORG_UNIT"),
        # an office of Bangkok (10) for an area of Nong Khai (43)
        ({"categoryCode": "UNPAID_WAGES", "areaPrefix": "4301", "orgUnitCode": "DLPW-10"}, "orgUnitCode",
         "OFFICE_OUTSIDE_AREA"),
        ({"categoryCode": "UNPAID_WAGES", "areaPrefix": "", "orgUnitCode": "DLPW-43"}, "orgUnitCode",
         "OFFICE_OUTSIDE_AREA"),
        ({"categoryCode": "UNPAID_WAGES", "areaPrefix": ""}, "areaPrefix", "DUPLICATE"),  # the seeded one
        ({"categoryCode": "UNPAID_WAGES", "areaPrefix": "43", "agencyCode": "XYZ"}, "agencyCode",
         "INVALID_INPUT"),
    ]
    for given, field, code in cases:
        refusal(await _one(client, ADD_RULE, {"input": given}, admin), field, code)
    for given, field, code in [
        ({**BRANCH, "provinceCode": "99", "code": "DLPW-99-01"}, "provinceCode", "UNKNOWN_AREA"),
        ({**BRANCH, "code": "SSO-43-01"}, "code", "INVALID_INPUT"),  # not of its agency
        ({**BRANCH, "code": "DLPW-43"}, "code", "DUPLICATE"),
        ({**BRANCH, "nameTh": "  "}, "nameTh", "REQUIRED"),
        ({**BRANCH, "agencyCode": "XYZ"}, "agencyCode", "INVALID_INPUT"),
    ]:
        refusal(await _one(client, ADD_UNIT, {"input": given}, admin), field, code)
    refusal(await _one(client, RENAME_UNIT, {"code": "NOPE-43", "th": "ก", "en": "A"}, admin), "code",
            "UNKNOWN_ORG_UNIT")
    preview = await _one(client, PREVIEW, {"c": "UNPAID_WAGES", "s": "4301"}, admin)
    assert (preview["__typename"], preview["field"], preview["code"]) == (
        "ValidationError", "subdistrictCode", "UNKNOWN_SUBDISTRICT")
    assert (await _count(db, RoutingRuleRow), await _count(db, AdminAuditEntry)) == (rules, audit)

    renamed = await _one(client, ADD_UNIT, {"input": {**BRANCH, "code": "SSO-10-03", "agencyCode": "SSO",
                                                      "provinceCode": "10"}}, admin)
    assert renamed["orgUnit"]["code"] == "SSO-10-03"  # a Bangkok area branch
    changed = await _one(client, RENAME_UNIT, {"code": "SSO-10-03", "th": "สำนักงานประกันสังคม "
                                               "กรุงเทพมหานครพื้นที่ 3", "en": "Bangkok Area 3"}, admin)
    assert changed["orgUnit"]["nameTh"].endswith("พื้นที่ 3")
    change = (await _audit(client, admin, "ORG_UNIT"))[0]
    assert change["action"] == "ORG_UNIT_CHANGED"
    assert {c["field"] for c in change["changes"]} == {"nameTh", "nameEn"}  # only what changed


async def test_a_non_admin_is_refused_and_nothing_changes(client: httpx.AsyncClient, db: Database) -> None:
    rules, categories = await _count(db, RoutingRuleRow), await _count(db, Category)
    for username in ("ops.nongkhai", "dlpw.nongkhai", "sup.national", "vol.naimueang"):
        token = await login(client, username)
        for doc, variables in [
            (ADD_RULE, {"input": {"categoryCode": "UNPAID_WAGES", "areaPrefix": "43"}}),
            (CATEGORY, {"code": "PLATFORM_WORK", "input": fields()}),
            (ADD_UNIT, {"input": BRANCH}),
            (PREVIEW, {"c": "UNPAID_WAGES", "s": "430101"}),
        ]:
            body = await gql(client, doc, variables, token)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (username, body)
    assert (await _count(db, RoutingRuleRow), await _count(db, Category)) == (rules, categories)


async def test_categories_are_created_edited_and_refused(client: httpx.AsyncClient, db: Database) -> None:
    admin = await login(client, "admin")
    made = await _one(client, CATEGORY, {"code": "platform_work", "input": fields(legalClock=True)}, admin)
    assert made["category"] == {"code": "PLATFORM_WORK", "nameTh": "งานแพลตฟอร์ม", "acceptBusinessDays": 2,
                                "resolveBusinessDays": 30, "legalClock": True, "active": True, "version": 1}
    categories = await _count(db, Category)
    for code, given, field, error in [
        ("PLATFORM_WORK", fields(), "code", "DUPLICATE"),
        ("UNPAID_WAGES", fields(), "code", "DUPLICATE"),
        ("x", fields(), "code", "INVALID_INPUT"),
        ("NEW_ONE", fields(acceptBusinessDays=-1), "acceptBusinessDays", "OUT_OF_RANGE"),
        ("NEW_ONE", fields(acceptBusinessDays=31), "acceptBusinessDays", "OUT_OF_RANGE"),
        ("NEW_ONE", fields(resolveBusinessDays=0), "resolveBusinessDays", "OUT_OF_RANGE"),
        ("NEW_ONE", fields(resolveBusinessDays=366), "resolveBusinessDays", "OUT_OF_RANGE"),
        ("NEW_ONE", fields(acceptBusinessDays=10, resolveBusinessDays=5), "acceptBusinessDays", "OUT_OF_RANGE"),
        ("NEW_ONE", fields(priority="SOON"), "priority", "INVALID_INPUT"),
        ("NEW_ONE", fields(agencyCode="XYZ"), "agencyCode", "INVALID_INPUT"),
        ("NEW_ONE", fields(nameEn=""), "nameEn", "REQUIRED"),
    ]:
        refusal(await _one(client, CATEGORY, {"code": code, "input": given}, admin), field, error)
    assert await _count(db, Category) == categories
    stale = await _one(client, UPDATE, {"code": "PLATFORM_WORK", "version": 7, "input": fields(),
                                        "recompute": False}, admin)
    assert stale["__typename"] == "StaleVersionError"
    unknown = await _one(client, UPDATE, {"code": "NO_SUCH", "version": 1, "input": fields(),
                                          "recompute": False}, admin)
    assert (unknown["field"], unknown["code"]) == ("code", "UNKNOWN_CATEGORY")
    refused = await _one(client, UPDATE, {"code": "PLATFORM_WORK", "version": 1,
                                          "input": fields(resolveBusinessDays=400), "recompute": True}, admin)
    assert (refused["field"], refused["code"]) == ("resolveBusinessDays", "OUT_OF_RANGE")
    listed = (await gql(client, "query { categories { code version } }", None, admin))["data"]["categories"]
    assert {"code": "PLATFORM_WORK", "version": 1} in listed  # nothing half-applied

    # no case used it: it may be deleted, with its policy
    deleted = await _one(client, DELETE, {"code": "PLATFORM_WORK"}, admin)
    assert deleted == {"__typename": "DeleteCategorySuccess", "categoryCode": "PLATFORM_WORK"}
    assert await _count(db, Category) == categories - 1
    actions = [e["action"] for e in await _audit(client, admin, "CATEGORY")]
    assert actions == ["CATEGORY_DELETED", "CATEGORY_CREATED"]


async def test_a_category_in_use_is_deactivated_never_deleted(client: httpx.AsyncClient, db: Database) -> None:
    admin = await login(client, "admin")
    await _one(client, CATEGORY, {"code": "PLATFORM_WORK", "input": fields()}, admin)
    volunteer = await login(client, "vol.naimueang")
    form = (await gql(client, "query { categories { code } }", None, volunteer))["data"]["categories"]
    assert {"code": "PLATFORM_WORK"} in form
    case = await file_case(client, volunteer, "PLATFORM_WORK", "430101")
    assert [r["orgUnit"]["code"] for r in case["referrals"]] == ["OPS-43"]  # no rule yet: triage
    refusal(await _one(client, DELETE, {"code": "PLATFORM_WORK"}, admin), "code", "CATEGORY_IN_USE")
    assert await _count(db, Category) >= 1
    off = await _one(client, UPDATE, {"code": "PLATFORM_WORK", "version": 1, "input": fields(active=False),
                                      "recompute": False}, admin)
    assert off["category"] == {"active": False, "version": 2, "acceptBusinessDays": 2}
    form = (await gql(client, "query { categories { code } }", None, volunteer))["data"]["categories"]
    assert {"code": "PLATFORM_WORK"} not in form
    every = (await gql(client, "query { categories(includeInactive: true) { code active } }", None,
                       admin))["data"]["categories"]
    assert {"code": "PLATFORM_WORK", "active": False} in every
    body = await gql(client, """mutation($input: OpenCaseInput!) { openCase(input: $input) { __typename
      ... on ValidationError { field code messageTh } } }""", {"input": {
        "categoryCode": "PLATFORM_WORK", "subdistrictCode": "430101", "description": "ไรเดอร์ถูกระงับบัญชี",
        "citizen": {"fullName": "สมชาย ใจดี", "consent": True}}}, volunteer)
    assert body["data"]["openCase"]["field"] == "categoryCode"
    assert "เลิกใช้" in body["data"]["openCase"]["messageTh"]
    shown = await gql(client, "query($id: ID!) { case(id: $id) { category { code nameTh } } }",
                      {"id": case["id"]}, volunteer)
    assert shown["data"]["case"]["category"] == {"code": "PLATFORM_WORK", "nameTh": "งานแพลตฟอร์ม"}
    entry = (await _audit(client, admin, "CATEGORY"))[0]
    assert entry["action"] == "CATEGORY_DEACTIVATED"
    assert {c["field"]: (c["before"], c["after"]) for c in entry["changes"]} == {
        "active": ("true", "false"), "version": ("1", "2")}


async def test_open_deadlines_stay_unless_a_recompute_is_asked_then_move_with_history(
        client: httpx.AsyncClient, db: Database) -> None:
    admin = await login(client, "admin")
    await _one(client, CATEGORY, {"code": "PLATFORM_WORK", "input": fields()}, admin)
    monday = bkk(2026, 11, 23, 10)
    _, referral = await file_case_directly(db, monday, CAL, category="PLATFORM_WORK")
    first_accept, first_resolve = referral.accept_due_at, referral.resolve_due_at

    kept = await _one(client, UPDATE, {"code": "PLATFORM_WORK", "version": 1,
                                       "input": fields(acceptBusinessDays=5, resolveBusinessDays=10),
                                       "recompute": False}, admin)
    assert kept["referralsMoved"] == 0 and kept["category"]["version"] == 2
    async with db.read_sessions() as session:
        same = await session.get(Referral, referral.id)
        assert same is not None and (same.accept_due_at, same.resolve_due_at) == (first_accept, first_resolve)
        moved_events = (await session.execute(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == referral.case_id, CaseEvent.type == EventType.DEADLINES_MOVED))).scalar_one()
        assert moved_events == 0
    # a referral made from now on follows the new policy
    _, later = await file_case_directly(db, monday, CAL, category="PLATFORM_WORK")
    assert later.accept_due_at > first_accept and later.resolve_due_at < first_resolve

    recomputed = await _one(client, UPDATE, {"code": "PLATFORM_WORK", "version": 2,
                                             "input": fields(acceptBusinessDays=5, resolveBusinessDays=10),
                                             "recompute": True}, admin)
    assert recomputed["referralsMoved"] == 1  # the later one already had these deadlines
    async with db.read_sessions() as session:
        now_row = await session.get(Referral, referral.id)
        assert now_row is not None
        assert (now_row.accept_due_at, now_row.resolve_due_at) == (later.accept_due_at, later.resolve_due_at)
        (moved,) = (await session.execute(select(CaseEvent).where(
            CaseEvent.case_id == referral.case_id, CaseEvent.type == EventType.DEADLINES_MOVED))).scalars()
    assert moved.data["categoryCode"] == "PLATFORM_WORK"
    assert moved.data["previousAcceptDueAt"] == first_accept.isoformat()
    assert [e["action"] for e in await _audit(client, admin, "CATEGORY")][:2] == [
        "DEADLINES_RECOMPUTED", "CATEGORY_CHANGED"]


async def test_holiday_changes_are_in_the_admin_audit_log(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    add = """mutation { addHoliday(day: "2026-12-08", name: "วันหยุดพิเศษตามมติคณะรัฐมนตรี") { __typename } }"""
    remove = """mutation { removeHoliday(day: "2026-12-08") { __typename } }"""
    assert (await gql(client, add, None, admin))["data"]["addHoliday"]["__typename"] == "ChangeHolidaySuccess"
    assert (await gql(client, remove, None, admin))["data"]["removeHoliday"]["__typename"] == "ChangeHolidaySuccess"
    entries = await _audit(client, admin, "HOLIDAY")
    assert [(e["action"], e["targetId"]) for e in entries] == [("HOLIDAY_REMOVED", "2026-12-08"),
                                                                ("HOLIDAY_ADDED", "2026-12-08")]
    added = {c["field"]: (c["before"], c["after"]) for c in entries[1]["changes"]}
    assert added["isHoliday"] == ("false", "true")
    assert added["name"][1] == '"วันหยุดพิเศษตามมติคณะรัฐมนตรี"'
