"""Legal-clock extensions: the one a referral may get, asked by an officer, decided by an approver."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class ExtensionStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class DeadlineExtension(Table, table=True):
    """The one extension a referral's legal clock may get (unique per referral)."""

    __tablename__ = "deadline_extension"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", unique=True)
    days: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=ExtensionStatus.REQUESTED, max_length=10)
    requested_by_id: uuid.UUID = Field(foreign_key="app_user.id")
    requested_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    decision_note: str | None = Field(default=None, sa_column=Column(Text))
