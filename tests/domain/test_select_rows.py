"""A statement built once read past SQLAlchemy's execution (domain/quick_reads.py `select_rows`),
on both databases: the rows a session gives for it (each entity's values, types, identity and
order; other columns' values), for every kind of signed-in user; a value the statement holds
itself; a statement it cannot send (an expanding IN) left to the session; only on a read
session; errors as SQLAlchemy raises them, the values kept out of them."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam, event, func, inspect, literal, select, true, union_all
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.orm import aliased, load_only

from domain.cases import repository as cases
from domain.cases.commands import CaseFilter, ReferralFilter, ReferralSort
from domain.cases.models import Case, CaseSequence, Referral
from domain.db import Database
from domain.quick_reads import on_read_session, rows_to_change, select_rows, written_rows
from domain.unavailable import database_unavailable
from domain.uow import UnitOfWork
from tests.databases import statements_sent
from tests.factories import file_case_directly, principal

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
USERS = ("vol.naimueang", "vol.michai", "mentor.nongkhai", "ops.nongkhai", "dlpw.nongkhai", "sso.nongkhai",
         "sup.nongkhai", "sup.national", "admin")  # every role, and each shape of their statements


class _Undone(Exception):
    pass


def _values(row: object) -> list[tuple[str, object, type]]:
    return [(c.key, getattr(row, c.key), type(getattr(row, c.key)))
            for c in type(row).__table__.columns]  # type: ignore[attr-defined]


def _described(rows: Any) -> list[list[Any]]:
    """Each row's items: an entity by its values, types and identity; another value as it is."""
    return [[(_values(item), inspect(item).identity_key) if isinstance(item, Case | Referral) else item
             for item in row] for row in rows]


def _no_other_writer_begins(db: Database) -> None:
    """SQLite: another connection cannot begin writing (the write lock is held)."""
    other = sqlite3.connect(make_url(db.url).database or "", timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


async def _filed(db: Database, n: int = 3) -> list[tuple[Case, Referral]]:
    return [await file_case_directly(db, NOW + timedelta(minutes=i)) for i in range(n)]


@pytest.mark.parametrize("username", USERS)
async def test_the_rows_a_session_gives_for_each_kind_of_user(db: Database, username: str) -> None:
    """A visible case's lookup, a visible referral's, pages of cases and of referrals (counted or
    not): as the session reads them, whoever asks (each role's statement differs)."""
    filed = await _filed(db)
    who = await principal(db, username)
    statements = [
        cases._visible_statement("case", who, lambda visible: select(Case).where(
            visible, Case.id == bindparam("case"))),
        cases._visible_statement("referral", who, lambda visible: (
            select(Referral, Case).join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
            .where(Referral.id == bindparam("referral"), visible))),
    ]
    after = (filed[2][0].received_at, filed[2][0].id)  # the newest: the page after it has the others
    pages = [cases._cases_page(who, CaseFilter(), 2, None, counted=True), cases._cases_page(who, CaseFilter(), 2, None),
             cases._referrals_page(who, ReferralFilter(), NOW, 2, 0, counted=True),
             cases._referrals_page(who, ReferralFilter(), NOW, 2, 1),
             # a later page, and filters whose values are bound (a text's LIKE pattern, an area,
             # an instant compared on SQLite as text, another order)
             cases._cases_page(who, CaseFilter(text="ค้างจ่าย", area_code="4301"), 2, after),
             cases._cases_page(who, CaseFilter(text="43-"), 5, None, counted=True),
             cases._referrals_page(who, ReferralFilter(overdue=False, area_code="43", sort=ReferralSort.NEWEST),
                                   NOW + timedelta(days=1), 2, 0, counted=True),
             cases._referrals_page(who, ReferralFilter(escalated=False, text="43", sort=ReferralSort.ESCALATION),
                                   NOW, 5, 0)]
    runs = [(stmt, cases._rule_values(who, case=c.id, referral=r.id)) for stmt in statements for c, r in filed]
    runs += pages
    for stmt, values in runs:
        async with db.read_sessions() as session:
            expected = _described((await session.execute(stmt, values)).all())
        async with db.read_sessions() as session:
            got = await select_rows(session, stmt, values)
        assert got is not None
        assert _described(got) == expected
        assert all(inspect(item).detached and not inspect(item).modified
                   for row in got for item in row if isinstance(item, Case | Referral))
    if username in ("vol.naimueang", "dlpw.nongkhai"):  # the filer's cases, the office's referrals:
        async with db.read_sessions() as session:  # the comparison was not of nothing
            page = await select_rows(session, *pages[0 if username == "vol.naimueang" else 2])
            later = await select_rows(session, *pages[4 if username == "vol.naimueang" else 6])
        assert page is not None and len(page) == 3 and page[0][1] == 3  # a page of 2 reads 3, counted
        assert later  # the filters' values matched something


async def test_a_value_the_statement_holds_and_one_it_is_given(db: Database) -> None:
    filed = await _filed(db, 2)
    stmt = select(Case).where(Case.status == "ROUTED", Case.id == bindparam("id"))  # "ROUTED": held in the statement
    async with db.read_sessions() as session:
        rows = await select_rows(session, stmt, {"id": filed[1][0].id})
        assert rows is not None and [r[0].id for r in rows] == [filed[1][0].id]
        with pytest.raises(InvalidRequestError, match="'id'"):
            await select_rows(session, stmt, {})


async def test_a_value_given_overrides_the_one_the_statement_holds(db: Database) -> None:
    filed = await _filed(db, 1)
    stmt = select(Case.id).where(Case.status == bindparam("status", "ROUTED"))
    async with db.read_sessions() as session:
        assert await select_rows(session, stmt, {}) == [(filed[0][0].id,)]
        assert await select_rows(session, stmt, {"status": "CLOSED"}) == []


async def test_what_it_cannot_read_as_a_session_would_is_left_to_the_session(db: Database) -> None:
    """An expanding IN, a loader option, an alias, rows locked to be changed, a value computed
    at execution: None, the caller uses the session."""
    filed = await _filed(db, 2)
    ids = [c.id for c, _ in filed]
    statements = [
        select(Case).where(Case.id.in_(bindparam("ids", expanding=True))),  # type: ignore[attr-defined]
        select(Case).options(load_only(Case.reference)).where(Case.id == bindparam("id")),  # type: ignore[arg-type]
        select(aliased(Case)),
        select(Case).where(Case.id == bindparam("id")).with_for_update(),
        select(Case).where(Case.received_at < bindparam("at", callable_=lambda: NOW + timedelta(days=1))),  # type: ignore[operator]
    ]
    async with db.read_sessions() as session:
        for stmt in statements:
            assert await select_rows(session, stmt, {"ids": ids, "id": ids[0]}) is None, stmt
        assert {c.id for c in (await session.execute(statements[0], {"ids": ids})).scalars()} == set(ids)


async def test_an_outer_joined_entity_that_found_nothing_is_none_as_a_session_gives(db: Database) -> None:
    """An outer join's entity all NULL (nothing joined) is None, as the session's loading gives
    it; one that joined is the entity (a filing's client id check, `cases.case_by_id`)."""
    filed = await _filed(db, 2)
    one = select(literal(1).label("n")).subquery()
    stmts = [select(Case, Referral).outerjoin(Referral, (Referral.case_id == Case.id)  # type: ignore[arg-type]
                                              & (Referral.id == bindparam("id"))).order_by(Case.id),
             select(Case, one.c.n).select_from(one).outerjoin(Case, Case.id == bindparam("id"))]  # type: ignore[arg-type]
    async with db.read_sessions() as session:
        for stmt, found in zip(stmts, (filed[0][1].id, filed[0][0].id), strict=True):
            for wanted in (found, uuid.uuid4()):
                rows = await select_rows(session, stmt, {"id": wanted})
                expected = (await session.execute(stmt, {"id": wanted})).all()
                assert rows is not None and _described(rows) == _described(expected), stmt
                session.expunge_all()
    joined = await _rows_of(db, stmts[0], filed[0][1].id)
    assert [r[1] is None for r in joined] == [c.id != filed[0][0].id for c, _ in joined] and len(joined) == 2
    assert (await _rows_of(db, stmts[1], uuid.uuid4())) == [(None, 1)]


async def _rows_of(db: Database, stmt: Any, wanted: Any) -> list[tuple[Any, ...]]:
    async with db.read_sessions() as session:
        rows = await select_rows(session, stmt, {"id": wanted})
    assert rows is not None
    return rows


async def test_one_object_for_each_identity_as_a_session_gives(db: Database) -> None:
    filed = await _filed(db, 1)
    two = union_all(select(literal(1).label("n")), select(literal(2).label("n"))).subquery()
    stmt = select(Case, two.c.n).join(two, true()).where(Case.id == bindparam("id")).order_by(two.c.n)
    async with db.read_sessions() as session:
        rows = await select_rows(session, stmt, {"id": filed[0][0].id})
    assert rows is not None and [n for _, n in rows] == [1, 2]
    assert rows[0][0] is rows[1][0] and rows[0][0].id == filed[0][0].id


async def test_in_a_transaction_it_reads_what_the_transaction_sees(db: Database) -> None:
    """`in_transaction`: inside the session's transaction, its own uncommitted rows seen; the
    transaction begun by it when it is the first statement (on PostgreSQL by SQLAlchemy's
    adapter, which then sends no BEGIN of its own; on SQLite the BEGIN sent with it)."""
    filed = await _filed(db, 1)
    stmt = select(Case.id, Case.description).where(Case.id == bindparam("id"))
    with pytest.raises(_Undone):
        async with UnitOfWork(db) as uow:
            driver = (await (await uow.session.connection()).get_raw_connection()).driver_connection
            if db.dialect == "postgresql":
                assert not driver.is_in_transaction()  # SQLAlchemy's adapter begins at the first statement
            first = await select_rows(uow.session, stmt, {"id": filed[0][0].id}, in_transaction=True)
            assert first == [(filed[0][0].id, "นายจ้างค้างจ่ายค่าจ้างสองเดือน")]
            if db.dialect == "postgresql":
                assert driver.is_in_transaction()
                xid = select(func.txid_current().label("xid"))
                read = await select_rows(uow.session, xid, {}, in_transaction=True)
                assert read is not None and read == (await uow.session.execute(xid)).all()  # one transaction
            else:
                _no_other_writer_begins(db)  # its BEGIN IMMEDIATE went with it: the write lock is held
            case = await uow.session.get(Case, filed[0][0].id)
            assert case is not None
            case.description = "แก้ไขในธุรกรรม"
            await uow.session.flush()  # not committed: only this transaction sees it
            seen = await select_rows(uow.session, stmt, {"id": case.id}, in_transaction=True)
            assert seen == [(case.id, "แก้ไขในธุรกรรม")]
            async with db.read_sessions() as other:
                assert await select_rows(other, stmt, {"id": case.id}) == [(case.id, "นายจ้างค้างจ่ายค่าจ้างสองเดือน")]
            raise _Undone  # rolled back: nothing of it stays


async def test_only_on_a_read_session(db: Database) -> None:
    filed = await _filed(db, 1)
    who = await principal(db, "vol.naimueang")
    async with db.read_sessions() as session:
        assert on_read_session(session)
    async with UnitOfWork(db) as uow:
        assert not on_read_session(uow.session)
        with pytest.raises(ValueError, match="read session"):
            await select_rows(uow.session, select(Case).where(Case.id == bindparam("id")), {"id": filed[0][0].id})
        # the repository reads it through the transaction's session instead
        found = await cases.visible_case(uow.session, who, filed[0][0].id)
        assert found is not None and found in uow.session


async def test_a_refused_statement_is_raised_as_sqlalchemy_raises_it(db: Database) -> None:
    """A statement the database refuses is SQLAlchemy's DBAPIError, naming the SQL but not the
    values, not an outage; the connection goes on."""
    secret = "0812345678"
    stmt = select(Case.id).where(func.khortor_no_such_function(bindparam("ref")) == 1)
    async with db.read_sessions() as session:
        connection = await session.connection()
        with pytest.raises(DBAPIError) as raised:
            await select_rows(session, stmt, {"ref": secret})
        assert not connection.invalidated
    assert "FROM case_file" in str(raised.value.statement)
    assert secret not in str(raised.value)
    assert not database_unavailable(raised.value)


@pytest.mark.postgresql_only
async def test_postgresql_a_prepared_statement_refused_at_execution(db: Database) -> None:
    """Prepared already (a first read went through), refused when it runs (a division by zero):
    the same error, naming the SQL, not the values."""
    secret = "0812345678"
    stmt = select(Case.id).where(Case.reference != bindparam("secret"),
                                 literal(1) / bindparam("d", type_=Integer) == 1)
    async with db.read_sessions() as session:
        assert await select_rows(session, stmt, {"secret": secret, "d": 1}) == []
        connection = await session.connection()
        with pytest.raises(DBAPIError) as raised:
            await select_rows(session, stmt, {"secret": secret, "d": 0})
        assert not connection.invalidated
    assert "FROM case_file" in str(raised.value.statement) and "division by zero" in str(raised.value)
    assert secret not in str(raised.value) and not database_unavailable(raised.value)


@pytest.mark.postgresql_only
async def test_postgresql_a_connection_that_failed_is_not_given_out_again(db: Database) -> None:
    filed = await _filed(db, 1)
    who = await principal(db, "vol.naimueang")
    async with db.read_sessions() as session:
        connection = await session.connection()
        pid = (await connection.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
        async with db.engine.connect() as other:
            await other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        with pytest.raises(DBAPIError) as raised:
            await cases.visible_case(session, who, filed[0][0].id)
        assert database_unavailable(raised.value) and connection.invalidated
    async with db.read_sessions() as session:
        assert (await cases.visible_case(session, who, filed[0][0].id)) is not None


async def test_whoever_counts_the_engines_statements_sees_it(db: Database) -> None:
    filed = await _filed(db, 1)
    who = await principal(db, "vol.naimueang")
    with statements_sent(db.engine) as seen:
        async with db.read_sessions() as session:
            assert await cases.visible_case(session, who, filed[0][0].id) is not None
    assert len([s for s in seen if "FROM case_file" in s]) == 1, seen


async def test_a_write_with_returning_runs_inside_the_transaction_on_sqlite(db: Database) -> None:
    """`written_rows` (a filing's counter, `cases.next_number`): on SQLite inside the session's
    transaction, its BEGIN IMMEDIATE sent with it, its rows returned, seen by no one else until
    the commit and undone by a rollback, told to the engine's listeners; a refused write raised
    as SQLAlchemy raises it. On PostgreSQL None: the session's way."""
    async with UnitOfWork(db) as uow:
        if db.dialect == "postgresql":
            assert await written_rows(uow.session, cases._raise_sequence(), province="43", year=2570) is None
            return
    counted = select(CaseSequence.last_value).where(CaseSequence.province_code == bindparam("province"))
    with pytest.raises(_Undone):
        async with UnitOfWork(db) as uow:
            with statements_sent(db.engine) as seen:
                assert await cases.next_number(uow.session, "43", 2570) == 1
            assert [s for s in seen if s.startswith("INSERT INTO case_sequence")] == [seen[-1]], seen
            assert await cases.next_number(uow.session, "43", 2570) == 2
            assert await select_rows(uow.session, counted, {"province": "43"}, in_transaction=True) == [(2,)]
            _no_other_writer_begins(db)  # its BEGIN IMMEDIATE went with it: the write lock is held
            async with db.read_sessions() as session:
                assert await select_rows(session, counted, {"province": "43"}) == []
            raise _Undone
    async with UnitOfWork(db) as uow:
        assert await cases.next_number(uow.session, "43", 2570) == 1  # the rollback gave both back
        with pytest.raises(DBAPIError) as raised:
            await written_rows(uow.session, cases._raise_sequence(), province=None, year=2570)
    assert "INSERT INTO case_sequence" in str(raised.value.statement) and raised.value.params is None
    async with db.read_sessions() as session:
        assert await select_rows(session, counted, {"province": "43"}) == [(1,)]


async def test_rows_to_change_are_put_in_the_session_as_its_loading_puts_them(db: Database) -> None:
    """`rows_to_change` (an acceptance's reads, FOR UPDATE): the rows the session's query gives,
    each entity persistent in the session and unchanged, its change then flushed as any loaded
    row's (its version checked); locked on PostgreSQL. Left to the session (None after the read)
    when an entity read is in the session already, and (None, nothing read) when the session
    would flush its changes before a query (autoflush, which the databases' sessions turn off)."""
    filed = await _filed(db, 2)
    who = await principal(db, "dlpw.nongkhai")
    referral_id = filed[0][1].id
    stmt = cases._referrals_and_fired()
    with pytest.raises(_Undone):
        async with UnitOfWork(db) as uow:
            attached: list[Any] = []  # as a detached row is put in a session, not as its loading puts one
            event.listen(uow.session.sync_session, "detached_to_persistent", lambda _s, row: attached.append(row))
            locked = await cases.lock_case_of_referral(uow.session, who, referral_id)
            assert locked is not None and locked.id == filed[0][0].id and locked in uow.session
            assert attached == [locked]  # read past the session's execution (`rows_to_change`)
            rows = await rows_to_change(uow.session, stmt, {"case": locked.id})
            assert rows is not None and [r.id for r, _ in rows] == [referral_id]
            referral = rows[0][0]
            state = inspect(referral)
            assert state.persistent and referral in uow.session and not uow.session.dirty
            assert await uow.session.get(Referral, referral_id) is referral
            if db.dialect == "postgresql":  # locked: another transaction cannot have it
                async with UnitOfWork(db) as other:
                    with pytest.raises(DBAPIError, match="could not obtain lock"):
                        await other.session.execute(select(Referral.id).where(Referral.id == referral_id)
                                                    .with_for_update(nowait=True))
            version = referral.version
            referral.status, referral.version = "ACCEPTED", version + 1  # as `touch` changes it
            with statements_sent(db.engine) as seen:
                await uow.session.flush()  # written as a loaded row is: where its version still matches
            assert not uow.session.dirty and any(s.startswith("UPDATE referral") and "version" in s.split("WHERE")[1]
                                                 for s in seen), seen
            now = select(Referral.status, Referral.version).where(Referral.id == bindparam("id"))
            assert await select_rows(uow.session, now, {"id": referral_id}, in_transaction=True) == [
                ("ACCEPTED", version + 1)]
            assert await rows_to_change(uow.session, stmt, {"case": locked.id}) is None  # in the session already
            referral.reason = "ยังไม่ส่ง"  # a change not flushed, and not flushed by a read (no autoflush)
            others = await rows_to_change(uow.session, stmt, {"case": filed[1][0].id})
            assert others is not None and [r.case_id for r, _ in others] == [filed[1][0].id]
            assert [row is referral for row in uow.session.dirty] == [True]
            uow.session.sync_session.autoflush = True  # a query would flush first: the session's way
            with statements_sent(db.engine) as seen:
                assert await rows_to_change(uow.session, stmt, {"case": filed[1][0].id}) is None
            assert seen == []
            raise _Undone
    async with db.read_sessions() as session:
        stored = await session.get(Referral, referral_id)
    assert stored is not None and stored.status == "PENDING"  # rolled back
