"""Issue 11: the duplicate warning holds, and it is not a free national-ID lookup.

Filings of one citizen and problem type are checked for an open case one at a time, so ten
sent at once file one case and warn nine times, on PostgreSQL (where concurrent transactions do
not see each other's uncommitted rows) as on SQLite. The warning names the open case only to a
volunteer who may see it; it is a lookup by national ID, so it is logged in the access log and
counts against the hourly lookup quota, over which nothing about the open case is told.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import func, select

from api.app import create_app
from domain.cases.models import Case
from domain.db import Database
from domain.privacy.models import AccessLogEntry
from domain.settings import Settings
from tests.api.cases_api import MI_CHAI, NAI_MUEANG, sign_in
from tests.factories import case_input, national_id, principal
from tests.helpers import gql, login

CITIZEN_ID = national_id("310990012345")  # used only by this module
FILINGS_AT_ONCE = 10

FILE = """
mutation File($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on OpenCaseSuccess { case { id reference } }
    ... on DuplicateCaseWarning { openCaseReference openCase { id reference } }
    ... on UserError { code message messageTh }
  }
}
"""


def filing(subdistrict: str = NAI_MUEANG, **extra: Any) -> dict[str, Any]:
    """A filing of this module's citizen with a problem of unpaid wages, a clientId of its own."""
    value = case_input("UNPAID_WAGES", subdistrict, client_id=str(uuid.uuid4()), fileAnyway=False)
    value["citizen"] = {**value["citizen"], "nationalId": CITIZEN_ID}
    value.update(extra)
    return value


async def cases_of_the_citizen(db: Database, settings: Settings) -> list[Case]:
    async with db.read_sessions() as session:
        return list((await session.execute(select(Case).where(
            Case.citizen_national_id_hash == settings.vault.lookup_hash(CITIZEN_ID)))).scalars())


async def lookups_by(db: Database, username: str) -> list[AccessLogEntry]:
    who = await principal(db, username)
    async with db.read_sessions() as session:
        return list((await session.execute(
            select(AccessLogEntry).where(AccessLogEntry.user_id == who.user_id,
                                         AccessLogEntry.action == "LOOKUP")
            .order_by(AccessLogEntry.id))).scalars())  # type: ignore[arg-type]


async def test_ten_filings_at_once_file_one_case_and_warn_nine_times(
        client: httpx.AsyncClient, db: Database, settings: Settings) -> None:
    token = await login(client, "vol.naimueang")
    bodies = await asyncio.gather(*(gql(client, FILE, {"input": filing()}, token)
                                    for _ in range(FILINGS_AT_ONCE)))
    answers = [body["data"]["openCase"] for body in bodies]
    assert Counter(a["__typename"] for a in answers) == {
        "OpenCaseSuccess": 1, "DuplicateCaseWarning": FILINGS_AT_ONCE - 1}, answers
    (filed,) = [a["case"] for a in answers if a["__typename"] == "OpenCaseSuccess"]
    for warning in (a for a in answers if a["__typename"] == "DuplicateCaseWarning"):
        assert warning["code"] == "DUPLICATE_CASE"  # the volunteer's own case: named
        assert warning["openCaseReference"] == filed["reference"] and warning["openCase"] == filed
    assert [c.reference for c in await cases_of_the_citizen(db, settings)] == [filed["reference"]]
    async with db.read_sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Case).where(
            Case.id == uuid.UUID(filed["id"])))).scalar_one() == 1
    # each warning was a lookup by national ID: logged against the case it found
    logged = await lookups_by(db, "vol.naimueang")
    assert [(e.detail, e.case_id) for e in logged] == (
        [("DUPLICATE_WARNING", uuid.UUID(filed["id"]))] * (FILINGS_AT_ONCE - 1))
    assert {e.subject_hash for e in logged} == {settings.vault.lookup_hash(CITIZEN_ID)}


async def test_a_case_the_volunteer_may_not_see_is_not_named(
        client: httpx.AsyncClient, db: Database) -> None:
    filer = await sign_in(client, "vol.naimueang")
    filed = (await filer.mutate(FILE, input=filing()))["case"]
    other = await sign_in(client, "vol.michai")  # another sub-district: cannot see that case
    response = await client.post("/graphql", json={"query": FILE, "variables": {
        "input": filing(MI_CHAI)}}, headers={"Authorization": f"Bearer {other.token}"})
    warning = response.json()["data"]["openCase"]
    assert warning["__typename"] == "DuplicateCaseWarning" and warning["code"] == "DUPLICATE_CASE"
    assert warning["openCaseReference"] is None and warning["openCase"] is None
    assert warning["messageTh"] and "Provincial Labour Office" in warning["message"]
    for secret in (filed["reference"], filed["id"], filed["reference"].split("-")[-1]):
        assert secret not in response.text
    # told or not, it is in the access log: the citizen's own access record shows it
    (logged,) = await lookups_by(db, "vol.michai")
    assert (logged.detail, logged.case_id) == ("DUPLICATE_WARNING", uuid.UUID(filed["id"]))


@asynccontextmanager
async def app_with_quota(db_url: str, quota: int) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=db_url, secret_key="test-secret-" + "k" * 40,
                              env="development", lookup_quota_per_hour=quota))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as http:
            yield http


async def test_warnings_count_against_the_lookup_quota_and_over_it_tell_nothing(
        db: Database, db_url: str, settings: Settings) -> None:
    async with app_with_quota(db_url, quota=2) as client:
        volunteer = await sign_in(client, "vol.naimueang")
        filed = (await volunteer.mutate(FILE, input=filing()))["case"]
        for _ in range(2):
            told = await volunteer.mutate(FILE, input=filing())
            assert (told["code"], told["openCaseReference"]) == ("DUPLICATE_CASE", filed["reference"])
        response = await client.post("/graphql", json={"query": FILE, "variables": {
            "input": filing()}}, headers={"Authorization": f"Bearer {volunteer.token}"})
        withheld = response.json()["data"]["openCase"]
        assert withheld["__typename"] == "DuplicateCaseWarning"  # still nothing filed
        assert withheld["code"] == "LOOKUP_QUOTA_EXCEEDED"
        assert withheld["openCaseReference"] is None and withheld["openCase"] is None
        assert "minute" in withheld["message"] and "นาที" in withheld["messageTh"]
        assert filed["reference"] not in response.text and filed["id"] not in response.text
        assert len(await cases_of_the_citizen(db, settings)) == 1
        # the volunteer who knows it is another problem files anyway: no lookup, no quota
        anyway = await volunteer.mutate(FILE, input=filing(fileAnyway=True))
        assert anyway["__typename"] == "OpenCaseSuccess", anyway
    logged = await lookups_by(db, "vol.naimueang")
    assert [e.detail for e in logged] == ["DUPLICATE_WARNING", "DUPLICATE_WARNING",
                                          "DUPLICATE_WITHHELD"]
    assert {e.case_id for e in logged} == {uuid.UUID(filed["id"])}
    assert json.dumps([e.detail for e in logged]).count("WITHHELD") == 1
