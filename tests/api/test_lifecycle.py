"""The life of a case over HTTP, as the demo users live it (SPEC.md sections 2, 3 and 5).

Each test signs in as demo users, drives cases and referrals through the GraphQL API and
checks what those users would notice: statuses, references, history entries, reasons, and the
codes of the errors they get. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette
from sqlalchemy import delete, select
from sqlmodel import col

from domain.clock.business import government_calendar
from domain.clock.business import due_at
from domain.cases.models import CaseEvent, EventType
from domain.clock.thai import fiscal_year_be
from domain.categories.models import RoutingRuleRow
from domain.db import Database
from domain.uow import UnitOfWork
from tests.api.cases_api import (ACCEPT_REFERRAL, ALL_CASES, CLOSE_CASE, COMPLETE_REFERRAL,
                                 DemoUser, HOLD_REASON, HOLD_REFERRAL, MI_CHAI, MY_CASES_COUNT,
                                 NAI_MUEANG, OPEN_CASE, RECORD_SATISFACTION, REDIRECT_REASON,
                                 REDIRECT_REFERRAL, REJECT_CASE, REJECT_REASON, REJECT_REFERRAL,
                                 REOPEN_CASE, REOPEN_REASON, RESUME_REFERRAL, ROUTE_CASE,
                                 current_referral, event_types, open_case, sign_in, succeeded)
from tests.factories import CITIZEN_NAME, case_input, description


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def only_referral(case: dict[str, Any]) -> dict[str, Any]:
    (referral,) = case["referrals"]
    return referral


async def accept(officer: DemoUser, referral: dict[str, Any]) -> dict[str, Any]:
    result = await officer.mutate(ACCEPT_REFERRAL, referralId=referral["id"],
                                  expectedVersion=referral["version"])
    accepted: dict[str, Any] = succeeded(result, "AcceptReferralSuccess")["referral"]
    return accepted


async def complete(officer: DemoUser, referral: dict[str, Any], amount: str) -> dict[str, Any]:
    result = await officer.mutate(COMPLETE_REFERRAL, referralId=referral["id"],
                                  outcome="RESOLVED", amountRecoveredThb=amount,
                                  expectedVersion=referral["version"])
    completed: dict[str, Any] = succeeded(result, "CompleteReferralSuccess")["referral"]
    return completed


# --- 1. the whole lifecycle ---------------------------------------------------------------


async def test_a_wage_case_goes_from_filing_to_closing(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    officer = await sign_in(client, "dlpw.nongkhai")
    text = description("UNPAID_WAGES")

    filed = await open_case(volunteer, "UNPAID_WAGES", NAI_MUEANG, text=text)
    assert filed["status"] == "ROUTED"
    assert filed["description"] == text
    assert re.fullmatch(rf"43-{filed['fiscalYear']}-\d{{6}}", filed["reference"])
    referral = only_referral(filed)
    assert (referral["status"], referral["orgUnit"]["code"]) == ("PENDING", "DLPW-43")
    made = at(referral["createdAt"])
    assert at(referral["acceptDueAt"]) == due_at(made, 2, government_calendar())
    assert at(referral["resolveDueAt"]) == due_at(made, 30, government_calendar())

    accepted = await accept(officer, referral)
    assert accepted["status"] == "ACCEPTED"
    assert accepted["assignedTo"] == {"username": "dlpw.nongkhai"}
    assert accepted["case"]["status"] == "IN_PROGRESS"

    held = succeeded(await officer.mutate(HOLD_REFERRAL, referralId=referral["id"],
                                          reason=HOLD_REASON, expectedVersion=accepted["version"]),
                     "HoldReferralSuccess")["referral"]
    assert (held["status"], held["reason"]) == ("ON_HOLD", HOLD_REASON)

    resumed = succeeded(await officer.mutate(RESUME_REFERRAL, referralId=referral["id"],
                                             expectedVersion=held["version"]),
                        "ResumeReferralSuccess")["referral"]
    assert resumed["status"] == "ACCEPTED"

    completed = await complete(officer, resumed, "18000")
    assert (completed["status"], completed["outcome"]) == ("COMPLETED", "RESOLVED")
    assert completed["case"]["status"] == "RESOLVED"

    resolved = await volunteer.case(filed["id"])
    assert resolved is not None
    assert (resolved["status"], resolved["outcome"]) == ("RESOLVED", "RESOLVED")
    assert Decimal(resolved["amountRecoveredThb"]) == Decimal(18000)

    rated = succeeded(await volunteer.mutate(RECORD_SATISFACTION, caseId=filed["id"], score=4,
                                             expectedVersion=resolved["version"]),
                      "RecordSatisfactionSuccess")["case"]
    assert rated["satisfaction"] == 4

    closed = succeeded(await volunteer.mutate(CLOSE_CASE, caseId=filed["id"],
                                              expectedVersion=rated["version"]),
                       "CloseCaseSuccess")["case"]
    assert closed["status"] == "CLOSED"
    assert closed["closedAt"] is not None

    seen = await volunteer.case(filed["id"])
    assert seen is not None
    assert event_types(seen) == [
        "FILED", "ROUTED", "STATUS_CHANGED",          # filed, routed: NEW -> ROUTED
        "ACCEPTED", "STATUS_CHANGED",                 # ROUTED -> IN_PROGRESS
        "HELD", "RESUMED",
        "COMPLETED", "STATUS_CHANGED",                # IN_PROGRESS -> RESOLVED
        "SATISFACTION_RECORDED", "CLOSED",
    ]
    case_moves = [(e["fromStatus"], e["toStatus"]) for e in seen["events"]
                  if e["type"] == "STATUS_CHANGED"]
    assert case_moves == [("NEW", "ROUTED"), ("ROUTED", "IN_PROGRESS"), ("IN_PROGRESS", "RESOLVED")]
    (hold_event,) = [e for e in seen["events"] if e["type"] == "HELD"]
    assert hold_event["note"] == HOLD_REASON
    assert hold_event["actor"] == {"username": "dlpw.nongkhai"}
    assert hold_event["referralId"] == referral["id"]
    assert seen["description"] == text
    assert seen["citizen"]["fullName"] == CITIZEN_NAME


# --- 2. redirect --------------------------------------------------------------------------


async def test_an_officer_redirects_a_referral_to_another_office(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    dlpw = await sign_in(client, "dlpw.nongkhai")
    sso = await sign_in(client, "sso.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES", text=description("SOCIAL_SECURITY_BENEFITS"))
    first = only_referral(filed)
    assert await sso.case(filed["id"]) is None  # not sent to SSO-43 yet: it does not exist there

    result = succeeded(await dlpw.mutate(REDIRECT_REFERRAL, referralId=first["id"],
                                         orgUnitCode="SSO-43", reason=REDIRECT_REASON),
                       "RedirectReferralSuccess")

    old, new = result["referral"], result["newReferral"]
    assert (old["status"], old["current"], old["reason"]) == ("REDIRECTED", False, REDIRECT_REASON)
    assert (new["status"], new["current"]) == ("PENDING", True)
    assert new["orgUnit"]["code"] == "SSO-43"
    assert new["predecessorId"] == old["id"]
    assert new["acceptDueAt"] is not None

    seen_by_sso = await sso.case(filed["id"])
    assert seen_by_sso is not None and seen_by_sso["status"] == "ROUTED"
    accepted = await accept(sso, new)
    assert accepted["status"] == "ACCEPTED"
    assert accepted["case"]["status"] == "IN_PROGRESS"

    seen_by_dlpw = await dlpw.case(filed["id"])
    assert seen_by_dlpw is not None
    assert [(r["orgUnit"]["code"], r["status"]) for r in seen_by_dlpw["referrals"]] == [
        ("DLPW-43", "REDIRECTED"), ("SSO-43", "ACCEPTED")]

    seen_by_volunteer = await volunteer.case(filed["id"])
    assert seen_by_volunteer is not None
    (redirected,) = [e for e in seen_by_volunteer["events"] if e["type"] == "REDIRECTED"]
    assert (redirected["note"], redirected["internal"]) == (REDIRECT_REASON, False)


# --- 3. reject ----------------------------------------------------------------------------


async def _rejected_back_to_triage(client: httpx.AsyncClient) -> dict[str, Any]:
    """A case the wage office declined (it is recruitment fraud): back at triage, NEW."""
    volunteer = await sign_in(client, "vol.naimueang")
    dlpw = await sign_in(client, "dlpw.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES", text=description("OVERSEAS_WORK_FRAUD"))
    result = await dlpw.mutate(REJECT_REFERRAL, referralId=only_referral(filed)["id"],
                               reason=REJECT_REASON)
    rejected: dict[str, Any] = succeeded(result, "RejectReferralSuccess")["referral"]
    assert (rejected["status"], rejected["reason"]) == ("REJECTED", REJECT_REASON)
    assert rejected["case"]["status"] == "NEW"
    return filed


async def test_a_rejected_referral_sends_the_case_back_to_triage(client: httpx.AsyncClient) -> None:
    filed = await _rejected_back_to_triage(client)
    volunteer = await sign_in(client, "vol.naimueang")
    seen = await volunteer.case(filed["id"])
    assert seen is not None
    assert seen["status"] == "NEW"
    (rejected,) = [e for e in seen["events"] if e["type"] == "REJECTED"]
    assert (rejected["note"], rejected["actor"]) == (REJECT_REASON, {"username": "dlpw.nongkhai"})
    assert (seen["events"][-1]["fromStatus"], seen["events"][-1]["toStatus"]) == ("ROUTED", "NEW")


async def test_the_coordinator_routes_a_case_back_at_triage(client: httpx.AsyncClient) -> None:
    filed = await _rejected_back_to_triage(client)
    coordinator = await sign_in(client, "ops.nongkhai")

    routed = succeeded(await coordinator.mutate(ROUTE_CASE, caseId=filed["id"],
                                                orgUnitCodes=["DOE-43"]),
                       "RouteCaseSuccess")["case"]

    assert routed["status"] == "ROUTED"
    doe = current_referral(routed, "DOE-43")
    assert doe["status"] == "PENDING"
    assert doe["acceptDueAt"] is not None
    doe_officer = await sign_in(client, "doe.nongkhai")
    assert await doe_officer.case(filed["id"]) is not None


async def test_the_coordinator_rejects_a_new_case_and_it_is_closed(
    client: httpx.AsyncClient,
) -> None:
    filed = await _rejected_back_to_triage(client)
    coordinator = await sign_in(client, "ops.nongkhai")

    closed = succeeded(await coordinator.mutate(REJECT_CASE, caseId=filed["id"],
                                                reason=REJECT_REASON),
                       "RejectCaseSuccess")["case"]

    assert closed["status"] == "CLOSED"
    assert closed["closedAt"] is not None
    last = closed["events"][-1]
    assert (last["type"], last["fromStatus"], last["toStatus"], last["note"]) == (
        "CASE_REJECTED", "NEW", "CLOSED", REJECT_REASON)


# --- 4. reopen ----------------------------------------------------------------------------


async def test_the_volunteer_reopens_a_resolved_case(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    officer = await sign_in(client, "dlpw.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES")
    done = await complete(officer, await accept(officer, only_referral(filed)), "18000")
    assert done["case"]["status"] == "RESOLVED"

    reopened = succeeded(await volunteer.mutate(REOPEN_CASE, caseId=filed["id"],
                                                reason=REOPEN_REASON,
                                                expectedVersion=done["case"]["version"]),
                         "ReopenCaseSuccess")["case"]

    assert reopened["status"] == "ROUTED"
    assert reopened["outcome"] is None and reopened["resolvedAt"] is None
    old, new = reopened["referrals"]
    assert (old["id"], old["status"], old["current"]) == (done["id"], "COMPLETED", False)
    assert (new["status"], new["current"], new["orgUnit"]["code"]) == ("PENDING", True, "DLPW-43")
    assert new["predecessorId"] == done["id"]
    last = reopened["events"][-1]
    assert (last["type"], last["fromStatus"], last["toStatus"], last["note"]) == (
        "REOPENED", "RESOLVED", "ROUTED", REOPEN_REASON)
    assert await officer.referral(new["id"]) is not None


# --- 5. two referrals on one case ---------------------------------------------------------


async def test_two_offices_follow_one_case_in_parallel(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    coordinator = await sign_in(client, "ops.nongkhai")
    dlpw = await sign_in(client, "dlpw.nongkhai")
    sso = await sign_in(client, "sso.nongkhai")
    story = description("UNPAID_WAGES") + " " + description("WORK_INJURY")
    filed = await open_case(volunteer, "UNPAID_WAGES", text=story)

    routed = succeeded(await coordinator.mutate(ROUTE_CASE, caseId=filed["id"],
                                                orgUnitCodes=["SSO-43"]),
                       "RouteCaseSuccess")["case"]
    assert routed["status"] == "ROUTED"
    wages, injury = current_referral(routed, "DLPW-43"), current_referral(routed, "SSO-43")
    assert (wages["status"], injury["status"]) == ("PENDING", "PENDING")

    injury = await accept(sso, injury)
    assert injury["case"]["status"] == "IN_PROGRESS"
    wages = await complete(dlpw, await accept(dlpw, wages), "18000")
    assert wages["case"]["status"] == "IN_PROGRESS"  # SSO-43 is still working on it
    injury = await complete(sso, injury, "30000")
    assert injury["case"]["status"] == "RESOLVED"

    seen = await volunteer.case(filed["id"])
    assert seen is not None
    assert (seen["status"], seen["outcome"]) == ("RESOLVED", "RESOLVED")
    assert Decimal(seen["amountRecoveredThb"]) == Decimal(48000)
    assert seen["description"] == story


async def test_routing_to_an_office_that_already_has_the_case_is_refused(
    client: httpx.AsyncClient,
) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    coordinator = await sign_in(client, "ops.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES")

    result = await coordinator.mutate(ROUTE_CASE, caseId=filed["id"], orgUnitCodes=["DLPW-43"])

    assert (result["__typename"], result["code"], result["field"]) == (
        "ValidationError", "ALREADY_REFERRED", "orgUnitCodes")
    seen = await coordinator.case(filed["id"])
    assert seen is not None
    assert seen["referrals"] == filed["referrals"] and seen["version"] == filed["version"]
    assert len(seen["events"]) == len(filed["events"])


# --- 6. idempotent clientId ---------------------------------------------------------------


async def test_the_same_client_id_files_one_case(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    client_id = str(uuid.uuid4())

    first = await open_case(volunteer, "UNPAID_WAGES", client_id=client_id)
    again = await open_case(volunteer, "UNPAID_WAGES", client_id=client_id)

    assert first["id"] == again["id"] == client_id
    assert first["reference"] == again["reference"]
    assert (await volunteer.run(MY_CASES_COUNT))["cases"]["totalCount"] == 1
    seen = await volunteer.case(client_id)
    assert seen is not None
    assert event_types(seen).count("FILED") == 1
    assert len(seen["referrals"]) == 1


async def test_the_same_client_id_sent_at_once_files_one_case(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    client_id = str(uuid.uuid4())

    cases = await asyncio.gather(*(open_case(volunteer, "UNPAID_WAGES", client_id=client_id)
                                   for _ in range(3)))

    assert {c["id"] for c in cases} == {client_id}
    assert len({c["reference"] for c in cases}) == 1
    assert (await volunteer.run(MY_CASES_COUNT))["cases"]["totalCount"] == 1


async def test_another_volunteer_cannot_reuse_a_client_id(client: httpx.AsyncClient) -> None:
    owner = await sign_in(client, "vol.naimueang")
    other = await sign_in(client, "vol.michai")
    client_id = str(uuid.uuid4())
    await open_case(owner, "UNPAID_WAGES", client_id=client_id)

    result = await other.mutate(OPEN_CASE, input=case_input("UNPAID_WAGES", MI_CHAI,
                                                                 client_id=client_id))

    assert (result["__typename"], result["code"], result["field"]) == (
        "ValidationError", "CLIENT_ID_CONFLICT", "clientId")
    assert (await other.run(MY_CASES_COUNT))["cases"]["totalCount"] == 0
    assert await other.case(client_id) is None


# --- 7. stale expectedVersion -------------------------------------------------------------


async def test_accepting_with_a_stale_version_changes_nothing(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    officer = await sign_in(client, "dlpw.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES")
    referral = only_referral(filed)

    result = await officer.mutate(ACCEPT_REFERRAL, referralId=referral["id"],
                                  expectedVersion=referral["version"] - 1)

    assert (result["__typename"], result["code"]) == ("StaleVersionError", "STALE_VERSION")
    assert result["currentVersion"] == referral["version"]
    after = await officer.referral(referral["id"])
    assert after is not None
    assert (after["status"], after["version"]) == ("PENDING", referral["version"])
    assert after["acceptedAt"] is None and after["assignedTo"] is None
    seen = await volunteer.case(filed["id"])
    assert seen is not None
    assert seen["events"] == filed["events"]
    assert seen["status"] == "ROUTED"


async def test_completing_from_an_old_screen_is_refused(client: httpx.AsyncClient) -> None:
    """The officer loaded the referral, then held and resumed it in another tab."""
    volunteer = await sign_in(client, "vol.naimueang")
    officer = await sign_in(client, "dlpw.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES")
    old_screen = await accept(officer, only_referral(filed))
    held = succeeded(await officer.mutate(HOLD_REFERRAL, referralId=old_screen["id"],
                                          reason=HOLD_REASON), "HoldReferralSuccess")["referral"]
    resumed = succeeded(await officer.mutate(RESUME_REFERRAL, referralId=held["id"]),
                        "ResumeReferralSuccess")["referral"]
    before = await volunteer.case(filed["id"])

    result = await officer.mutate(COMPLETE_REFERRAL, referralId=old_screen["id"],
                                  outcome="RESOLVED", expectedVersion=old_screen["version"])

    assert (result["__typename"], result["code"]) == ("StaleVersionError", "STALE_VERSION")
    assert result["currentVersion"] == resumed["version"] > old_screen["version"]
    after = await officer.referral(old_screen["id"])
    assert after is not None
    assert (after["status"], after["version"], after["outcome"]) == (
        "ACCEPTED", resumed["version"], None)
    assert await volunteer.case(filed["id"]) == before


# --- 8. concurrent filing -----------------------------------------------------------------


async def test_twenty_cases_filed_at_once_get_twenty_references(client: httpx.AsyncClient) -> None:
    volunteers = [(await sign_in(client, "vol.naimueang"), NAI_MUEANG),
                  (await sign_in(client, "vol.michai"), MI_CHAI)]
    fiscal_year = fiscal_year_be(datetime.now(UTC))

    cases = await asyncio.gather(*(
        open_case(volunteers[n % 2][0], "UNPAID_WAGES", volunteers[n % 2][1],
                  text=description("UNPAID_WAGES", n % 3))
        for n in range(20)))

    assert sorted(c["reference"] for c in cases) == [
        f"43-{fiscal_year}-{n:06d}" for n in range(1, 21)]
    assert {c["fiscalYear"] for c in cases} == {fiscal_year}
    assert {c["status"] for c in cases} == {"ROUTED"}
    assert len({c["id"] for c in cases}) == 20
    admin = await sign_in(client, "admin")
    assert (await admin.run(ALL_CASES, first=50))["cases"]["totalCount"] == 20


# --- 9. illegal transitions ---------------------------------------------------------------


async def test_completing_a_pending_referral_is_refused(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    officer = await sign_in(client, "dlpw.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES")
    referral = only_referral(filed)

    result = await officer.mutate(COMPLETE_REFERRAL, referralId=referral["id"],
                                  outcome="RESOLVED", amountRecoveredThb="18000")

    assert (result["__typename"], result["code"]) == (
        "IllegalTransitionError", "ILLEGAL_TRANSITION")
    assert (result["status"], result["action"]) == ("PENDING", "COMPLETE")
    assert result["message"] and result["messageTh"]
    after = await officer.referral(referral["id"])
    assert after is not None
    assert (after["status"], after["version"], after["outcome"], after["amountRecoveredThb"]) == (
        "PENDING", referral["version"], None, None)
    assert await volunteer.case(filed["id"]) == filed


async def test_accepting_a_referral_twice_is_refused(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    officer = await sign_in(client, "dlpw.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES")
    accepted = await accept(officer, only_referral(filed))
    before = await volunteer.case(filed["id"])

    result = await officer.mutate(ACCEPT_REFERRAL, referralId=accepted["id"])

    assert (result["__typename"], result["code"]) == (
        "IllegalTransitionError", "ILLEGAL_TRANSITION")
    assert (result["status"], result["action"]) == ("ACCEPTED", "ACCEPT")
    assert await volunteer.case(filed["id"]) == before


async def test_closing_a_routed_case_is_refused(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    filed = await open_case(volunteer, "UNPAID_WAGES")

    result = await volunteer.mutate(CLOSE_CASE, caseId=filed["id"])

    assert (result["__typename"], result["code"]) == (
        "IllegalTransitionError", "ILLEGAL_TRANSITION")
    assert (result["status"], result["action"]) == ("ROUTED", "CLOSE")
    assert await volunteer.case(filed["id"]) == filed


async def test_rejecting_a_routed_case_at_triage_is_refused(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    coordinator = await sign_in(client, "ops.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES")

    result = await coordinator.mutate(REJECT_CASE, caseId=filed["id"], reason=REJECT_REASON)

    assert (result["__typename"], result["code"]) == (
        "IllegalTransitionError", "ILLEGAL_TRANSITION")
    assert result["status"] == "ROUTED"
    assert await volunteer.case(filed["id"]) == filed


async def test_reopening_a_case_in_progress_is_refused(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    officer = await sign_in(client, "dlpw.nongkhai")
    filed = await open_case(volunteer, "UNPAID_WAGES")
    await accept(officer, only_referral(filed))
    before = await volunteer.case(filed["id"])

    result = await volunteer.mutate(REOPEN_CASE, caseId=filed["id"], reason=REOPEN_REASON)

    assert (result["__typename"], result["code"]) == (
        "IllegalTransitionError", "ILLEGAL_TRANSITION")
    assert (result["status"], result["action"]) == ("IN_PROGRESS", "REOPEN")
    assert await volunteer.case(filed["id"]) == before


# --- 10. no routing rule: the Provincial Labour Office triages ----------------------------


async def _routed_event_data(db: Database, case_id: str) -> dict[str, Any]:
    async with db.read_sessions() as session:
        event = (await session.execute(
            select(CaseEvent).where(col(CaseEvent.case_id) == uuid.UUID(case_id),
                                    col(CaseEvent.type) == EventType.ROUTED))).scalar_one()
    assert event.data is not None
    return event.data


async def test_a_category_without_rules_goes_to_the_provincial_labour_office(
    client: httpx.AsyncClient, db: Database, app: Starlette,
) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    async with UnitOfWork(db) as uow:
        rules = (await uow.session.execute(select(RoutingRuleRow).where(
            col(RoutingRuleRow.category_code) == "JOB_SEEKING"))).scalars().all()
        saved = [rule.model_dump() for rule in rules]
        await uow.session.execute(delete(RoutingRuleRow).where(
            col(RoutingRuleRow.category_code) == "JOB_SEEKING"))
    assert saved, "the JOB_SEEKING routing rules should be seeded"
    # The rules change behind the API's back (an admin's change through the API clears the
    # process's reference data itself; another process's, within its refresh period).
    app.state.reference.clear()
    try:
        unmatched = await open_case(volunteer, "JOB_SEEKING")
    finally:
        async with UnitOfWork(db) as uow:
            uow.session.add_all(RoutingRuleRow(**rule) for rule in saved)
        app.state.reference.clear()

    referral = only_referral(unmatched)
    assert (referral["orgUnit"]["code"], referral["status"]) == ("OPS-43", "PENDING")
    assert unmatched["status"] == "ROUTED"
    (routed,) = [e for e in unmatched["events"] if e["type"] == "ROUTED"]
    assert routed["referralId"] == referral["id"]
    data = await _routed_event_data(db, unmatched["id"])
    assert (data["by"], data["ruleId"], data["orgUnit"]) == ("triage", None, "OPS-43")
    coordinator = await sign_in(client, "ops.nongkhai")
    assert await coordinator.referral(referral["id"]) is not None

    # With its rules back, the same problem type goes to the employment office again.
    with_rule = await open_case(volunteer, "JOB_SEEKING", text=description("JOB_SEEKING", 1))
    assert only_referral(with_rule)["orgUnit"]["code"] == "DOE-43"
    data = await _routed_event_data(db, with_rule["id"])
    assert (data["by"], data["orgUnit"]) == ("rule", "DOE-43")
    assert data["ruleId"] in {rule["id"] for rule in saved}
