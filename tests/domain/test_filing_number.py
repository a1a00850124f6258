"""A filing takes its reference number last of all (domain/cases/filing.py). Taking it locks
the province's counter row until the commit, and every other filing of that province waits for
the lock: under load (bench/load.py, issue 11) the filings queued behind it held the pool's
connections until every request of the process waited. So the case is inserted under a
placeholder, and the number is taken and written at the commit: only the commit's own
statement and the COMMIT follow it. The numbers stay gapless: a filing that rolls back gives its number back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from domain.cases.models import Case, CaseEvent
from domain.db import Database
from tests.factories import file_case_directly


class Rollback(Exception):
    pass


async def test_after_its_number_a_filing_only_inserts_its_rows_and_commits(db: Database, backend: str) -> None:
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
    until = sent.index("COMMIT", at)
    taken = sent[at:until]
    if backend == "postgresql":
        # one statement takes the number and writes the reference; then only the commit's one
        # statement of jobs, access entries and rollups (on SQLite it runs unseen by
        # SQLAlchemy's events: domain/commit_writes.py)
        assert len(taken) == 2 and "UPDATE CASE_FILE SET REFERENCE" in taken[0], taken
        assert taken[0].startswith("WITH") and taken[1].startswith("WITH W0 AS"), taken
    else:  # SQLite, one writer at a time: the upsert, then the reference
        assert [t.split(" (")[0].split(" SET ")[0] for t in taken] == [
            "INSERT INTO CASE_SEQUENCE", "UPDATE CASE_FILE"], taken
    before = [s.split(" (")[0] for s in sent[:at]]
    for insert in ("INSERT INTO CASE_FILE", "INSERT INTO REFERRAL", "INSERT INTO CASE_EVENT"):
        assert insert in before, (insert, before)  # all of them before the number

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

    def fail_once_numbered(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement.upper())
        if "UPDATE CASE_FILE SET REFERENCE" in sent[-1]:
            raise Rollback  # the number taken and written, the commit not reached

    engine = db.engine.sync_engine
    event.listen(engine, "after_cursor_execute", fail_once_numbered)
    try:
        with pytest.raises(Rollback):
            await file_case_directly(db, now)
    finally:
        event.remove(engine, "after_cursor_execute", fail_once_numbered)
    assert any("INSERT INTO CASE_SEQUENCE" in s for s in sent)
    second, _ = await file_case_directly(db, now)
    prefix, number = first.reference.rsplit("-", 1)
    assert second.reference == f"{prefix}-{int(number) + 1:06d}"
    async with db.read_sessions() as session:
        references = (await session.execute(select(Case.reference).order_by(Case.reference))).scalars().all()
    assert references == [first.reference, second.reference]
