"""A filing takes its problem type, sub-district and routing rules from what its process keeps of
reference data, reading none of it from the database, and still follows a change made by another
process at once: on PostgreSQL because the process hears of it (domain/watch.py), on SQLite because
the filing reads the reference version that every change raises (migration 0017), in its own
transaction (domain/cases/filing.py `_exact`). The other process here is a second app on the same
database, as `khortor serve --workers 2` or a `khortor` command would be."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import event, text
from starlette.applications import Starlette

from domain.db import Database
from domain.settings import Settings
from tests.api.test_reference_admin import ADD_RULE, ADD_UNIT, BRANCH, REMOVE_RULE, _one
from tests.api.test_reference_watch import other_process, routed_to, until
from tests.factories import OPEN_CASE, case_input
from tests.helpers import gql, login

READ_OF_REFERENCE = ("FROM category", "FROM area", "FROM routing_rule", "FROM sla_policy")


@contextmanager
def statements(app: Starlette) -> Iterator[list[str]]:
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()))

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def reference_reads(sent: list[str]) -> list[str]:
    return [s for s in sent if any(f"{part} " in s + " " for part in READ_OF_REFERENCE)]


async def test_a_filing_reads_no_reference_row_yet_follows_a_change_made_in_another_process(
    client: httpx.AsyncClient, app: Starlette, settings: Settings, backend: str,
) -> None:
    volunteer = await login(client, "vol.naimueang")
    if backend == "postgresql":
        await until(lambda: app.state.reference.exact)  # it listens: filings use its cache
    assert await routed_to(client, volunteer) == ["DLPW-43"]  # what it read is kept now
    with statements(app) as sent:
        assert await routed_to(client, volunteer) == ["DLPW-43"]
    assert reference_reads(sent) == [], reference_reads(sent)
    assert any("reference_version" in s for s in sent) == (backend == "sqlite"), sent

    async with other_process(settings) as (_other, http):
        admin = await login(http, "admin")
        await _one(http, ADD_UNIT, {"input": BRANCH}, admin)
        added = await _one(http, ADD_RULE, {"input": {"categoryCode": "UNPAID_WAGES", "areaPrefix": "4301",
                                                      "orgUnitCode": "DLPW-43-01"}}, admin)
        if backend == "postgresql":
            await until(lambda: not app.state.reference.routing_rules)
        assert await routed_to(client, volunteer) == ["DLPW-43-01"]
        assert await routed_to(client, volunteer) == ["DLPW-43-01"]  # kept again, and still right

        await _one(http, REMOVE_RULE, {"id": added["rule"]["id"]}, admin)
        if backend == "postgresql":
            await until(lambda: not app.state.reference.routing_rules)
        assert await routed_to(client, volunteer) == ["DLPW-43"]


async def test_a_problem_type_retired_by_plain_sql_elsewhere_is_refused_at_the_next_filing(
    client: httpx.AsyncClient, app: Starlette, db: Database, backend: str,
) -> None:
    """A change made with plain SQL (another connection: an operator's script, a restore) is
    heard as the admin's are: every change of a reference table raises the version."""
    volunteer = await login(client, "vol.naimueang")
    if backend == "postgresql":
        await until(lambda: app.state.reference.exact)
    assert await routed_to(client, volunteer) == ["DLPW-43"]
    await _set_active(db, False)
    try:
        if backend == "postgresql":
            await until(lambda: not app.state.reference.categories)
        body = await gql(client, OPEN_CASE, {"input": case_input("UNPAID_WAGES", "430101")}, volunteer)
    finally:
        await _set_active(db, True)  # the seed's restore puts back rows, not their values
    result = body["data"]["openCase"]
    assert (result["__typename"], result["code"]) == ("ValidationError", "UNKNOWN_CATEGORY"), result
    assert "เลิกใช้แล้ว" in result["messageTh"]


async def _set_active(db: Database, active: bool) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE category SET active = :active WHERE code = 'UNPAID_WAGES'"),
                                 {"active": active})
