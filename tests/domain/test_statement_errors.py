"""A failed statement's error names its SQL but never its values (PDPA): the values may be a
citizen's name, an ID or a note's free text, and such an error may be logged with its
traceback (a job that failed, domain/unavailable.py's line names only the error's kinds)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.db import Database

NAME = "สมศรี มีสุข"
NATIONAL_ID = "1101700207366"


async def test_a_failed_statements_error_does_not_carry_its_values(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(DBAPIError) as raised:
        async with db.read_sessions() as session:
            await session.execute(text("SELECT :name, :national_id FROM no_such_table"),
                                  {"name": NAME, "national_id": NATIONAL_ID})
    logging.getLogger("khortor.test").error("failed", exc_info=raised.value)
    assert "no_such_table" in str(raised.value)  # the statement is named
    for shown in (str(raised.value), caplog.text):
        assert NAME not in shown and NATIONAL_ID not in shown
