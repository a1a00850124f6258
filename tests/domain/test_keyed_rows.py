"""A loader's batch read past SQLAlchemy's execution (domain/quick_reads.py `KeyedRows`), on
both databases: the rows, values, types and order a session's query gives, as detached
entities; any number of keys; only on a read session; errors as SQLAlchemy raises them, the
keys kept out of them, and on PostgreSQL a failed connection not given out again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from domain.cases import referrals
from domain.cases import repository as cases
from domain.cases.commands import AcceptReferral, CompleteReferral
from domain.cases.models import Case, CaseEvent, ReferralOutcome
from domain.db import Database
from domain.quick_reads import KeyedRows
from domain.unavailable import database_unavailable
from domain.uow import UnitOfWork
from tests.databases import statements_sent
from tests.factories import CAL, file_case_directly, principal

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def _values(row: object) -> list[tuple[str, object, type]]:
    return [(c.key, getattr(row, c.key), type(getattr(row, c.key)))
            for c in type(row).__table__.columns]  # type: ignore[attr-defined]


async def _two_cases(db: Database) -> list[uuid.UUID]:
    """Two cases, one with its referral completed with an amount (every kind of column set)."""
    first, referral = await file_case_directly(db, NOW)
    second, _ = await file_case_directly(db, NOW + timedelta(minutes=5))
    officer = await principal(db, "dlpw.nongkhai")
    async with UnitOfWork(db) as uow:
        await referrals.act_on_referral(uow, officer, AcceptReferral(referral.id), NOW + timedelta(hours=1), CAL)
    async with UnitOfWork(db) as uow:
        await referrals.act_on_referral(uow, officer, CompleteReferral(
            referral.id, ReferralOutcome.RESOLVED, note="ได้รับเงินครบ", amount_recovered_thb=Decimal("1234.56")),
            NOW + timedelta(hours=2), CAL)
    return [first.id, second.id]


async def test_a_batch_gives_the_rows_a_sessions_query_gives(db: Database) -> None:
    ids = await _two_cases(db)
    async with db.read_sessions() as session:
        expected = {
            "referrals": list(await cases.referrals_of(session, ids)),
            "events": list(await cases.events_of(session, ids, include_internal=True)),
            "cases": sorted(await cases.cases_by_ids(session, ids), key=lambda c: str(c.id)),
        }
        identities = {name: [inspect(r).identity_key for r in rows] for name, rows in expected.items()}
        expected_values = {name: [_values(r) for r in rows] for name, rows in expected.items()}
    async with db.read_sessions() as session:
        got = {
            "referrals": await cases.REFERRALS_OF_CASES.read(session, ids),
            "events": await cases.EVENTS_OF_CASES[True].read(session, ids),
            "cases": sorted(await cases.CASES_BY_IDS.read(session, ids), key=lambda c: str(c.id)),
        }
    for name, rows in got.items():
        assert [_values(r) for r in rows] == expected_values[name], name  # values, types, order
        assert [inspect(r).identity_key for r in rows] == identities[name], name
        assert all(inspect(r).detached and not inspect(r).modified for r in rows), name
    amounts = [r.amount_recovered_thb for r in got["referrals"] if r.amount_recovered_thb is not None]
    assert amounts == [Decimal("1234.56")]
    assert any(e.data for e in got["events"])  # the JSON column, decoded
    assert {e.note for e in got["events"]} >= {"ได้รับเงินครบ"}  # Thai, whole


async def test_a_batch_keeps_its_own_filter_and_any_number_of_keys(db: Database) -> None:
    ids = await _two_cases(db)
    async with UnitOfWork(db) as uow:  # a staff-only note
        uow.session.add(CaseEvent(case_id=ids[1], type="NOTE_ADDED", at=NOW, note="ภายใน", internal=True))
    unknown = [uuid.uuid4() for _ in range(40_000)]  # past SQLite's 32,766 bound values
    async with db.read_sessions() as session:
        everyone = await cases.EVENTS_OF_CASES[False].read(session, [*unknown, ids[1], ids[1]])
        staff = await cases.EVENTS_OF_CASES[True].read(session, [ids[1]])
        assert await cases.REFERRALS_OF_CASES.read(session, []) == []
    assert "ภายใน" not in {e.note for e in everyone} and "ภายใน" in {e.note for e in staff}
    assert len(staff) == len(everyone) + 1 and {e.case_id for e in everyone} == {ids[1]}


async def test_a_batch_reads_on_read_sessions_only(db: Database) -> None:
    ids = await _two_cases(db)
    async with UnitOfWork(db) as uow:
        with pytest.raises(ValueError, match="read session"):
            await cases.REFERRALS_OF_CASES.read(uow.session, ids)  # it would read outside the transaction


async def test_a_failed_batch_is_raised_as_sqlalchemy_raises_it(db: Database) -> None:
    """A statement the database refuses (here: a column that is not there) is SQLAlchemy's
    DBAPIError, naming the SQL but not the keys, not an outage; the connection goes on."""
    refused = KeyedRows(Case, Case.id, text("no_such_column = 1"))
    secret = uuid.uuid4()
    async with db.read_sessions() as session:
        connection = await session.connection()
        with pytest.raises(DBAPIError) as raised:
            await refused.read(session, [secret])
        assert not connection.invalidated  # a refused statement, not a lost connection
    assert "FROM case_file" in str(raised.value.statement)
    assert str(secret) not in str(raised.value) and secret.hex not in str(raised.value)
    assert not database_unavailable(raised.value)  # a bug, not an outage


@pytest.mark.postgresql_only
async def test_postgresql_a_connection_that_failed_is_not_given_out_again(db: Database) -> None:
    """The server ends the connection under a batch: the read is an outage (503, sent again),
    and the next read session gets a working connection, as after SQLAlchemy's own failures."""
    ids = await _two_cases(db)
    async with db.read_sessions() as session:
        connection = await session.connection()
        pid = (await connection.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
        async with db.engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as raised:
            await cases.REFERRALS_OF_CASES.read(session, ids)
        assert database_unavailable(raised.value)
        assert connection.invalidated  # never given out again by the pool
    async with db.read_sessions() as session:  # the pool held one connection: it is a new one
        connection = await session.connection()
        assert (await connection.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one() != pid
        assert len(await cases.REFERRALS_OF_CASES.read(session, ids)) == 2


async def test_whoever_counts_the_engines_statements_sees_a_batch(db: Database) -> None:
    """Sent past the engine, but told to its `before_cursor_execute` listeners (a test counting
    a page's statements for N+1, the bench), once per batch."""
    ids = await _two_cases(db)
    with statements_sent(db.engine) as seen:
        async with db.read_sessions() as session:
            await session.connection()
            seen.clear()
            await cases.REFERRALS_OF_CASES.read(session, ids)
    assert len(seen) == 1 and "FROM referral" in seen[0]
