"""The in-app inbox and the deliveries of each message over the other channels."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class NotificationKind(StrEnum):
    NEW_REFERRAL = "NEW_REFERRAL"
    DEADLINE_WARNING = "DEADLINE_WARNING"
    ESCALATION = "ESCALATION"
    ON_HOLD_REMINDER = "ON_HOLD_REMINDER"
    SATISFACTION_REQUEST = "SATISFACTION_REQUEST"
    CASE_CLOSED = "CASE_CLOSED"
    MORNING_DIGEST = "MORNING_DIGEST"
    EXTENSION_REQUESTED = "EXTENSION_REQUESTED"
    EXTENSION_DECIDED = "EXTENSION_DECIDED"
    CASE_UPDATE = "CASE_UPDATE"
    BACK_TO_TRIAGE = "BACK_TO_TRIAGE"
    REFERRAL_ASSIGNED = "REFERRAL_ASSIGNED"
    CASES_HANDED_OVER = "CASES_HANDED_OVER"
    REFERRALS_UNASSIGNED = "REFERRALS_UNASSIGNED"
    # issue 16: outreach events
    EVENT_ANNOUNCED = "EVENT_ANNOUNCED"
    EVENT_REMINDER = "EVENT_REMINDER"
    EVENT_FOLLOW_UP = "EVENT_FOLLOW_UP"


class Notification(Table, table=True):
    """One message to one user; lands in the inbox at once. `key` makes it idempotent."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_notification_user_key"),
        Index("ix_notification_user_created", "user_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id")
    key: str = Field(max_length=160)
    kind: str = Field(max_length=24)
    case_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    subject: str = Field(max_length=300)
    body_th: str = Field(sa_column=Column(Text, nullable=False))
    body_en: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class Delivery(Table, table=True):
    """A notification sent over one channel (e-mail today; SMS or LINE are more channels)."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_delivery_notification_channel"),
        Index("ix_delivery_pending", "not_before",
              postgresql_where=text("status = 'PENDING'"), sqlite_where=text("status = 'PENDING'")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    notification_id: uuid.UUID = Field(foreign_key="notification.id")
    channel: str = Field(max_length=12)
    address: str = Field(max_length=254)
    status: str = Field(default=DeliveryStatus.PENDING, max_length=8)
    not_before: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error: str | None = Field(default=None, max_length=300)
