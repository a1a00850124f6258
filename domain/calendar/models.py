"""Changes an admin made to the seeded holiday calendar."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class CalendarDay(Table, table=True):
    """A day whose status differs from the `holidays` package: an added holiday
    (`is_holiday`), or a seeded holiday that is a working day after all."""

    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    is_holiday: bool
    name: str = Field(max_length=200)
    changed_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
