"""A filing takes its reference number last (domain/cases/filing.py). The number's upsert locks
the province's counter row until the commit, and every other filing of that province waits
for the lock. Under load it was the only lock anyone waited on (bench/load.py, issue 11), so
a filing inserts its rows first and after its number sends only the commit's writes. The numbers stay gapless: a
filing that rolls back gives its number back. And in one process, filings of a province take
turns from their number to their commit, and at most `FILINGS_AT_ONCE` of them are in their
unit of work (`counter_turns`), so those beyond hold no pooled connection."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, text

from domain.bootstrap import open_database
from domain.cases import filing
from domain.cases.commands import CitizenDetails, OpenCase
from domain.cases.models import Case, CaseEvent
from domain.db import Database
from domain.errors import ValidationFailed
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.factories import CAL, file_case_directly, national_id, principal


class Rollback(Exception):
    pass


async def test_a_filing_takes_its_number_after_its_rows_and_then_only_commits(db: Database, backend: str) -> None:
    """The number locks the province's counter row until the commit, and every other filing of
    the province waits for it: so the number comes after the filing's own rows, and only the
    commit's writes and the commit follow it."""
    await file_case_directly(db, datetime.now(UTC))  # the process has read the rollups' state
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()).upper())

    def committed(_conn: object) -> None:
        sent.append("COMMIT")

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    event.listen(engine, "commit", committed)
    try:
        case, referral = await file_case_directly(db, datetime.now(UTC))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        event.remove(engine, "commit", committed)
    (at,) = [i for i, s in enumerate(sent) if "INSERT INTO CASE_SEQUENCE" in s]
    before = [s.split(" (")[0] for s in sent[:at] if s.startswith("INSERT")]
    assert list(dict.fromkeys(before)) == ["INSERT INTO CASE_FILE", "INSERT INTO REFERRAL",
                                           "INSERT INTO CASE_EVENT"], before
    after = sent[at + 1:sent.index("COMMIT", at)]
    if backend == "postgresql":
        # the number and the case's reference in one statement, then the commit's one statement
        # of jobs, access entries and rollups (on SQLite it runs unseen by SQLAlchemy's events:
        # domain/commit_writes.py)
        assert sent[at].startswith("WITH COUNTED AS (INSERT INTO CASE_SEQUENCE") and "UPDATE CASE_FILE" in sent[at]
        assert len(after) == 1 and after[0].startswith("WITH"), after
    else:
        assert len(after) == 1 and after[0].startswith("UPDATE CASE_FILE SET REFERENCE"), after

    async with db.read_sessions() as session:
        stored = await session.get(Case, case.id)
        history = (await session.execute(select(CaseEvent.type, CaseEvent.from_status, CaseEvent.to_status)
                                         .where(CaseEvent.case_id == case.id)
                                         .order_by(CaseEvent.id))).all()  # type: ignore[arg-type]
    assert stored is not None and stored.status == "ROUTED" and stored.reference == case.reference
    assert [tuple(h) for h in history] == [("FILED", None, "NEW"), ("ROUTED", None, "PENDING"),
                                           ("STATUS_CHANGED", "NEW", "ROUTED")]
    assert referral.case_id == case.id


async def test_numbers_stay_gapless_when_a_filing_rolls_back(db: Database) -> None:
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)
    sent: list[str] = []

    def fail_at_commit(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if any("INSERT INTO CASE_SEQUENCE" in s.upper() for s in sent):
            raise Rollback  # the statement after the number's
        sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", fail_at_commit)
    try:
        with pytest.raises(Rollback):
            await file_case_directly(db, now)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", fail_at_commit)
    assert any(s.lstrip().upper().startswith("INSERT INTO CASE_FILE") for s in sent)
    second, _ = await file_case_directly(db, now)
    prefix, number = first.reference.rsplit("-", 1)
    assert second.reference == f"{prefix}-{int(number) + 1:06d}"
    async with db.read_sessions() as session:
        references = (await session.execute(select(Case.reference).order_by(Case.reference))).scalars().all()
    assert references == [first.reference, second.reference]


async def test_a_province_whose_numbers_for_the_year_are_used_up_files_nothing(db: Database) -> None:
    """The sequence has six digits: the millionth filing of a province in a fiscal year is
    refused with a clear error, and nothing is stored or counted."""
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE case_sequence SET last_value = 999999"))
    with pytest.raises(ValidationFailed) as refused:
        await file_case_directly(db, now)
    assert refused.value.code == "NUMBERS_USED_UP" and "ครบแล้ว" in refused.value.message_th
    async with db.read_sessions() as session:
        assert (await session.execute(select(Case.reference))).scalars().all() == [first.reference]
        assert (await session.execute(text("SELECT last_value FROM case_sequence"))).scalar_one() == 999999


async def _waiting_for_the_counter(db: Database) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO case_sequence%'"))).scalar_one())


async def _prepared_and_waiting_for_the_turn(db: Database) -> int:
    """Filings in their transaction, rows written, that wait for the number's turn."""
    async with db.read_sessions() as session:
        return int((await session.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction' AND query LIKE 'INSERT INTO case_event%'"))).scalar_one())


@pytest.mark.postgresql_only
async def test_a_provinces_filings_prepare_beside_the_counters_holder_and_the_rest_hold_no_connection(
        db: Database, db_url: str) -> None:
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)  # the counter's row exists
    volunteer = await principal(db, "vol.naimueang")
    at_once = filing.FILINGS_AT_ONCE
    server = open_database(db_url, pool_size=at_once + 1, max_overflow=0)  # an API process's pool

    def command() -> OpenCase:
        return OpenCase(client_id=uuid.uuid4(), category_code="UNPAID_WAGES", subdistrict_code="430101",
                        description="นายจ้างค้างจ่ายค่าจ้าง", file_anyway=True,
                        citizen=CitizenDetails(full_name="สมชาย ทดสอบ", national_id=national_id("110170020345"),
                                               phone=None, consent=True))

    filings: list[asyncio.Task[Case]] = []
    try:
        async with db.engine.connect() as other_process:  # holds the counter as a slow filing would
            await other_process.execute(text(
                "SELECT 1 FROM case_sequence WHERE province_code = '43' FOR UPDATE"))
            filings += [asyncio.create_task(filing.file_case(lambda: UnitOfWork(server), volunteer, command(),
                                                            now, CAL, Settings().vault))
                       for _ in range(2 * at_once)]
            async with asyncio.timeout(10):  # the first filing reaches the counter
                while not await _waiting_for_the_counter(db):
                    await asyncio.sleep(0.02)
            async with asyncio.timeout(10):  # the gate's others write their rows beside it
                while await _prepared_and_waiting_for_the_turn(db) < at_once - 1:
                    await asyncio.sleep(0.02)
            await asyncio.sleep(0.5)  # time for the rest to queue up, wherever they queue
            assert await _waiting_for_the_counter(db) == 1  # one filing of this process waits in the database
            assert await _prepared_and_waiting_for_the_turn(db) == at_once - 1  # and only the gate's others
            async with asyncio.timeout(2):  # so the process's last connection is free for others
                async with server.read_sessions() as session:
                    assert (await session.execute(select(Case.reference).where(Case.id == first.id))
                            ).scalar_one() == first.reference
            await other_process.commit()
    finally:  # the counter is free again: the filings end before the database is cleaned
        filed = await asyncio.gather(*filings, return_exceptions=True)
        await server.dispose()
    prefix, number = first.reference.rsplit("-", 1)
    assert all(isinstance(case, Case) for case in filed), filed
    assert sorted(case.reference for case in filed) == [
        f"{prefix}-{int(number) + i:06d}" for i in range(1, 2 * at_once + 1)]


async def test_a_unit_of_work_holds_a_turn_until_it_commits_or_rolls_back(db: Database) -> None:
    turn = asyncio.Lock()
    async with UnitOfWork(db) as uow:
        await uow.hold(turn)
        async with asyncio.timeout(1):
            await uow.hold(turn)  # twice in one unit of work (several filings in one) does not wait
        assert turn.locked()
    assert not turn.locked()  # committed
    with pytest.raises(Rollback):
        async with UnitOfWork(db) as uow:
            await uow.hold(turn)
            raise Rollback
    assert not turn.locked()  # rolled back

    others = asyncio.Event()

    async def other() -> None:
        async with UnitOfWork(db) as uow:
            await uow.hold(turn)
            others.set()

    async with UnitOfWork(db) as uow:
        await uow.hold(turn)
        waiting = asyncio.create_task(other())
        await asyncio.sleep(0.05)
        assert not others.is_set()  # another unit of work waits for the turn
    async with asyncio.timeout(5):
        await waiting
    assert others.is_set() and not turn.locked()


@pytest.mark.postgresql_only
async def test_a_filings_client_id_check_takes_the_citizens_lock_in_the_same_statement(db: Database) -> None:
    """The duplicate check's lock (`lock_filings_of_citizen`) rides on the client id's check: a
    filing's first round trip. A replay finds its case through the same statement."""
    await file_case_directly(db, datetime.now(UTC))  # the process has read the rollups' state
    volunteer = await principal(db, "vol.naimueang")
    command = OpenCase(client_id=uuid.uuid4(), category_code="UNPAID_WAGES", subdistrict_code="430101",
                       description="นายจ้างค้างจ่ายค่าจ้าง",
                       citizen=CitizenDetails(full_name="สมชาย ทดสอบ", national_id=national_id("310170020345"),
                                              phone=None, consent=True))
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()).upper())

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        case = await filing.file_case(lambda: UnitOfWork(db), volunteer, command, datetime.now(UTC), CAL,
                                      Settings().vault)
        first = len(sent)
        again = await filing.file_case(lambda: UnitOfWork(db), volunteer, command, datetime.now(UTC), CAL,
                                       Settings().vault)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    locks = [s for s in sent[:first] if "PG_ADVISORY_XACT_LOCK" in s]
    assert len(locks) == 1 and "FROM CASE_FILE" not in locks[0].split("LEFT OUTER JOIN")[0], locks
    assert sent[0] == locks[0] and "LEFT OUTER JOIN CASE_FILE" in locks[0]  # the first statement, both in one
    assert again.id == case.id and again.reference == case.reference  # the replay is answered with its case
    assert len(sent) - first == 1  # by that one statement
