"""What the desk needs to work extensions and assignments (issue 12): the extension on the
referral, the approver's list of requests waiting, and the office's colleagues to assign to."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from domain.db import Database
from domain.uow import UnitOfWork
from domain.users.models import User
from tests.api.cases_api import current_referral, open_case, sign_in, succeeded
from tests.factories import ensure_user

REQUEST = """mutation($id: ID!, $days: Int!, $reason: String!) {
  requestExtension(referralId: $id, days: $days, reason: $reason) {
    __typename ... on RequestExtensionSuccess { extension { status days } } ... on UserError { code } } }"""
DECIDE = """mutation($id: ID!, $approve: Boolean!, $note: String) {
  decideExtension(referralId: $id, approve: $approve, note: $note) {
    __typename ... on DecideExtensionSuccess { extension { status decisionNote } legalDueAt }
    ... on UserError { code } } }"""
EXTENSION = """query($id: ID!) { referral(id: $id) { legalDueAt
  extension { status days reason requestedAt decidedAt decisionNote } } }"""
PENDING = """query { pendingExtensions(first: 10) { totalCount
  edges { node { id extension { days reason } case { reference } } } } }"""
COLLEAGUES = "query { colleagues { username isExtensionApprover } }"


async def test_an_approver_sees_the_request_waiting_and_decides_it(client: httpx.AsyncClient) -> None:
    volunteer, officer = await sign_in(client, "vol.naimueang"), await sign_in(client, "dlpw.nongkhai")
    approver, supervisor = await sign_in(client, "sup.national"), await sign_in(client, "sup.nongkhai")
    referral = current_referral(await open_case(volunteer), "DLPW-43")
    assert (await officer.run(EXTENSION, id=referral["id"]))["referral"]["extension"] is None
    assert (await approver.run(PENDING))["pendingExtensions"]["totalCount"] == 0

    # the reason's phone number is not the approvers' business
    succeeded(await officer.mutate(REQUEST, id=referral["id"], days=15,
                                   reason="รอผลตรวจแรงงาน โทร 081-234-5678"), "RequestExtensionSuccess")
    shown = (await officer.run(EXTENSION, id=referral["id"]))["referral"]
    assert shown["extension"]["status"] == "REQUESTED" and shown["extension"]["days"] == 15
    assert "081-234-5678" not in shown["extension"]["reason"]
    assert shown["extension"]["reason"].startswith("รอผลตรวจแรงงาน")
    assert (await volunteer.run(EXTENSION, id=referral["id"]))["referral"]["extension"] is None

    waiting = (await approver.run(PENDING))["pendingExtensions"]
    assert waiting["totalCount"] == 1
    assert [e["node"]["id"] for e in waiting["edges"]] == [referral["id"]]
    assert waiting["edges"][0]["node"]["extension"]["days"] == 15
    # not an approver: nothing waits for them, even in their own province
    assert (await supervisor.run(PENDING))["pendingExtensions"] == {"totalCount": 0, "edges": []}
    assert (await officer.run(PENDING))["pendingExtensions"]["totalCount"] == 0

    decided = succeeded(await approver.mutate(DECIDE, id=referral["id"], approve=False,
                                              note="ยังไม่มีเหตุจำเป็น"), "DecideExtensionSuccess")
    assert decided["extension"] == {"status": "REJECTED", "decisionNote": "ยังไม่มีเหตุจำเป็น"}
    after = (await officer.run(EXTENSION, id=referral["id"]))["referral"]
    assert after["legalDueAt"] == shown["legalDueAt"]  # refused: the deadline stays
    assert after["extension"]["status"] == "REJECTED" and after["extension"]["decidedAt"]
    assert (await approver.run(PENDING))["pendingExtensions"]["totalCount"] == 0


async def test_colleagues_are_the_active_people_of_ones_own_office(client: httpx.AsyncClient,
                                                                   db: Database) -> None:
    await ensure_user(db, "dlpw.colleague")
    officer = await sign_in(client, "dlpw.nongkhai")
    names = [u["username"] for u in (await officer.run(COLLEAGUES))["colleagues"]]
    assert "dlpw.nongkhai" in names and "dlpw.colleague" in names
    assert all(not n.startswith(("sso.", "vol.", "sup.")) for n in names), names
    for outsider in ("vol.naimueang", "sup.nongkhai"):
        assert (await (await sign_in(client, outsider)).run(COLLEAGUES))["colleagues"] == []

    async with UnitOfWork(db) as uow:  # the colleague leaves: no longer offered
        await uow.session.execute(update(User).where(User.username == "dlpw.colleague").values(is_active=False))
    names = [u["username"] for u in (await officer.run(COLLEAGUES))["colleagues"]]
    assert "dlpw.colleague" not in names and "dlpw.nongkhai" in names
