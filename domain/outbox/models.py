"""The transactional outbox: jobs written in the transaction that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class OutboxJob(Table, table=True):
    """A job (name + ids) to run after its transaction committed.

    A relay hands due rows to the workers and sets `next_attempt_at` a retry window ahead;
    the task marks the row done when it has run. A row the broker lost (Redis restarted)
    is handed over again when the window passes; a rolled-back transaction leaves no row.
    """

    __tablename__ = "outbox_job"
    __table_args__ = (
        Index("ix_outbox_job_due", "next_attempt_at",
              postgresql_where=text("done_at IS NULL"), sqlite_where=text("done_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    ids: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    attempts: int = 0
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
