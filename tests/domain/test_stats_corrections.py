"""A change counted against a calendar or deadlines mark that had moved is corrected after the
commit's statement (domain/stats/upkeep.py `collect`), in a second statement. By then the
transaction holds the cells its commit statement wrote; if the correction added to cells that
other transactions' commit statements write, it could wait on one of them while that one waits
on a cell it holds: a deadlock the database breaks by ending one of the two (seen by
bench/load.py: an acceptance's commit statement and another's correction). A correction adds to
a slot of its own, which no commit statement writes (domain/stats/cell_writes.py).

Here an acceptance that counts against the calendar before a holiday was added runs on a loop,
thread and engine of its own (as in another server process). It stops before its correction's
statement, and another transaction takes every other slot of the cells the correction will add
to, then waits for a cell the acceptance holds, as a concurrent commit statement would. The
acceptance then goes on: it must not wait, so both end and nothing is broken."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text

from domain.bootstrap import open_database
from domain.calendar import service as calendar_service
from domain.cases import filing, referrals
from domain.cases.commands import AcceptReferral, CitizenDetails, OpenCase
from domain.cases.models import Referral
from domain.db import Database
from domain.settings import Settings
from domain.stats import maintenance, rebuild, service
from domain.stats.cell_models import SLOTS
from domain.uow import UnitOfWork
from tests.factories import CAL, national_id, principal
from tests.threads import in_a_thread_of_its_own

pytestmark = pytest.mark.postgresql_only

NOW = datetime(2026, 11, 20, 7, 15, tzinfo=UTC)
KEY = ("grain", "period", "area", "measure", "width", "bin")
ADD_NOTHING = text("INSERT INTO stats_duration_bin (grain, period, area, measure, width, bin, slot, n) "
                   "VALUES (:grain, :period, :area, :measure, :width, :bin, :slot, 0) "
                   "ON CONFLICT (grain, period, area, measure, width, bin, slot) "
                   "DO UPDATE SET n = stats_duration_bin.n")  # the cell taken (made if missing)


def _bins_in(parameters: Any) -> set[tuple[Any, ...]]:
    """The duration bins (key and slot) a commit statement writes: its rows are bound as JSON."""
    out = set()
    for value in parameters if isinstance(parameters, (list, tuple)) else ():
        if isinstance(value, str) and value.startswith("[{"):
            for row in json.loads(value):
                if set(KEY) <= set(row):
                    out.add(tuple(row[k] for k in KEY) + (row["slot"],))
    return out


async def _lock_waits(db: Database) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'transactionid'"))).scalar_one())


async def test_a_correction_never_waits_on_cells_that_commit_statements_write(db: Database, db_url: str) -> None:
    key = await service.ensure_calendar(db, CAL)
    async with UnitOfWork(db) as uow:
        await rebuild.rebuild(uow.session, key, NOW - timedelta(days=20))
    volunteer = await principal(db, "vol.naimueang")
    filed_at = datetime(2026, 11, 6, 3, 0, tzinfo=UTC)  # a Friday, before the holiday
    command = OpenCase(client_id=None, category_code="UNPAID_WAGES", subdistrict_code="430101",
                       description="รอรับเรื่องข้ามวันหยุด", file_anyway=True,
                       citizen=CitizenDetails(full_name="สมหมาย ข้ามวันหยุด", national_id=national_id("110190088888"),
                                              phone="0812345678", consent=True))
    async with UnitOfWork(db) as uow:  # this process now knows the calendar the bins are kept for
        case = await filing.open_case(uow, volunteer, command, filed_at, CAL, Settings().vault)
    async with UnitOfWork(db) as uow:  # an admin adds a holiday: the workers rebuild the bins
        calendar, _ = await calendar_service.add_holiday(uow, await principal(db, "admin"), NOW.date() - timedelta(days=10),
                                                         "วันหยุดพิเศษ", filed_at + timedelta(hours=1))
    assert await maintenance.refresh_durations(db, calendar, NOW) is not None
    async with db.read_sessions() as session:
        leg = (await session.execute(select(Referral.id).where(
            Referral.case_id == case.id, Referral.org_unit_code == "DLPW-43"))).scalar_one()

    paused, go = threading.Event(), threading.Event()
    seen: dict[str, Any] = {"held": set(), "corrected": []}

    async def accept() -> None:
        # Another engine, as another process's; what it counts against is what this process last
        # saw (domain/stats/upkeep.py `_SEEN`, by database URL): the calendar before the holiday.
        other = open_database(db_url)

        def pause(_conn: Any, _cursor: Any, statement: str, parameters: Any, context: Any, _many: bool) -> None:
            if statement.startswith("WITH"):
                seen["held"] |= _bins_in(parameters)
            elif statement.startswith("INSERT INTO stats_duration_bin") and not paused.is_set():
                seen["corrected"] = [tuple(p[k] for k in KEY) + (p["slot"],) for p in context.compiled_parameters]
                paused.set()
                assert go.wait(30), "the test never let the acceptance go on"

        event.listen(other.engine.sync_engine, "before_cursor_execute", pause)
        try:
            officer = await principal(other, "dlpw.nongkhai")
            async with UnitOfWork(other) as uow:
                await referrals.act_on_referral(uow, officer, AcceptReferral(leg), NOW - timedelta(days=9), calendar)
        finally:
            await other.dispose()

    accepted = in_a_thread_of_its_own(accept)
    try:
        assert await asyncio.to_thread(paused.wait, 30), "the acceptance made no correction"
        held, corrected = seen["held"], seen["corrected"]
        assert held and corrected
        others = [k + (s,) for k in {c[:-1] for c in corrected} for s in range(SLOTS)
                  if k + (s,) not in held]
        async with db.write_sessions() as session, session.begin():
            # Another transaction holds those cells in every slot a commit statement writes ...
            await session.execute(ADD_NOTHING, [dict(zip(KEY + ("slot",), k, strict=True)) for k in others])
            # ... and waits for one the acceptance's commit statement wrote (not committed yet).
            waits = asyncio.create_task(session.execute(
                ADD_NOTHING, dict(zip(KEY + ("slot",), sorted(held)[0], strict=True))))
            try:
                async with asyncio.timeout(10):
                    while not waits.done() and not await _lock_waits(db):
                        await asyncio.sleep(0.02)
                assert not waits.done(), "the other transaction did not wait for the acceptance"
            finally:
                go.set()  # the acceptance corrects and commits; then the other goes on
                async with asyncio.timeout(20):
                    await waits
    finally:
        go.set()
        await asyncio.to_thread(accepted)
    async with db.read_sessions() as session:
        status = (await session.execute(select(Referral.status).where(Referral.id == leg))).scalar_one()
    assert status == "ACCEPTED"
