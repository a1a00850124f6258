"""Cases, their referrals, and the append-only history of both."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Float, Index, Integer, LargeBinary, Numeric, Text, UniqueConstraint, text
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class EventType(StrEnum):
    FILED = "FILED"
    ROUTED = "ROUTED"
    ACCEPTED = "ACCEPTED"
    HELD = "HELD"
    RESUMED = "RESUMED"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    REDIRECTED = "REDIRECTED"
    NOTE = "NOTE"
    STATUS_CHANGED = "STATUS_CHANGED"
    CASE_REJECTED = "CASE_REJECTED"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"
    SATISFACTION_RECORDED = "SATISFACTION_RECORDED"
    DEADLINE_WARNING = "DEADLINE_WARNING"
    ESCALATED = "ESCALATED"
    DEADLINES_MOVED = "DEADLINES_MOVED"
    EXTENSION_REQUESTED = "EXTENSION_REQUESTED"
    EXTENSION_DECIDED = "EXTENSION_DECIDED"
    LEGAL_HOLD_CHANGED = "LEGAL_HOLD_CHANGED"
    ASSIGNED = "ASSIGNED"
    HANDED_OVER = "HANDED_OVER"  # the case's volunteer left or moved: another follows it up
    UNASSIGNED = "UNASSIGNED"  # its officer left the office
    ATTACHED = "ATTACHED"  # a photo or document was added (data: attachment id, kind, bytes)


class ReferralOutcome(StrEnum):
    RESOLVED = "RESOLVED"
    PARTIALLY_RESOLVED = "PARTIALLY_RESOLVED"
    NOT_UPHELD = "NOT_UPHELD"
    REFERRED_OUTSIDE = "REFERRED_OUTSIDE"
    WITHDRAWN = "WITHDRAWN"


class ContactPreference(StrEnum):
    PHONE = "PHONE"
    VIA_VOLUNTEER = "VIA_VOLUNTEER"
    NONE = "NONE"


# The version a person edits: every change a person makes raises it (see `touch`), and
# an UPDATE whose row moved on meanwhile fails (StaleDataError). Changes the system makes
# on its own (an escalation level, a moved deadline) do not raise it, so an officer's
# `expectedVersion` stays valid while a referral escalates under them.
_case_version = Column("version", Integer, nullable=False)
_referral_version = Column("version", Integer, nullable=False)


class Case(Table, table=True):
    """A citizen's labour problem, owned by the volunteer who filed it."""

    __tablename__ = "case_file"
    __table_args__ = (
        Index("ix_case_file_province_status", "province_code", "status"),
        # A volunteer's list, newest first (domain/cases/repository.py `_cases_page`): the cases
        # they filed, and those shared with the volunteers of a sub-district.
        Index("ix_case_file_filed_by_newest", "filed_by_id", "received_at", "id"),
        Index("ix_case_file_shared_received", "subdistrict_code", "received_at", "id",
              postgresql_where=text("shared_with_volunteers"), sqlite_where=text("shared_with_volunteers = 1")),
        Index("ix_case_file_received", "received_at", "id"),
        # Exact lookups and the duplicate warning at filing (same citizen, open, recent).
        Index("ix_case_file_citizen_hash", "citizen_national_id_hash", "received_at"),
        # The retention job: closed cases not yet anonymised.
        Index("ix_case_file_retention", "closed_at",
              postgresql_where=text("anonymised_at IS NULL AND closed_at IS NOT NULL"),
              sqlite_where=text("anonymised_at IS NULL AND closed_at IS NOT NULL")),
        # Resolved cases waiting for satisfaction or to close themselves (issue 3 reminders).
        Index("ix_case_file_resolved", "resolved_at", postgresql_where=text("status = 'RESOLVED'"),
              sqlite_where=text("status = 'RESOLVED'")),
    )
    __mapper_args__ = {"version_id_col": _case_version, "version_id_generator": False}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(max_length=24, unique=True)
    fiscal_year: int
    category_code: str = Field(foreign_key="category.code", max_length=40, index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    subdistrict_code: str = Field(foreign_key="area.code", max_length=6, index=True)
    district_code: str = Field(max_length=4, index=True)
    province_code: str = Field(max_length=2)
    priority: str = Field(max_length=10)
    status: str = Field(max_length=12)
    shared_with_volunteers: bool = False
    filed_by_id: uuid.UUID = Field(foreign_key="app_user.id")
    captured_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    escalation_level: int = 0
    version: int = Field(default=1, sa_column=_case_version)
    # The citizen: personal data under the PDPA, stored sealed (domain/vault.py)
    # under the key `citizen_key_id`; `citizen_national_id_hash` is the keyed hash for exact
    # lookups. All of them are blanked when the case is anonymised.
    citizen_name_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    citizen_national_id_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    citizen_phone_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    citizen_key_id: str | None = Field(default=None, max_length=16)
    citizen_national_id_hash: str | None = Field(default=None, max_length=64)
    citizen_contact_preference: str = Field(default=ContactPreference.VIA_VOLUNTEER, max_length=16)
    citizen_consent_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The employer, where there is one.
    employer_name: str | None = Field(default=None, max_length=300)
    employer_juristic_id: str | None = Field(default=None, max_length=13)
    employer_address: str | None = Field(default=None, max_length=500)
    # What the citizen says they are owed (wages, compensation), as the volunteer took it down.
    amount_claimed_thb: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(14, 2), nullable=True)
    )
    # On resolution.
    outcome: str | None = Field(default=None, max_length=24)
    amount_recovered_thb: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(14, 2), nullable=True)
    )
    satisfaction: int | None = None
    satisfaction_asked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # PDPA: a case on legal hold is never anonymised by the retention job.
    legal_hold: bool = False
    anonymised_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Issue 16: filed at an outreach event (checked by domain/outreach/filing.py).
    event_id: uuid.UUID | None = Field(default=None, foreign_key="outreach_event.id", index=True)


class Referral(Table, table=True):
    """One leg of a case, sent to one org unit, with its own hand-shake and deadlines."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_unit_status_due", "org_unit_code", "status", "next_due_at"),
        # The escalation sweep reads only referrals with a level still to come (issue 3).
        Index("ix_referral_escalation_due", "next_escalation_at",
              postgresql_include=["id"],  # the sweep's ids come from the index alone
              postgresql_where=text("next_escalation_at IS NOT NULL"),
              sqlite_where=text("next_escalation_at IS NOT NULL")),
        Index("ix_referral_held", "held_at", postgresql_where=text("status = 'ON_HOLD'"),
              sqlite_where=text("status = 'ON_HOLD'")),
    )
    __mapper_args__ = {"version_id_col": _referral_version, "version_id_generator": False}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case_file.id", index=True)
    org_unit_code: str = Field(foreign_key="org_unit.code", max_length=20)
    status: str = Field(max_length=12)
    is_current: bool = True
    assigned_to_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    predecessor_id: uuid.UUID | None = Field(default=None, foreign_key="referral.id")
    routing_rule_id: int | None = Field(default=None, foreign_key="routing_rule.id")
    reason: str | None = Field(default=None, sa_column=Column(Text))
    outcome: str | None = Field(default=None, max_length=24)
    amount_recovered_thb: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(14, 2), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    accepted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    accept_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    resolve_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    next_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    escalation_level: int = 0
    # Deadline clocks (issue 3): the next instant a level comes due, time spent on hold,
    # and the legal clock of DLPW wage and dismissal complaints (never paused).
    next_escalation_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    held_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    held_days: float = Field(default=0.0, sa_column=Column(Float, nullable=False, default=0.0))
    hold_reminded: bool = False
    legal_from: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    legal_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    version: int = Field(default=1, sa_column=_referral_version)


class CaseEvent(Table, table=True):
    """One entry of a case's history. Append-only: nothing updates or deletes it."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_case_id_id", "case_id", "id"),)

    # An increasing integer, so that the history reads in the order it was written.
    id: int | None = Field(default=None, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case_file.id")
    referral_id: uuid.UUID | None = Field(default=None, foreign_key="referral.id", index=True)
    type: str = Field(max_length=40)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str | None = Field(default=None, max_length=12)
    note: str | None = Field(default=None, sa_column=Column(Text))
    internal: bool = False
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class CaseSequence(Table, table=True):
    """The last reference number handed out per province and fiscal year (never reused)."""

    __tablename__ = "case_sequence"
    __table_args__ = (UniqueConstraint("province_code", "fiscal_year"),)

    id: int | None = Field(default=None, primary_key=True)
    province_code: str = Field(max_length=2)
    fiscal_year: int
    last_value: int = 0


def touch(row: Case | Referral) -> None:
    """Record that a person changed the row: its version goes up by one."""
    row.version += 1


class Escalation(Table, table=True):
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
