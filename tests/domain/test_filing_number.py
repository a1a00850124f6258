"""A filing's reference number (domain/cases/filing.py). The number's upsert locks the province's
counter row until the commit, and every other filing of that province waits for the lock: under
load it was the only lock anyone waited on (bench/load.py, issue 11). On PostgreSQL the database
numbers a case as its transaction commits (a deferred trigger, migration 0016), so the row is
never locked across a round trip to the API process; on SQLite, whose writer holds the
database's write lock from its BEGIN anyway, the number is taken right before the case's row,
which is written with it. The numbers stay gapless: a filing that rolls back takes none, or
gives its number back."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from domain.bootstrap import open_database
from domain.cases import filing
from domain.cases.commands import CitizenDetails, OpenCase
from domain.cases.models import Case, CaseEvent
from domain.db import Database
from domain.errors import ValidationFailed
from domain.settings import Settings
from domain.unavailable import DatabaseUnavailable
from domain.uow import UnitOfWork
from tests.factories import CAL, file_case_directly, national_id, principal
from tests.threads import in_a_thread_of_its_own


class Rollback(Exception):
    pass


@contextmanager
def _statements_run(db: Database, backend: str) -> Iterator[list[str]]:
    """Every statement the database runs for the block, upper-cased, COMMIT included. On SQLite,
    as the database traces them: the commit's writes run past SQLAlchemy's events there."""
    sent: list[str] = []

    def seen(statement: str) -> None:
        sent.append(" ".join(statement.split()).upper())

    engine = db.engine.sync_engine
    if backend == "postgresql":
        def executed(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            seen(statement)

        def committed(_conn: object) -> None:
            seen("COMMIT")

        event.listen(engine, "before_cursor_execute", executed)
        event.listen(engine, "commit", committed)
        try:
            yield sent
        finally:
            event.remove(engine, "before_cursor_execute", executed)
            event.remove(engine, "commit", committed)
        return
    traced: list[Any] = []

    def checked_out(dbapi_connection: Any, _record: object, _proxy: object) -> None:
        connection = dbapi_connection.driver_connection._conn  # sqlite3's, on aiosqlite's thread
        connection.set_trace_callback(seen)
        traced.append(connection)

    event.listen(engine.pool, "checkout", checked_out)
    try:
        yield sent
    finally:
        event.remove(engine.pool, "checkout", checked_out)
        for connection in traced:
            connection.set_trace_callback(None)


async def test_a_filing_is_numbered_as_it_commits_or_right_before_its_rows(db: Database, backend: str) -> None:
    """The number locks the province's counter row until the commit, and every other filing of
    the province waits for it. The filing's rows (its case, referral and history) are written in
    the commit's round trip (domain/commit_writes.py). On PostgreSQL the application sends
    nothing of the number: the database numbers the case as it commits and tells the reference
    with its answer (migration 0018), which is not read back. On SQLite the number comes right
    before the case's row, which is inserted with its reference (no UPDATE)."""
    await file_case_directly(db, datetime.now(UTC))  # the process has read the rollups' state
    with _statements_run(db, backend) as sent:
        case, referral = await file_case_directly(db, datetime.now(UTC))
    committed_at = sent.index("COMMIT")
    if backend == "postgresql":
        assert not any("CASE_SEQUENCE" in s for s in sent), sent
        assert not any(s.startswith("SELECT CASE_FILE.REFERENCE") for s in sent), sent
        last = sent[committed_at - 1]  # the commit's one statement: the filing's rows, then the rest
        assert last.startswith("WITH") and not any(s.startswith("INSERT") for s in sent), sent
        assert last.index("INSERT INTO CASE_FILE") < last.index("INSERT INTO REFERRAL") < last.index(
            "INSERT INTO CASE_EVENT"), last
    else:
        numbered = min(i for i, s in enumerate(sent) if s.startswith("INSERT INTO CASE_SEQUENCE"))
        inserts = [s.split(" (")[0] for s in sent[numbered + 1:committed_at]]
        assert inserts[:2] == ["INSERT INTO CASE_FILE", "INSERT INTO REFERRAL"], sent  # then the rest
        assert "INSERT INTO CASE_EVENT" in inserts, sent
        assert not any(s.startswith("UPDATE CASE_FILE") for s in sent), sent
    assert re.fullmatch(r"43-[0-9]{4}-[0-9]{6}", case.reference), case.reference

    async with db.read_sessions() as session:
        stored = await session.get(Case, case.id)
        history = (await session.execute(select(CaseEvent.type, CaseEvent.from_status, CaseEvent.to_status)
                                         .where(CaseEvent.case_id == case.id)
                                         .order_by(CaseEvent.id))).all()  # type: ignore[arg-type]
    assert stored is not None and stored.status == "ROUTED" and stored.reference == case.reference
    assert [tuple(h) for h in history] == [("FILED", None, "NEW"), ("ROUTED", None, "PENDING"),
                                           ("STATUS_CHANGED", "NEW", "ROUTED")]
    assert referral.case_id == case.id


async def test_numbers_stay_gapless_when_a_filing_rolls_back(db: Database, backend: str) -> None:
    """A filing that fails after its number (on SQLite) and its case's row takes no number. On
    PostgreSQL the number's own rollback is the used-up test's below."""
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)
    sessions: Any = db.write_sessions.kw["sync_session_class"]

    def fail_at_commit(_session: object) -> None:
        raise Rollback  # after the commit's writes (registered before this), before the COMMIT

    event.listen(sessions, "before_commit", fail_at_commit)
    try:
        with _statements_run(db, backend) as sent, pytest.raises(Rollback):
            await file_case_directly(db, now)
    finally:
        event.remove(sessions, "before_commit", fail_at_commit)
    assert any("INSERT INTO CASE_FILE" in s for s in sent) and "COMMIT" not in sent, sent
    assert backend == "postgresql" or any(s.startswith("INSERT INTO CASE_SEQUENCE") for s in sent), sent
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


def _command() -> OpenCase:
    return OpenCase(client_id=uuid.uuid4(), category_code="UNPAID_WAGES", subdistrict_code="430101",
                    description="นายจ้างค้างจ่ายค่าจ้าง", file_anyway=True,
                    citizen=CitizenDetails(full_name="สมชาย ทดสอบ", national_id=national_id("110170020345"),
                                           phone=None, consent=True))


def _filing_paused_before_its_commit(db_url: str, paused: threading.Event,
                                     go: threading.Event) -> Callable[[], str]:
    """A filing of the province on an engine, loop and thread of its own (as another server
    process would file it), stopped after the commit's one statement has written its rows,
    right before the COMMIT, until `go`. Returns what waits for it and gives its reference."""
    async def file() -> str:
        other = open_database(db_url)
        try:
            volunteer = await principal(other, "vol.naimueang")

            def pause(_conn: object, _cursor: object, statement: str, *_: object) -> None:
                if statement.startswith("WITH") and "case_sequence" not in statement:
                    paused.set()
                    go.wait(30)

            event.listen(other.engine.sync_engine, "after_cursor_execute", pause)
            case = await filing.file_case(lambda: UnitOfWork(other), volunteer, _command(),
                                          datetime.now(UTC), CAL, Settings().vault)
            return case.reference
        finally:
            await other.dispose()

    return in_a_thread_of_its_own(file)


@pytest.mark.postgresql_only
async def test_a_filing_holds_the_provinces_counter_only_while_the_database_commits(
        db: Database, db_url: str) -> None:
    """A filing whose process stalls after writing its rows, right before its COMMIT, holds no
    lock on the province's counter (which every other filing of the province needs): it takes
    the next number as it commits."""
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)  # the counter's row exists
    paused, go = threading.Event(), threading.Event()
    stalled = _filing_paused_before_its_commit(db_url, paused, go)
    try:
        assert await asyncio.to_thread(paused.wait, 30)
        async with db.read_sessions() as session:
            held = dict((await session.execute(text(
                "SELECT c.relname, count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND l.pid <> pg_backend_pid() AND c.relname IN ('case_file', 'case_sequence') "
                "GROUP BY c.relname"))).all())
    finally:
        go.set()
        later = await asyncio.to_thread(stalled)
    assert held.get("case_file", 0) >= 1 and held.get("case_sequence", 0) == 0, held  # its rows, not the counter
    prefix, number = first.reference.rsplit("-", 1)
    assert later == f"{prefix}-{int(number) + 1:06d}"


async def test_simultaneous_filings_of_a_province_get_the_next_numbers(db: Database) -> None:
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)
    volunteer = await principal(db, "vol.naimueang")
    filed = await asyncio.gather(*(filing.file_case(lambda: UnitOfWork(db), volunteer, _command(), now, CAL,
                                                    Settings().vault) for _ in range(10)))
    prefix, number = first.reference.rsplit("-", 1)
    assert sorted(c.reference for c in filed) == [f"{prefix}-{int(number) + i:06d}" for i in range(1, 11)]
    async with db.read_sessions() as session:
        stored = dict((await session.execute(select(Case.id, Case.reference))).all())
    assert all(stored[c.id] == c.reference for c in filed)  # each case is told its own number


@pytest.mark.postgresql_only
async def test_a_commit_refused_after_the_number_gives_the_number_back(db: Database) -> None:
    """The number is taken inside the committing transaction: when something later in the
    commit refuses it (here another deferred trigger, which first checks that the case was
    numbered already), the counter goes back with the rest."""
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)
    volunteer = await principal(db, "vol.naimueang")
    async with db.engine.begin() as connection:
        await connection.execute(text("""
            CREATE FUNCTION test_refuse_numbered() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT reference FROM case_file WHERE id = NEW.id) NOT LIKE '~%' THEN
                    RAISE EXCEPTION 'refused after its number';
                END IF;
                RETURN NULL;
            END $$"""))
        await connection.execute(text(  # after case_file_numbered: triggers fire in name order
            "CREATE CONSTRAINT TRIGGER zz_refuse_numbered AFTER INSERT ON case_file DEFERRABLE "
            "INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.description = 'ปฏิเสธ') "
            "EXECUTE FUNCTION test_refuse_numbered()"))
    try:
        refused = dataclasses.replace(_command(), description="ปฏิเสธ")
        with pytest.raises(DBAPIError, match="refused after its number"):
            await filing.file_case(lambda: UnitOfWork(db), volunteer, refused, now, CAL, Settings().vault)
    finally:
        async with db.engine.begin() as connection:
            await connection.execute(text("DROP TRIGGER zz_refuse_numbered ON case_file"))
            await connection.execute(text("DROP FUNCTION test_refuse_numbered()"))
    second = await filing.file_case(lambda: UnitOfWork(db), volunteer, _command(), now, CAL, Settings().vault)
    prefix, number = first.reference.rsplit("-", 1)
    assert second.reference == f"{prefix}-{int(number) + 1:06d}"
    async with db.read_sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Case))).scalar_one() == 2


@pytest.mark.postgresql_only
async def test_a_case_numbered_in_its_transaction_keeps_its_number(db: Database) -> None:
    """A case given its reference before the commit (as an API process older than migration
    0016 does during a rolling deploy: it inserts the case unnumbered, then numbers it and
    UPDATEs its row in the same transaction) is not numbered again: no number is used up."""
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)
    prefix, number = first.reference.rsplit("-", 1)
    own, new_id = f"{prefix}-{int(number) + 1:06d}", uuid.uuid4()
    columns = [c.name for c in Case.__table__.columns]  # type: ignore[attr-defined]
    copied = ", ".join(":id" if c == "id" else ":unnumbered" if c == "reference" else c for c in columns)
    async with db.engine.begin() as connection:  # the older process's transaction
        await connection.execute(text(f"INSERT INTO case_file ({', '.join(columns)}) "
                                      f"SELECT {copied} FROM case_file WHERE id = :first"),
                                 {"id": new_id, "unnumbered": "~older-process", "first": first.id})
        await connection.execute(text(
            "UPDATE case_sequence SET last_value = last_value + 1 WHERE province_code = '43'"))
        await connection.execute(text("UPDATE case_file SET reference = :own WHERE id = :id"),
                                 {"own": own, "id": new_id})
    async with db.read_sessions() as session:
        stored = await session.get(Case, new_id)
    assert stored is not None and stored.reference == own  # the trigger left it as it was
    volunteer = await principal(db, "vol.naimueang")
    after = await filing.file_case(lambda: UnitOfWork(db), volunteer, _command(), now, CAL, Settings().vault)
    assert after.reference == f"{prefix}-{int(number) + 2:06d}"


@pytest.mark.postgresql_only
async def test_a_filing_that_waits_2_s_for_a_stuck_counter_is_refused_as_unavailable(db: Database) -> None:
    now = datetime.now(UTC)
    first, _ = await file_case_directly(db, now)
    volunteer = await principal(db, "vol.naimueang")
    async with db.engine.connect() as stuck:  # holds the counter, as a stuck transaction would
        await stuck.execute(text("SELECT 1 FROM case_sequence WHERE province_code = '43' FOR UPDATE"))
        started = asyncio.get_running_loop().time()
        with pytest.raises(DatabaseUnavailable):
            async with asyncio.timeout(15):
                await filing.file_case(lambda: UnitOfWork(db), volunteer, _command(), now, CAL, Settings().vault)
        waited = asyncio.get_running_loop().time() - started
        await stuck.rollback()
    assert 1.5 < waited < 10, waited
    async with db.read_sessions() as session:  # nothing of it was stored
        assert (await session.execute(select(func.count()).select_from(Case))).scalar_one() == 1
    again = await filing.file_case(lambda: UnitOfWork(db), volunteer, _command(), now, CAL, Settings().vault)
    prefix, number = first.reference.rsplit("-", 1)
    assert again.reference == f"{prefix}-{int(number) + 1:06d}"


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


@pytest.mark.postgresql_only
async def test_a_filer_told_nothing_as_it_commits_reads_its_reference(db: Database, db_url: str) -> None:
    """The reference told with the commit's answer is a shortcut: a connection that hears no
    notices (`client_min_messages` above NOTICE) reads the reference after the commit, and
    answers the same numbers."""
    deaf = open_database(db_url, connect_args={"server_settings": {"client_min_messages": "warning"}})
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()).upper())

    try:
        first, _ = await file_case_directly(deaf, datetime.now(UTC))
        event.listen(deaf.engine.sync_engine, "before_cursor_execute", seen)
        second, _ = await file_case_directly(deaf, datetime.now(UTC))
    finally:
        await deaf.dispose()
    assert any(s.startswith("SELECT CASE_FILE.REFERENCE") for s in sent), sent
    prefix, number = first.reference.rsplit("-", 1)
    assert second.reference == f"{prefix}-{int(number) + 1:06d}"
    async with db.read_sessions() as session:
        stored = (await session.execute(select(Case.reference).where(Case.id == second.id))).scalar_one()
    assert stored == second.reference
