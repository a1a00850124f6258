"""The GraphQL edge of issue 3 over HTTP: the inbox, holiday and extension mutations,
escalation fields, and the embedded worker of `khortor serve` (no Redis)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from api.app import create_app
from api.cli import worker_wiring
from domain.cases import notices
from domain.db import Database
from domain.notifications.models import Notification
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.factories import CAL, bkk, file_case_directly
from tests.helpers import gql, login

MONDAY = bkk(2026, 11, 23, 10)

INBOX = """query($unread: Boolean!, $first: Int, $after: String) {
  notifications(unreadOnly: $unread, first: $first, after: $after) {
    unreadCount edges { cursor node { id kind subject bodyTh bodyEn caseId readAt } }
    pageInfo { hasNextPage endCursor } } }"""
MARK = """mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) {
  __typename ... on MarkNotificationsReadSuccess { marked unreadCount } } }"""
ADD = """mutation($day: Date!, $name: String!) { addHoliday(day: $day, name: $name) {
  __typename ... on ChangeHolidaySuccess { isBusinessDay referralsMoved } } }"""
REMOVE = """mutation($day: Date!) { removeHoliday(day: $day) {
  __typename ... on ChangeHolidaySuccess { isBusinessDay referralsMoved } } }"""
REQUEST = """mutation($id: ID!, $days: Int!) { requestExtension(referralId: $id, days: $days, reason: "รอผลตรวจ") {
  __typename ... on RequestExtensionSuccess { extension { status days } }
  ... on UserError { code message } } }"""
DECIDE = """mutation($id: ID!) { decideExtension(referralId: $id, approve: true) {
  __typename ... on DecideExtensionSuccess { extension { status } legalDueAt } ... on UserError { code } } }"""
REFERRAL = """query($id: ID!) { referral(id: $id) { escalationLevel legalDueAt acceptDueAt
  case { escalationLevel } } }"""


async def test_the_inbox_pages_and_marks_only_your_own(client: httpx.AsyncClient, db: Database) -> None:
    for _ in range(3):
        _, referral = await file_case_directly(db, MONDAY, CAL)
        async with UnitOfWork(db) as uow:
            await notices.referral_routed(uow, referral.id, MONDAY, CAL)
    token = await login(client, "dlpw.nongkhai")
    page = (await gql(client, INBOX, {"unread": True, "first": 2}, token))["data"]["notifications"]
    assert page["unreadCount"] == 3 and len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"]
    assert page["edges"][0]["node"]["kind"] == "NEW_REFERRAL"
    assert "เรื่องใหม่" in page["edges"][0]["node"]["subject"]
    rest = (await gql(client, INBOX, {"unread": True, "first": 2, "after": page["pageInfo"]["endCursor"]},
                      token))["data"]["notifications"]
    assert len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]
    ids = [e["node"]["id"] for e in page["edges"]]

    other = await login(client, "sso.nongkhai")
    result = (await gql(client, MARK, {"ids": ids}, other))["data"]["markNotificationsRead"]
    assert result["marked"] == 0  # not theirs
    result = (await gql(client, MARK, {"ids": ids + ["not-an-id"]}, token))["data"]["markNotificationsRead"]
    assert result == {"__typename": "MarkNotificationsReadSuccess", "marked": 2, "unreadCount": 1}
    anonymous = await gql(client, INBOX, {"unread": False})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_holidays_are_changed_by_an_admin_and_move_deadlines(client: httpx.AsyncClient,
                                                                   db: Database) -> None:
    _, referral = await file_case_directly(db, MONDAY, CAL)
    officer = await login(client, "dlpw.nongkhai")
    refused = await gql(client, ADD, {"day": "2026-11-24", "name": "วันหยุดพิเศษ"}, officer)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin = await login(client, "admin")
    added = (await gql(client, ADD, {"day": "2026-11-24", "name": "วันหยุดพิเศษ"}, admin))["data"]["addHoliday"]
    assert added == {"__typename": "ChangeHolidaySuccess", "isBusinessDay": False, "referralsMoved": 1}
    shown = (await gql(client, REFERRAL, {"id": str(referral.id)}, officer))["data"]["referral"]
    assert shown["acceptDueAt"].startswith("2026-11-26T09:30")
    listed = (await gql(client, "query { holidays(year: 2026) { day name source } }", None, officer))["data"]
    days = {h["day"]: h["source"] for h in listed["holidays"]}
    assert days["2026-11-24"] == "ADDED" and days["2026-04-13"] == "SEEDED"
    removed = (await gql(client, REMOVE, {"day": "2026-11-24"}, admin))["data"]["removeHoliday"]
    assert removed["isBusinessDay"] is True and removed["referralsMoved"] == 1


async def test_legal_clock_extension_over_graphql(client: httpx.AsyncClient, db: Database) -> None:
    case, referral = await file_case_directly(db, MONDAY, CAL)
    officer = await login(client, "dlpw.nongkhai")
    shown = (await gql(client, REFERRAL, {"id": str(referral.id)}, officer))["data"]["referral"]
    assert shown["escalationLevel"] == 0 and shown["case"]["escalationLevel"] == 0
    assert shown["legalDueAt"].startswith("2027-01-22")
    too_long = (await gql(client, REQUEST, {"id": str(referral.id), "days": 31}, officer))["data"]
    assert too_long["requestExtension"]["code"] == "OUT_OF_RANGE"
    asked = (await gql(client, REQUEST, {"id": str(referral.id), "days": 30}, officer))["data"]
    assert asked["requestExtension"]["extension"] == {"status": "REQUESTED", "days": 30}
    again = (await gql(client, REQUEST, {"id": str(referral.id), "days": 5}, officer))["data"]
    assert again["requestExtension"]["code"] == "ILLEGAL_TRANSITION"
    not_approver = await gql(client, DECIDE, {"id": str(referral.id)}, officer)
    assert "errors" in not_approver
    approver = await login(client, "sup.national")
    decided = (await gql(client, DECIDE, {"id": str(referral.id)}, approver))["data"]["decideExtension"]
    assert decided["extension"]["status"] == "APPROVED" and decided["legalDueAt"].startswith("2027-02-21")
    inbox = (await gql(client, INBOX, {"unread": True}, approver))["data"]["notifications"]
    assert [e["node"]["kind"] for e in inbox["edges"]] == ["EXTENSION_REQUESTED"]


async def test_khortor_serve_without_redis_runs_the_workers_in_process(db_url: str, db: Database) -> None:
    settings = Settings(database_url=db_url, secret_key="test-secret-test-secret-test-secret",
                        sweep_seconds=0.5, relay_seconds=0.2)
    wiring = worker_wiring(settings)
    assert "background" in wiring  # no KHORTOR_REDIS_URL: the embedded worker
    app = create_app(settings, **wiring)
    async with app.router.lifespan_context(app):
        # filed through the app's own job sink, as a mutation would
        _, referral = await file_case_directly(db, datetime.now(UTC), CAL, jobs=wiring["jobs"])

        async def routed() -> int:
            async with db.read_sessions() as session:
                return int((await session.execute(select(func.count()).select_from(Notification).where(
                    Notification.referral_id == referral.id))).scalar_one())

        for _ in range(100):
            if await routed():
                break
            await asyncio.sleep(0.1)
        assert await routed() == 1
        # an old referral past all its deadlines is escalated by the embedded sweep
        _, old = await file_case_directly(db, bkk(2026, 10, 5, 10), CAL)
        for _ in range(100):
            async with db.read_sessions() as session:
                levels = (await session.execute(select(func.count()).select_from(Notification).where(
                    Notification.referral_id == old.id, Notification.kind == "ESCALATION"))).scalar_one()
            if levels >= 3:
                break
            await asyncio.sleep(0.1)
        assert levels >= 3
