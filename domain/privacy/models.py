"""The access log: who read or changed a citizen's personal data, when, and why."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class AccessAction(StrEnum):
    VIEW = "VIEW"            # a case's citizen was shown with the name whole
    REVEAL = "REVEAL"        # national ID and phone shown whole, with a reason
    CHANGE = "CHANGE"        # a person changed the case (one entry per history event)
    LOOKUP = "LOOKUP"        # cases looked up by a national ID
    EXPORT = "EXPORT"        # a data-subject access request was answered
    ANONYMISE = "ANONYMISE"  # personal fields blanked (by a person or the retention job)
    VIEW_ATTACHMENT = "VIEW_ATTACHMENT"  # a file of the case (or its thumbnail) was opened


class AccessLogEntry(Table, table=True):
    """One access. Append-only: the code has no path that updates or deletes it."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_case", "case_id", "id"),
        Index("ix_access_log_user_action_at", "user_id", "action", "at"),
        Index("ix_access_log_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    user_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    request_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=20)
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case_file.id")
    # The keyed hash of the national ID a lookup, export or anonymisation was about.
    subject_hash: str | None = Field(default=None, max_length=64)
    # What was done (a history event type, an operation) and why, where a reason is asked.
    detail: str | None = Field(default=None, max_length=40)
    reason: str | None = Field(default=None, sa_column=Column(Text))
