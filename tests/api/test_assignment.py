"""Officers give a referral to themselves or a colleague of the same office (issue 12):
recorded in the history, the colleague told once, anyone else refused and nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from domain.db import Database
from domain.notifications.models import Notification
from domain.users import repository as users
from tests.api.cases_api import (ACCEPT_REFERRAL, COMPLETE_REFERRAL, current_referral, open_case,
                                 sign_in, succeeded)
from tests.factories import ensure_user, run_case_event_jobs

ASSIGN = """
mutation($id: ID!, $to: String, $v: Int) {
  assignReferral(referralId: $id, assigneeUsername: $to, expectedVersion: $v) {
    __typename
    ... on AssignReferralSuccess { referral { id version assignedTo { username } } }
    ... on UserError { code message messageTh }
    ... on ValidationError { field }
  }
}
"""
HISTORY = "query($id: ID!) { case(id: $id) { events { type actor { username } } } }"


async def assign(officer: Any, referral_id: str, to: str | None, version: int | None = None) -> dict[str, Any]:
    return await officer.mutate(ASSIGN, id=referral_id, to=to, v=version)


async def told(db: Database, username: str) -> list[Notification]:
    async with db.read_sessions() as session:
        user = await users.by_username(session, username)
        assert user is not None
        return list((await session.execute(select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "REFERRAL_ASSIGNED"))).scalars())


async def test_an_officer_gives_a_referral_to_a_colleague_who_is_told_once(
        client: httpx.AsyncClient, db: Database) -> None:
    await ensure_user(db, "dlpw.colleague")
    volunteer, officer = await sign_in(client, "vol.naimueang"), await sign_in(client, "dlpw.nongkhai")
    case = await open_case(volunteer)
    referral = current_referral(case, "DLPW-43")

    mine = succeeded(await assign(officer, referral["id"], None), "AssignReferralSuccess")
    assert mine["referral"]["assignedTo"]["username"] == "dlpw.nongkhai"  # taken, not accepted
    given = succeeded(await assign(officer, referral["id"], "dlpw.colleague",
                                   mine["referral"]["version"]), "AssignReferralSuccess")
    assert given["referral"]["assignedTo"]["username"] == "dlpw.colleague"
    again = succeeded(await assign(officer, referral["id"], "dlpw.colleague"), "AssignReferralSuccess")
    assert again["referral"]["version"] == given["referral"]["version"]  # already theirs: no change

    events = (await officer.run(HISTORY, id=case["id"]))["case"]["events"]
    assert [e["type"] for e in events].count("ASSIGNED") == 2
    assert await run_case_event_jobs(db, datetime.now(UTC)) >= 1
    (notice,) = await told(db, "dlpw.colleague")
    assert "มอบหมาย" in notice.body_th and case["reference"] in notice.subject
    assert await told(db, "dlpw.nongkhai") == []  # who took it themselves is not told


async def test_nobody_outside_the_office_and_no_closed_referral_can_be_assigned(
        client: httpx.AsyncClient) -> None:
    volunteer, officer = await sign_in(client, "vol.naimueang"), await sign_in(client, "dlpw.nongkhai")
    case = await open_case(volunteer)
    referral = current_referral(case, "DLPW-43")
    for outsider in ("sso.nongkhai", "vol.naimueang", "nobody.here", ""):
        refused = await assign(officer, referral["id"], outsider)
        assert refused["__typename"] == "ValidationError" and refused["code"] == "NOT_A_COLLEAGUE", refused
        assert refused["field"] == "assigneeUsername" and refused["messageTh"]
    unchanged = (await officer.referral(referral["id"]))
    assert unchanged is not None and unchanged["version"] == referral["version"]

    accepted = succeeded(await officer.mutate(ACCEPT_REFERRAL, referralId=referral["id"]),
                         "AcceptReferralSuccess")
    succeeded(await officer.mutate(COMPLETE_REFERRAL, referralId=referral["id"], outcome="RESOLVED",
                                   expectedVersion=accepted["referral"]["version"]),
              "CompleteReferralSuccess")
    closed = await assign(officer, referral["id"], None)
    assert closed["__typename"] == "IllegalTransitionError" and closed["code"] == "ILLEGAL_TRANSITION"
