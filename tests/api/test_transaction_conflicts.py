"""A deadlock the database breaks is not the officer's problem (issue 11).

Under load (bench/load.py, 120 requests/s) PostgreSQL once ended an acceptance's transaction
to break a deadlock, and the officer was answered an unexpected error. Nothing of such a
transaction is kept, so the API runs it again (domain/uow.py `in_transaction`), as
PostgreSQL's documentation advises; one that still conflicts after its attempts is answered
503 with Retry-After (tests/domain/test_in_transaction.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select, text

from domain.cases.models import CaseEvent, EventType
from domain.db import Database
from tests.factories import file_case_directly, principal
from tests.helpers import gql, login

ACCEPT = """mutation($id: ID!) { acceptReferral(referralId: $id) {
  __typename ... on AcceptReferralSuccess { referral { status } } } }"""


async def _waiting_for_a_lock(db: Database) -> int:
    async with db.engine.connect() as watcher:
        return int((await watcher.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"))).scalar_one())


@pytest.mark.postgresql_only
async def test_an_acceptance_the_database_ends_to_break_a_deadlock_is_run_again(
        client: httpx.AsyncClient, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """Another transaction holds the officer's row and then comes for the case the acceptance
    has locked: a deadlock, which PostgreSQL breaks by ending the acceptance (it waited first).
    The officer is answered as if nothing had happened, and the referral is accepted once."""
    case, referral = await file_case_directly(db, datetime.now(UTC))
    officer = await principal(db, "dlpw.nongkhai")
    token = await login(client, "dlpw.nongkhai")
    caplog.set_level(logging.INFO, logger="khortor.uow")
    async with asyncio.timeout(30), db.engine.connect() as other:
        await other.execute(text("SET LOCAL deadlock_timeout = '60s'"))  # the acceptance detects it
        await other.execute(text("SELECT 1 FROM app_user WHERE id = :id FOR UPDATE"), {"id": officer.user_id})
        accepting = asyncio.create_task(gql(client, ACCEPT, {"id": str(referral.id)}, token))
        while not await _waiting_for_a_lock(db):  # the acceptance holds the case, waits for the row
            assert not accepting.done(), accepting.result()
            await asyncio.sleep(0.01)
        await other.execute(text("SELECT 1 FROM case_file WHERE id = :id FOR UPDATE"), {"id": case.id})
        await other.commit()
        body = await accepting
    assert body == {"data": {"acceptReferral": {"__typename": "AcceptReferralSuccess",
                                                "referral": {"status": "ACCEPTED"}}}}
    async with db.read_sessions() as session:
        accepted = (await session.execute(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.referral_id == referral.id, CaseEvent.type == EventType.ACCEPTED))).scalar_one()
    assert accepted == 1
    assert any("40P01" in r.getMessage() and "again" in r.getMessage() for r in caplog.records)
