"""A filing sent twice at once (a retry after a timeout, a double tap) is one case, and both
sends are told so — never "duplicate of your own case". Found by bench/load.py: a retry whose
first send committed between the retry's clientId check and its duplicate check was
answered DUPLICATE_CASE pointing at itself, so the phone said "not filed" for a filed case.

On PostgreSQL the retry's clientId check takes the citizen's filing lock in the same statement
(domain/cases/repository.case_by_id), so the moment is now: the first send holds that lock,
the retry's check waits for it (having looked with a snapshot from before the wait), and the
first send commits. The first send runs through the domain service on a connection of its own
(another thread, its own loop, as another server process would), paused after its own first
statement until the retry waits. On SQLite writers queue on BEGIN IMMEDIATE, so the moment
cannot occur: there the two sends simply run concurrently, with the same assertions."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import event, func, select, text
from starlette.applications import Starlette

from domain.bootstrap import open_database
from domain.clock.business import government_calendar
from domain.cases import filing
from domain.cases.commands import CitizenDetails, OpenCase
from domain.cases.models import Case, CaseEvent
from domain.db import Database
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.principal import Principal
from tests.api.cases_api import NAI_MUEANG
from tests.factories import NATIONAL_ID
from tests.helpers import gql, login
from tests.threads import in_a_thread_of_its_own

DESCRIPTION = "นายจ้างค้างจ่ายค่าจ้าง 2 เดือน"
OPEN_CASE = """
mutation OpenCase($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on OpenCaseSuccess { case { id reference } }
    ... on UserError { code message }
  }
}
"""


def command(client_id: uuid.UUID) -> OpenCase:
    return OpenCase(client_id=client_id, category_code="UNPAID_WAGES", subdistrict_code=NAI_MUEANG,
                    description=DESCRIPTION, citizen=CitizenDetails(
                        full_name="มะลิ ดอกไม้", national_id=NATIONAL_ID, phone=None, consent=True))


def payload(client_id: uuid.UUID) -> dict[str, Any]:
    return {"clientId": str(client_id), "categoryCode": "UNPAID_WAGES", "subdistrictCode": NAI_MUEANG,
            "description": DESCRIPTION, "citizen": {"fullName": "มะลิ ดอกไม้",
                                                    "nationalId": NATIONAL_ID, "consent": True}}


def first_send_in_another_process(db_url: str, settings: Settings, client_id: uuid.UUID,
                                  locked: threading.Event, go: threading.Event) -> Callable[[], None]:
    """Start filing the first send on an engine, loop and thread of its own. It stops after its
    first statement (the clientId check, which takes the citizen's filing lock), before it sends
    its second, sets `locked`, and goes on when `go` is set. Returns what waits for it to end
    (and fails with its error). (A statement read past SQLAlchemy's execution tells the engine's
    listeners before it is sent, and nothing after: domain/quick_reads.py `_announce`.)"""
    async def file() -> None:
        db = open_database(db_url)
        try:
            async with db.read_sessions() as session:
                user = await users.by_username(session, "vol.naimueang")
            assert user is not None

            sent: list[str] = []

            def pause(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
                sent.append(statement)
                if len(sent) == 2 and not locked.is_set():  # the first one done, the second not sent
                    assert "pg_advisory_xact_lock" in sent[0], sent
                    locked.set()
                    go.wait(30)

            event.listen(db.engine.sync_engine, "before_cursor_execute", pause)
            async with UnitOfWork(db) as uow:
                await filing.open_case(uow, Principal.of(user), command(client_id),
                                        datetime.now(UTC), government_calendar(), settings.vault)
        finally:
            await db.dispose()

    return in_a_thread_of_its_own(file)


async def _waiting_for_a_filing_lock(db: Database) -> bool:
    async with db.read_sessions() as session:
        return bool((await session.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"))).scalar_one())


async def test_a_filing_sent_twice_at_once_is_one_case_and_both_sends_are_told_so(
        app: Starlette, client: httpx.AsyncClient, backend: str, db_url: str, db: Database,
        settings: Settings) -> None:
    token = await login(client, "vol.naimueang")
    client_id = uuid.uuid4()
    send = lambda: gql(client, OPEN_CASE, {"input": payload(client_id)}, token)
    if backend == "postgresql":
        locked, go = threading.Event(), threading.Event()
        first_send = first_send_in_another_process(db_url, settings, client_id, locked, go)
        try:
            assert await asyncio.to_thread(locked.wait, 30)  # the first send holds the lock
            retry = asyncio.create_task(send())
            async with asyncio.timeout(10):  # the retry's clientId check waits for it
                while not await _waiting_for_a_filing_lock(db):
                    await asyncio.sleep(0.02)
        finally:
            go.set()  # the first send commits
            await asyncio.to_thread(first_send)
        answers = [(await retry)["data"]["openCase"]]
        answers.append((await send())["data"]["openCase"])  # and once more, afterwards
    else:
        answers = [body["data"]["openCase"] for body in await asyncio.gather(send(), send())]
    async with db.read_sessions() as session:
        reference = (await session.execute(select(Case.reference).where(Case.id == client_id))).scalar_one()
        filed = (await session.execute(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == client_id, CaseEvent.type == "FILED"))).scalar_one()
    assert [a["__typename"] for a in answers] == ["OpenCaseSuccess", "OpenCaseSuccess"], answers
    assert {a["case"]["id"] for a in answers} == {str(client_id)}
    assert {a["case"]["reference"] for a in answers} == {reference}
    assert filed == 1
