"""A filing takes its reference number last (domain/cases/filing.py). The number's upsert locks
the province's counter row until the commit, and every other filing of that province waits
for the lock. Under load it was the only lock anyone waited on (bench/load.py, issue 11), so
after it a filing sends only its own inserts and the commit. The numbers stay gapless: a
filing that rolls back gives its number back."""

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
    (at,) = [i for i, s in enumerate(sent) if s.startswith("INSERT INTO CASE_SEQUENCE")]
    until = sent.index("COMMIT", at)
    after = [s.split(" (")[0] for s in sent[at + 1:until]]
    inserts = ["INSERT INTO CASE_FILE", "INSERT INTO REFERRAL", "INSERT INTO CASE_EVENT"]
    if backend == "postgresql":
        # then the commit's one statement of jobs, access entries and rollups (on SQLite it
        # runs unseen by SQLAlchemy's events: domain/commit_writes.py)
        assert after[:3] == inserts and after[3].startswith("WITH") and len(after) == 4, after
    else:
        assert list(dict.fromkeys(after)) == inserts, after  # one insert per history entry

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
        sent.append(statement)
        if statement.lstrip().upper().startswith("INSERT INTO CASE_EVENT"):
            raise Rollback  # after the number was taken and the case inserted

    event.listen(db.engine.sync_engine, "before_cursor_execute", fail_at_commit)
    try:
        with pytest.raises(Rollback):
            await file_case_directly(db, now)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", fail_at_commit)
    assert any(s.lstrip().upper().startswith("INSERT INTO CASE_SEQUENCE") for s in sent)
    second, _ = await file_case_directly(db, now)
    prefix, number = first.reference.rsplit("-", 1)
    assert second.reference == f"{prefix}-{int(number) + 1:06d}"
    async with db.read_sessions() as session:
        references = (await session.execute(select(Case.reference).order_by(Case.reference))).scalars().all()
    assert references == [first.reference, second.reference]
