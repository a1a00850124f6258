"""`Database.write_alone`: rows committed by themselves, all or none, also when written on a
read session's connection (the access log's VIEW entries of a request)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import exc, func, select, text

from domain.db import Database
from domain.privacy.models import AccessLogEntry
from domain.privacy.repository import _INSERT

REFUSE = {
    "sqlite": ["CREATE TRIGGER refuse_views BEFORE INSERT ON access_log WHEN NEW.detail = 'refused' "
               "BEGIN SELECT RAISE(ABORT, 'the entry is refused'); END"],
    "postgresql": ["CREATE FUNCTION refuse_views() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN IF NEW.detail = 'refused' THEN RAISE EXCEPTION 'the entry is refused'; END IF; "
                   "RETURN NEW; END $$",
                   "CREATE TRIGGER refuse_views BEFORE INSERT ON access_log "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_views()"],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER IF EXISTS refuse_views"],
    "postgresql": ["DROP TRIGGER IF EXISTS refuse_views ON access_log", "DROP FUNCTION IF EXISTS refuse_views()"],
}


def _rows(request_id: str, details: list[str | None]) -> list[dict[str, object]]:
    return [{"at": datetime.now(UTC), "user_id": None, "request_id": request_id, "action": "VIEW",
             "case_id": None, "subject_hash": None, "detail": detail, "reason": None} for detail in details]


async def _written(db: Database, request_id: str) -> int:
    async with db.read_sessions() as session:
        return (await session.execute(select(func.count()).select_from(AccessLogEntry).where(
            AccessLogEntry.request_id == request_id))).scalar_one()  # type: ignore[arg-type]


async def _run(db: Database, statements: list[str]) -> None:
    async with db.write_sessions() as session, session.begin():
        for statement in statements:
            await session.execute(text(statement))


@pytest.mark.parametrize("on_read_session", [False, True])
async def test_rows_are_written_all_or_none(db: Database, on_read_session: bool) -> None:
    kind = db.dialect
    written, refused = f"written-{uuid.uuid4().hex[:8]}", f"refused-{uuid.uuid4().hex[:8]}"
    await _run(db, REFUSE[kind])
    try:
        async with db.read_sessions() as session:
            on = session if on_read_session else None
            await db.write_alone(_INSERT, _rows(written, [None, None, None]), on=on)
            with pytest.raises(exc.DBAPIError, match="the entry is refused"):
                await db.write_alone(_INSERT, _rows(refused, [None, None, "refused", None]), on=on)
            # committed as it ran: another connection sees the rows at once
            assert await _written(db, written) == 3
    finally:
        await _run(db, ALLOW[kind])
    assert (await _written(db, written), await _written(db, refused)) == (3, 0)


async def test_only_a_read_session_is_written_on(db: Database) -> None:
    request_id = f"tx-{uuid.uuid4().hex[:8]}"
    async with db.read_transactions() as session:
        with pytest.raises(ValueError, match="read session only"):
            await db.write_alone(_INSERT, _rows(request_id, [None]), on=session)
    assert await _written(db, request_id) == 0
