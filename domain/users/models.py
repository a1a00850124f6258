"""People who sign in, with a role and the area or org unit that scopes what they see."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class Role(StrEnum):
    VOLUNTEER = "VOLUNTEER"
    MENTOR = "MENTOR"
    COORDINATOR = "COORDINATOR"
    OFFICER = "OFFICER"
    SUPERVISOR = "SUPERVISOR"
    ADMIN = "ADMIN"


class User(Table, table=True):
    __tablename__ = "app_user"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    password_hash: str = Field(max_length=200)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=12)
    area_code: str | None = Field(default=None, foreign_key="area.code", max_length=6)
    org_unit_code: str | None = Field(
        default=None, foreign_key="org_unit.code", max_length=20, index=True
    )
    mentor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    email: str | None = Field(default=None, max_length=254)
    is_active: bool = True
    # The head of the org unit: told at escalation level 1 (issue 3).
    is_unit_head: bool = False
    # May approve an extension of a legal deadline (the Director-General's delegate).
    is_extension_approver: bool = False
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Issue 13: a phone to reach the person, when they last signed in, and one-time codes.
    phone: str | None = Field(default=None, max_length=20)
    last_sign_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    deactivated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # A one-time code an admin or coordinator issued: stored hashed, valid until it expires;
    # signing in with it obliges the user to choose a new password.
    reset_code_hash: str | None = Field(default=None, max_length=200)
    reset_code_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    must_change_password: bool = False


class LoginThrottle(Table, table=True):
    """Failed sign-ins counted per username and per client address (issue 6).

    `key` is a SHA-256 of `user:<username>` or `ip:<address>`, so neither an attacker's
    guesses nor addresses are stored in clear, and a username that does not exist is
    counted exactly like one that does.
    """

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    window_started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
