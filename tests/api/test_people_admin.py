"""People administration over HTTP (issue 13, parts 1–3 and 7), on both databases: creating a
user who signs in once with a one-time code and must choose a good password; coordinators
kept to their province; deactivation with a handover of open cases, an officer's referrals
and a mentor's volunteers; every change in the admin audit log, never a password or code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from domain.cases.models import Case, CaseEvent
from domain.db import Database
from domain.people import turnover
from domain.uow import UnitOfWork
from domain.users import passwords, repository
from tests.factories import CAL, ensure_user, file_case, file_case_directly, principal
from tests.helpers import gql, login

CREATE = """mutation($input: CreateUserInput!) { createUser(input: $input) { __typename
  ... on CreateUserSuccess { oneTimeCode codeExpiresAt person { username role areaCode mustChangePassword isActive } }
  ... on UserError { code message messageTh } ... on ValidationError { field } } }"""
LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename
  ... on LoginSuccess { token mustChangePassword } ... on UserError { code } } }"""
CHANGE = """mutation($new: String!, $current: String) { changePassword(newPassword: $new, currentPassword: $current) {
  __typename ... on ChangePasswordSuccess { me { username } } ... on UserError { code message messageTh }
  ... on ValidationError { field } } }"""
DEACTIVATE = """mutation($u: String!, $to: String) { deactivateUser(username: $u, handoverTo: $to) { __typename
  ... on TurnoverSuccess { casesMoved referralsUnassigned menteesMoved handedOverTo { username } person { isActive } }
  ... on UserError { code message messageTh } ... on ValidationError { field } } }"""
REACTIVATE = """mutation($u: String!) { reactivateUser(username: $u) { __typename
  ... on UpdateUserSuccess { person { isActive } } ... on UserError { code } } }"""
RESET = """mutation($u: String!) { issueResetCode(username: $u) { __typename
  ... on IssueResetCodeSuccess { oneTimeCode } ... on UserError { code } } }"""
UPDATE = """mutation($u: String!, $input: UpdateUserInput!) { updateUser(username: $u, input: $input) { __typename
  ... on UpdateUserSuccess { person { displayName phone email } } ... on UserError { code messageTh }
  ... on ValidationError { field } } }"""
USERS = """query($f: UserFilterInput) { users(filter: $f, first: 100) { totalCount
  people { username role isActive lastSignInAt } } }"""
PERSON = "query($u: String!) { person(username: $u) { username phone } }"
AUDIT = """query($t: String) { adminAuditLog(filter: { targetId: $t }, first: 50) { entries {
  action targetType targetId requestId actor { username } changes { field before after } } } }"""
CASE_OF = "query($id: ID!) { case(id: $id) { filedBy { username } events { type } } }"
GOOD_PASSWORD = "ไร่อ้อยริมโขงฟ้าใส 2569"


def volunteer_input(username: str, area: str = "430102", **more: Any) -> dict[str, Any]:
    return {"username": username, "displayName": "สมหญิง ทดลองใช้", "role": "VOLUNTEER",
            "areaCode": area, "phone": "081-234-5678", **more}


async def run(client: httpx.AsyncClient, token: str | None, document: str, **variables: Any) -> Any:
    body = await gql(client, document, variables, token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def test_a_new_volunteer_signs_in_once_with_the_code_and_must_choose_a_good_password(
        client: httpx.AsyncClient) -> None:
    coordinator = await login(client, "ops.nongkhai")
    made = await run(client, coordinator, CREATE, input=volunteer_input("vol.new.one"))
    assert made["__typename"] == "CreateUserSuccess", made
    code = made["oneTimeCode"]
    assert made["person"] == {"username": "vol.new.one", "role": "VOLUNTEER", "areaCode": "430102",
                              "mustChangePassword": True, "isActive": True}

    signed = await run(client, None, LOGIN, u="vol.new.one", p=code.lower().replace("-", " "))
    assert signed["__typename"] == "LoginSuccess" and signed["mustChangePassword"] is True
    token = signed["token"]
    refused = await gql(client, "{ cases(first: 1) { totalCount } }", None, token)
    assert refused["errors"][0]["extensions"]["reason"] == "PASSWORD_CHANGE_REQUIRED"
    assert refused["errors"][0]["extensions"]["messageTh"]
    assert (await run(client, token, "{ me { username } }")) == {"username": "vol.new.one"}

    for weak, why in (("short1", "TOO_SHORT"), ("password1234", "TOO_GUESSABLE"),
                      ("vol.new.one-2569", "CONTAINS_USERNAME")):
        answer = await run(client, token, CHANGE, new=weak)
        assert answer["code"] == "VALIDATION_FAILED" or answer["__typename"] == "ValidationError", answer
        assert answer["field"] == "newPassword" and answer["messageTh"], (why, answer)
    assert (await run(client, token, CHANGE, new=GOOD_PASSWORD))["__typename"] == "ChangePasswordSuccess"
    assert (await run(client, token, "{ cases(first: 1) { totalCount } }")) == {"totalCount": 0}

    assert (await run(client, None, LOGIN, u="vol.new.one", p=code))["__typename"] == "InvalidCredentialsError"
    assert (await run(client, None, LOGIN, u="vol.new.one", p=GOOD_PASSWORD))["mustChangePassword"] is False
    # changing it again asks for the current one
    again = await run(client, token, CHANGE, new="แม่น้ำโขงยามเย็นสวยงาม", current="wrong-password-1")
    assert again["field"] == "currentPassword"

    admin = await login(client, "admin")
    entries = (await run(client, admin, AUDIT, t="vol.new.one"))["entries"]
    assert [e["action"] for e in entries] == ["PASSWORD_CHANGED", "RESET_CODE_USED", "USER_CREATED"]
    assert entries[-1]["actor"] == {"username": "ops.nongkhai"} and entries[-1]["requestId"]
    written = json.dumps(entries, ensure_ascii=False)
    for secret in (code, code.replace("-", ""), GOOD_PASSWORD, "password"):
        assert secret not in written


async def test_a_coordinator_manages_only_their_provinces_volunteers_and_mentors(
        client: httpx.AsyncClient, db: Database) -> None:
    coordinator = await login(client, "ops.nongkhai")
    officer = await gql(client, CREATE, {"input": {
        "username": "dlpw.new", "displayName": "เจ้าหน้าที่ ใหม่", "role": "OFFICER", "orgUnitCode": "DLPW-43"}},
        coordinator)
    assert officer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for bad, field, code in ((volunteer_input("vol.bkk.new", "100101"), "areaCode", "OUT_OF_SCOPE"),
                             (volunteer_input("vol.nowhere", "439999"), "areaCode", "UNKNOWN_AREA"),
                             (volunteer_input("vol.badphone", phone="12345"), "phone", "BAD_PHONE"),
                             (volunteer_input("Bad Name!"), "username", "BAD_USERNAME"),
                             (volunteer_input("vol.naimueang"), "username", None)):
        answer = await run(client, coordinator, CREATE, input=bad)
        assert answer["__typename"] == "ValidationError" and answer["field"] == field, answer
        assert answer["messageTh"] and answer["message"]
    listed = (await run(client, coordinator, USERS))["people"]
    assert {p["role"] for p in listed} <= {"VOLUNTEER", "MENTOR"} and "vol.bangkok" not in {p["username"] for p in listed}
    assert (await run(client, coordinator, PERSON, u="vol.bangkok")) is None
    assert (await run(client, coordinator, PERSON, u="vol.michai"))["username"] == "vol.michai"
    async with db.read_sessions() as session:
        assert await repository.by_username(session, "vol.bkk.new") is None


async def test_a_created_user_needs_an_unexpired_code(db: Database) -> None:
    async with UnitOfWork(db) as uow:
        user = await repository.by_username(uow.session, "vol.michai")
        assert user is not None
        now = datetime.now(UTC)
        code = passwords.issue_code(user, now)
    assert await passwords.code_matches(user, code.code, now + timedelta(hours=23))
    assert not await passwords.code_matches(user, code.code, now + timedelta(hours=24, seconds=1))
    assert not await passwords.code_matches(user, "AAAAA-BBBBB", now)


async def test_a_leaving_volunteers_open_cases_are_handed_over_or_nothing_changes(
        client: httpx.AsyncClient, db: Database) -> None:
    volunteer, coordinator = await login(client, "vol.naimueang"), await login(client, "ops.nongkhai")
    cases = [await file_case(client, volunteer) for _ in range(2)]
    for to, field_code in ((None, "BAD_HANDOVER"), ("vol.bangkok", "BAD_HANDOVER"),
                           ("mentor.nongkhai", "BAD_HANDOVER"), ("nobody.at.all", "BAD_HANDOVER")):
        answer = await run(client, coordinator, DEACTIVATE, u="vol.naimueang", to=to)
        assert answer["__typename"] == "ValidationError" and answer["field"] == "handoverTo", (to, answer)
        assert answer["messageTh"]
    assert (await run(client, volunteer, "{ me { username } }"))["username"] == "vol.naimueang"  # unchanged

    done = await run(client, coordinator, DEACTIVATE, u="vol.naimueang", to="vol.michai")
    assert done == {"__typename": "TurnoverSuccess", "casesMoved": 2, "referralsUnassigned": 0,
                    "menteesMoved": 0, "handedOverTo": {"username": "vol.michai"},
                    "person": {"isActive": False}}
    refused = await gql(client, "{ me { username } }", None, volunteer)  # their token stops at once
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    michai = await login(client, "vol.michai")
    for case in cases:
        seen = await run(client, michai, CASE_OF, id=case["id"])
        assert seen["filedBy"] == {"username": "vol.michai"} and "HANDED_OVER" in [e["type"] for e in seen["events"]]
    inbox = await run(client, michai, "{ notifications(first: 5) { edges { node { kind bodyTh } } } }")
    assert [e["node"]["kind"] for e in inbox["edges"]].count("CASES_HANDED_OVER") == 1

    inactive = await run(client, coordinator, USERS, f={"active": False})
    assert [p["username"] for p in inactive["people"]] == ["vol.naimueang"]
    assert (await run(client, coordinator, REACTIVATE, u="vol.naimueang"))["person"] == {"isActive": True}
    assert (await run(client, None, LOGIN, u="vol.naimueang", p="khortor-demo"))["__typename"] == "LoginSuccess"


async def test_an_officer_leaving_frees_their_referrals_and_the_head_is_told(
        client: httpx.AsyncClient, db: Database) -> None:
    await ensure_user(db, "dlpw.colleague")
    volunteer, colleague = await login(client, "vol.naimueang"), await login(client, "dlpw.colleague")
    case = await file_case(client, volunteer)
    taken = await gql(client, """mutation($id: ID!) { assignReferral(referralId: $id) { __typename } }""",
                      {"id": case["referrals"][0]["id"]}, colleague)
    assert taken["data"]["assignReferral"]["__typename"] == "AssignReferralSuccess", taken
    admin = await login(client, "admin")
    done = await run(client, admin, DEACTIVATE, u="dlpw.colleague")
    assert done["referralsUnassigned"] == 1 and done["casesMoved"] == 0
    head = await login(client, "dlpw.nongkhai")
    referral = await run(client, head, "query($id: ID!) { referral(id: $id) { assignedTo { username } } }",
                         id=case["referrals"][0]["id"])
    assert referral["assignedTo"] is None
    inbox = await run(client, head, "{ notifications(first: 10) { edges { node { kind } } } }")
    assert "REFERRALS_UNASSIGNED" in [e["node"]["kind"] for e in inbox["edges"]]


async def test_a_mentor_leaving_hands_their_volunteers_to_another_mentor(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    made = await run(client, admin, CREATE, input={"username": "mentor.second", "displayName": "พี่เลี้ยง คนที่สอง",
                                                  "role": "MENTOR", "areaCode": "43"})
    assert made["__typename"] == "CreateUserSuccess", made
    refused = await run(client, admin, DEACTIVATE, u="mentor.nongkhai", to="vol.michai")
    assert refused["field"] == "handoverTo"
    done = await run(client, admin, DEACTIVATE, u="mentor.nongkhai", to="mentor.second")
    assert done["menteesMoved"] >= 1 and done["handedOverTo"] == {"username": "mentor.second"}


async def test_the_last_admin_and_oneself_cannot_be_deactivated(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    myself = await gql(client, DEACTIVATE, {"u": "admin"}, admin)
    assert myself["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    made = await run(client, admin, CREATE, input={"username": "admin.two", "displayName": "ผู้ดูแล สอง",
                                                  "role": "ADMIN"})
    code = made["oneTimeCode"]
    second = (await run(client, None, LOGIN, u="admin.two", p=code))["token"]
    assert (await run(client, second, CHANGE, new=GOOD_PASSWORD))["__typename"] == "ChangePasswordSuccess"
    assert (await run(client, second, DEACTIVATE, u="admin"))["person"] == {"isActive": False}
    last = await gql(client, DEACTIVATE, {"u": "admin.two"}, second)
    assert last["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # oneself, and the last one


async def test_details_are_edited_and_a_reset_code_replaces_the_old_one(client: httpx.AsyncClient) -> None:
    coordinator = await login(client, "ops.nongkhai")
    changed = await run(client, coordinator, UPDATE, u="vol.michai",
                        input={"displayName": "บุญมี ศรีสุข", "phone": "๐๘๑ ๒๓๔ ๕๖๗๘", "email": ""})
    assert changed["person"] == {"displayName": "บุญมี ศรีสุข", "phone": "0812345678", "email": None}
    flags = await gql(client, UPDATE, {"u": "vol.michai", "input": {"isExtensionApprover": True}}, coordinator)
    assert flags["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    first = (await run(client, coordinator, RESET, u="vol.michai"))["oneTimeCode"]
    second = (await run(client, coordinator, RESET, u="vol.michai"))["oneTimeCode"]
    assert first != second
    assert (await run(client, None, LOGIN, u="vol.michai", p=first))["__typename"] == "InvalidCredentialsError"
    assert (await run(client, None, LOGIN, u="vol.michai", p=second))["mustChangePassword"] is True


@pytest.mark.postgresql_only  # row locks: on SQLite one writer locks the whole database
async def test_a_handover_fails_whole_when_one_case_cannot_move(db: Database, db_url: str,
                                                                 backend: str) -> None:
    """A case locked by someone else part-way through: the handover fails, and the cases it
    had already moved are back with the volunteer (one transaction)."""
    now = datetime.now(UTC)
    ids = []
    for _ in range(3):
        case, _ = await file_case_directly(db, now, CAL)
        ids.append(case.id)
    actor = await principal(db, "ops.nongkhai")
    async with db.engine.connect() as other:
        await other.execute(text("BEGIN"))
        await other.execute(text("SELECT id FROM case_file WHERE id = :id FOR UPDATE"), {"id": ids[2]})
        with pytest.raises(Exception):
            async with UnitOfWork(db) as uow:
                await uow.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
                await turnover.deactivate(uow, actor, "vol.naimueang", "vol.michai", now, CAL)
        await other.rollback()
    async with db.read_sessions() as session:
        volunteer = await repository.by_username(session, "vol.naimueang")
        assert volunteer is not None and volunteer.is_active
        owners = (await session.execute(select(Case.filed_by_id).where(Case.id.in_(ids)))).scalars().all()  # type: ignore[attr-defined]
        assert set(owners) == {volunteer.id}
        handed = (await session.execute(select(CaseEvent).where(CaseEvent.type == "HANDED_OVER"))).scalars().all()
        assert handed == []



MOVE = """mutation($u: String!, $a: String!, $to: String) { moveUser(username: $u, areaCode: $a, handoverTo: $to) {
  __typename ... on TurnoverSuccess { casesMoved person { areaCode isActive } handedOverTo { username } }
  ... on UserError { code messageTh } ... on ValidationError { field } } }"""


async def test_a_volunteer_moved_to_another_sub_district_leaves_their_cases_behind(
        client: httpx.AsyncClient) -> None:
    volunteer, coordinator = await login(client, "vol.naimueang"), await login(client, "ops.nongkhai")
    case = await file_case(client, volunteer)
    for area, to, field in (("100101", "vol.michai", "areaCode"), ("439999", "vol.michai", "areaCode"),
                            ("430103", None, "handoverTo")):
        refused = await run(client, coordinator, MOVE, u="vol.naimueang", a=area, to=to)
        assert refused["__typename"] == "ValidationError" and refused["field"] == field, refused
    moved = await run(client, coordinator, MOVE, u="vol.naimueang", a="430103", to="vol.michai")
    assert moved == {"__typename": "TurnoverSuccess", "casesMoved": 1, "handedOverTo": {"username": "vol.michai"},
                     "person": {"areaCode": "430103", "isActive": True}}
    michai = await login(client, "vol.michai")
    assert (await run(client, michai, CASE_OF, id=case["id"]))["filedBy"] == {"username": "vol.michai"}
