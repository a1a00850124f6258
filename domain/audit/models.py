"""The admin audit log: who changed which user or which piece of reference data, when, from
what to what. Append-only; no password, reset code or national ID is ever written here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class AdminAuditEntry(Table, table=True):
    """One change. The code has no path that updates or deletes it."""

    __tablename__ = "admin_audit"
    __table_args__ = (
        Index("ix_admin_audit_at", "at"),
        Index("ix_admin_audit_target", "target_type", "target_id", "id"),
        Index("ix_admin_audit_actor", "actor_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")  # None: the system
    request_id: str | None = Field(default=None, max_length=64)
    # e.g. USER_CREATED, USER_DEACTIVATED, PASSWORD_RESET_ISSUED, CATEGORY_CHANGED, HOLIDAY_ADDED
    action: str = Field(max_length=40)
    target_type: str = Field(max_length=20)  # USER, CATEGORY, ROUTING_RULE, ORG_UNIT, HOLIDAY, ...
    target_id: str = Field(max_length=80)    # a user's username, a category's code, a day, ...
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
