"""Issue 11: rights follow current responsibility.

An office sees the citizen whole (name in reads, national ID and phone on a reveal) only while
it is responsible for the case through a referral. Once it declines or redirects that referral
it still sees the case — it is part of its history — but the citizen masked, like anyone else
who may see the case without serving the citizen. A coordinator does not see the citizen whole
through a referral a coordinator made (routing or redirecting a case to their own office),
only through one the routing rules made; and a coordinator sends cases only to offices of the
case's province.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.api.access_helpers import NATIONAL_ID_MASKED, NATIONAL_ID_WHOLE, row_counts
from tests.api.cases_api import (ACCEPT_REFERRAL, REDIRECT_REASON, REDIRECT_REFERRAL, REJECT_REASON,
                                 REJECT_REFERRAL, ROUTE_CASE, DemoUser, current_referral, open_case,
                                 sign_in, succeeded)
from tests.factories import CITIZEN_NAME, NATIONAL_ID
from domain.db import Database

CITIZEN = """
query Citizen($id: ID!) {
  case(id: $id) {
    id reference
    citizen { fullName nationalId phone masked mayReveal }
    referrals { status orgUnit { code } }
    events { type }
  }
}
"""

REVEAL = """
mutation Reveal($case: ID!, $reason: String!) {
  revealCitizenIdentity(caseId: $case, reason: $reason) {
    __typename
    ... on RevealCitizenIdentitySuccess { citizen { fullName nationalId phone } }
    ... on UserError { code }
  }
}
"""

ADD_NOTE = """
mutation Note($id: ID!, $text: String!) {
  addNote(caseId: $id, text: $text, internal: false) { __typename }
}
"""

SECRETS = (NATIONAL_ID, NATIONAL_ID_WHOLE, "812345678", CITIZEN_NAME)


async def _reads(user: DemoUser, case_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case as `user` reads it, and the raw answer to their reveal of its citizen."""
    body = await user.client.post("/graphql", json={"query": CITIZEN, "variables": {"id": case_id}},
                                  headers={"Authorization": f"Bearer {user.token}"})
    read = body.json()
    assert "errors" not in read, read
    revealed = (await user.client.post("/graphql", json={
        "query": REVEAL, "variables": {"case": case_id, "reason": "โทรนัดหมายผู้ขอรับบริการ"}},
        headers={"Authorization": f"Bearer {user.token}"})).json()
    return read["data"]["case"], revealed


async def assert_whole(user: DemoUser, case_id: str) -> None:
    case, revealed = await _reads(user, case_id)
    assert case["citizen"] == {"fullName": CITIZEN_NAME, "nationalId": NATIONAL_ID_MASKED,
                               "phone": case["citizen"]["phone"], "masked": False,
                               "mayReveal": True}, user.username
    assert revealed["data"]["revealCitizenIdentity"] == {
        "__typename": "RevealCitizenIdentitySuccess",
        "citizen": {"fullName": CITIZEN_NAME, "nationalId": NATIONAL_ID_WHOLE,
                    "phone": "+66812345678"}}, user.username


async def assert_masked(user: DemoUser, case_id: str) -> dict[str, Any]:
    """The case is still there for `user`, its citizen masked, and no reveal; the case."""
    case, revealed = await _reads(user, case_id)
    assert case is not None and case["id"] == case_id, user.username
    assert case["citizen"]["masked"] is True and case["citizen"]["mayReveal"] is False
    assert case["citizen"]["nationalId"] == NATIONAL_ID_MASKED
    assert revealed["errors"][0]["extensions"]["code"] == "FORBIDDEN", revealed
    text = json.dumps(case) + json.dumps(revealed)
    for secret in SECRETS:
        assert secret not in text, (user.username, secret)
    return case


async def test_an_office_that_declines_keeps_the_case_in_its_history_but_not_the_citizen(
        client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    dlpw = await sign_in(client, "dlpw.nongkhai")
    case = await open_case(volunteer, "UNPAID_WAGES", fileAnyway=True)
    referral = current_referral(case, "DLPW-43")
    await assert_whole(dlpw, case["id"])

    succeeded(await dlpw.mutate(REJECT_REFERRAL, referralId=referral["id"], reason=REJECT_REASON),
              "RejectReferralSuccess")

    seen = await assert_masked(dlpw, case["id"])
    assert [(r["orgUnit"]["code"], r["status"]) for r in seen["referrals"]] == [("DLPW-43", "REJECTED")]
    assert "REJECTED" in [e["type"] for e in seen["events"]]
    await assert_whole(volunteer, case["id"])  # the filing volunteer still serves the citizen
    # nor does it work on the case any more: its notes are refused, and none is written
    note = await dlpw.client.post("/graphql", json={"query": ADD_NOTE, "variables": {
        "id": case["id"], "text": "ติดต่อนายจ้างแล้ว"}}, headers={"Authorization": f"Bearer {dlpw.token}"})
    assert note.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", note.json()
    assert "NOTE" not in [e["type"] for e in (await assert_masked(dlpw, case["id"]))["events"]]


async def test_an_office_that_redirects_loses_the_citizen_and_the_new_office_gains_it(
        client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    dlpw, sso = await sign_in(client, "dlpw.nongkhai"), await sign_in(client, "sso.nongkhai")
    case = await open_case(volunteer, "UNPAID_WAGES", fileAnyway=True)
    referral = current_referral(case, "DLPW-43")
    succeeded(await dlpw.mutate(ACCEPT_REFERRAL, referralId=referral["id"]), "AcceptReferralSuccess")
    await assert_whole(dlpw, case["id"])

    succeeded(await dlpw.mutate(REDIRECT_REFERRAL, referralId=referral["id"], orgUnitCode="SSO-43",
                                reason=REDIRECT_REASON), "RedirectReferralSuccess")

    await assert_masked(dlpw, case["id"])
    await assert_whole(sso, case["id"])


async def test_a_coordinator_does_not_gain_the_citizen_by_routing_to_their_own_office(
        client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    coordinator = await sign_in(client, "ops.nongkhai")  # COORDINATOR, OPS-43
    case = await open_case(volunteer, "UNPAID_WAGES", fileAnyway=True)
    await assert_masked(coordinator, case["id"])

    # routed to OPS-43 by the coordinator's own hand, and even accepted there: still masked
    routed = succeeded(await coordinator.mutate(ROUTE_CASE, caseId=case["id"], orgUnitCodes=["OPS-43"]),
                       "RouteCaseSuccess")["case"]
    own = current_referral(routed, "OPS-43")
    succeeded(await coordinator.mutate(ACCEPT_REFERRAL, referralId=own["id"]), "AcceptReferralSuccess")
    await assert_masked(coordinator, case["id"])

    # nor by redirecting another office's referral of the province to OPS-43
    other = await open_case(volunteer, "WORK_INJURY", fileAnyway=True)
    succeeded(await coordinator.mutate(REDIRECT_REFERRAL, referralId=current_referral(other, "SSO-43")["id"],
                                       orgUnitCode="OPS-43", reason=REDIRECT_REASON),
              "RedirectReferralSuccess")
    await assert_masked(coordinator, other["id"])

    # a case the routing rules give OPS-43 (general labour advice) it serves, as before
    advice = await open_case(volunteer, "OTHER", fileAnyway=True)
    assert current_referral(advice, "OPS-43")
    await assert_whole(coordinator, advice["id"])


async def test_a_coordinator_routes_and_redirects_only_within_the_case_province(
        client: httpx.AsyncClient, db: Database) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    coordinator = await sign_in(client, "ops.nongkhai")
    admin = await sign_in(client, "admin")
    case = await open_case(volunteer, "UNPAID_WAGES", fileAnyway=True)
    before, counts = await admin.case(case["id"]), await row_counts(db)

    # DLPW-10 is Bangkok's office: refused, even next to an office of the province
    for units in (["DLPW-10"], ["SSO-43", "DLPW-10"]):
        refused = await coordinator.mutate(ROUTE_CASE, caseId=case["id"], orgUnitCodes=units)
        assert refused["__typename"] == "ValidationError", refused
        assert refused["field"] == "orgUnitCodes" and refused["code"] == "INVALID_INPUT"
        assert "province" in refused["message"] and "จังหวัด" in refused["messageTh"]
    referral = current_referral(case, "DLPW-43")
    refused = await coordinator.mutate(REDIRECT_REFERRAL, referralId=referral["id"],
                                       orgUnitCode="DLPW-10", reason=REDIRECT_REASON)
    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == "orgUnitCode" and "จังหวัด" in refused["messageTh"]
    assert await admin.case(case["id"]) == before and await row_counts(db) == counts

    # the office itself may still send its referral where the work is (the employer's province)
    dlpw = await sign_in(client, "dlpw.nongkhai")
    moved = succeeded(await dlpw.mutate(REDIRECT_REFERRAL, referralId=referral["id"],
                                        orgUnitCode="DLPW-10", reason=REDIRECT_REASON),
                      "RedirectReferralSuccess")
    assert moved["newReferral"]["orgUnit"]["code"] == "DLPW-10"


async def test_the_coordinator_sees_and_may_reveal_the_citizen_only_while_the_case_is_at_triage(
        client: httpx.AsyncClient) -> None:
    """Back at triage, the province's coordinator calls the citizen to find where the case
    goes: the name whole and an audited reveal; once routed again, masked as before; a
    coordinator of another province never."""
    volunteer = await sign_in(client, "vol.naimueang")
    coordinator = await sign_in(client, "ops.nongkhai")
    dlpw = await sign_in(client, "dlpw.nongkhai")
    case = await open_case(volunteer, "UNPAID_WAGES", fileAnyway=True)
    await assert_masked(coordinator, case["id"])  # routed to DLPW-43: not at triage
    referral = current_referral(case, "DLPW-43")
    succeeded(await dlpw.mutate(REJECT_REFERRAL, referralId=referral["id"], reason=REJECT_REASON),
              "RejectReferralSuccess")
    await assert_whole(coordinator, case["id"])  # every office declined: at triage
    succeeded(await coordinator.mutate(ROUTE_CASE, caseId=case["id"], orgUnitCodes=["SSO-43"]),
              "RouteCaseSuccess")
    await assert_masked(coordinator, case["id"])  # routed again: SSO-43's to serve
