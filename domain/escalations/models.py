"""Escalations that fired (one row per referral, deadline and level) and legal-clock extensions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.db import UTCDateTime


class Escalation(SQLModel, table=True):
    """A level reached on a deadline. The unique key makes each level fire exactly once,
    however many workers run the sweep and however often."""

    __tablename__ = "escalation"
    __table_args__ = (UniqueConstraint("referral_id", "deadline", "level",
                                       name="uq_escalation_referral_deadline_level"),)

    id: int | None = Field(default=None, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id")
    case_id: uuid.UUID = Field(foreign_key="case_file.id", index=True)
    deadline: str = Field(max_length=8)
    level: int
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ExtensionStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class DeadlineExtension(SQLModel, table=True):
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
