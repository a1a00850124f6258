"""A filing sent twice at once (a retry after a timeout, a double tap) is one case, and both
sends are told so — never "duplicate of your own case". Found by bench/load.py: a retry whose
first send committed between the retry's clientId check and its duplicate check was
answered DUPLICATE_CASE pointing at itself, so the phone said "not filed" for a filed case.

On PostgreSQL the first send is made to commit at exactly that moment: a hook on the app's
engine, right after the retry's clientId lookup, files the first send through the domain
service on a connection of its own (another thread, its own loop, as another server
process would). On SQLite writers queue on BEGIN IMMEDIATE, so the moment cannot occur:
there the two sends simply run concurrently, with the same assertions."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import event, func, select
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


def first_send_in_another_process(db_url: str, settings: Settings, client_id: uuid.UUID) -> None:
    """File the first send to completion on an engine, loop and thread of its own."""
    async def file() -> None:
        db = open_database(db_url)
        try:
            async with db.read_sessions() as session:
                user = await users.by_username(session, "vol.naimueang")
            assert user is not None
            async with UnitOfWork(db) as uow:
                await filing.open_case(uow, Principal.of(user), command(client_id),
                                        datetime.now(UTC), government_calendar(), settings.vault)
        finally:
            await db.dispose()

    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(file())
        except BaseException as error:  # reported by the test, not lost in the thread
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and not failure, failure


async def test_a_filing_sent_twice_at_once_is_one_case_and_both_sends_are_told_so(
        app: Starlette, client: httpx.AsyncClient, backend: str, db_url: str, db: Database,
        settings: Settings) -> None:
    token = await login(client, "vol.naimueang")
    client_id = uuid.uuid4()
    send = lambda: gql(client, OPEN_CASE, {"input": payload(client_id)}, token)
    if backend == "postgresql":
        fired: list[bool] = []

        def after_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                          _context: Any, _many: bool) -> None:
            lookup = "FROM case_file" in statement and "case_file.id =" in statement
            if lookup and not fired and str(client_id) in str(parameters):
                fired.append(True)  # the retry has just found no case with its id
                first_send_in_another_process(db_url, settings, client_id)

        engine = app.state.db.engine.sync_engine
        event.listen(engine, "after_cursor_execute", after_execute)
        try:
            answers = [(await send())["data"]["openCase"]]
        finally:
            event.remove(engine, "after_cursor_execute", after_execute)
        assert fired == [True]
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
