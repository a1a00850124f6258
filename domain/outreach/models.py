"""Outreach tables: the services offered at events, needs of the area, events, who attends
and who prepares, and attendance (counts only, no names)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Integer, Text
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class EventKind(StrEnum):
    MOBILE_UNIT = "MOBILE_UNIT"
    NETWORK_MEETING = "NETWORK_MEETING"
    TRAINING = "TRAINING"


class EventStatus(StrEnum):
    PLANNED = "PLANNED"
    ANNOUNCED = "ANNOUNCED"
    HELD = "HELD"
    REPORTED = "REPORTED"
    CANCELLED = "CANCELLED"


_event_version = Column("version", Integer, nullable=False)


class OutreachService(Table, table=True):
    """A service offered at events: the national list (`province_code` null) and the ones a
    province adds for itself."""

    __tablename__ = "outreach_service"

    code: str = Field(primary_key=True, max_length=40)
    province_code: str | None = Field(default=None, max_length=2, index=True)
    name_th: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    agency_code: str | None = Field(default=None, max_length=8)  # the agency that usually offers it
    active: bool = True


class AreaNeed(Table, table=True):
    """What the people of a sub-district ask for, as a volunteer recorded it. The id is the
    device's client id, so an offline record sent twice is stored once."""

    __tablename__ = "area_need"
    __table_args__ = (Index("ix_area_need_province_recorded", "province_code", "recorded_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subdistrict_code: str = Field(foreign_key="area.code", max_length=6, index=True)
    district_code: str = Field(max_length=4, index=True)
    province_code: str = Field(max_length=2)
    service_code: str = Field(foreign_key="outreach_service.code", max_length=40)
    people_count: int
    note: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    captured_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class OutreachEvent(Table, table=True):
    """A mobile service unit, network meeting or training, planned by a coordinator."""

    __tablename__ = "outreach_event"
    __table_args__ = (
        Index("ix_outreach_event_province_starts", "province_code", "starts_at"),
        Index("ix_outreach_event_status_starts", "status", "starts_at"),
    )
    __mapper_args__ = {"version_id_col": _event_version, "version_id_generator": False}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=12)
    title: str = Field(max_length=300)
    subdistrict_code: str = Field(foreign_key="area.code", max_length=6)
    district_code: str = Field(max_length=4, index=True)
    province_code: str = Field(max_length=2)
    venue: str = Field(max_length=300)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    fiscal_year: int
    capacity: int | None = None
    planned_by_id: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    announced_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    held_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reported_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    cancel_reason: str | None = Field(default=None, max_length=1000)
    report_note: str | None = Field(default=None, sa_column=Column(Text))
    version: int = Field(default=1, sa_column=_event_version)


class EventOffer(Table, table=True):
    """One service one attending office offers at an event."""

    __tablename__ = "outreach_event_offer"

    event_id: uuid.UUID = Field(foreign_key="outreach_event.id", primary_key=True)
    org_unit_code: str = Field(foreign_key="org_unit.code", primary_key=True, max_length=20,
                               index=True)
    service_code: str = Field(foreign_key="outreach_service.code", primary_key=True, max_length=40)


class EventVolunteer(Table, table=True):
    """A volunteer assigned to prepare and invite (mobile units) or to attend (meetings,
    training), with their checklist and, for meetings, whether they came."""

    __tablename__ = "outreach_event_volunteer"

    event_id: uuid.UUID = Field(foreign_key="outreach_event.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", primary_key=True, index=True)
    venue_ready: bool = False
    people_invited: int | None = None
    checklist_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    attended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    attendance_client_id: uuid.UUID | None = None
    topics: str | None = Field(default=None, sa_column=Column(Text))


class ServiceAttendance(Table, table=True):
    """People served at a mobile unit for one service of one office, as one batch recorded at
    the venue: counts only. The id is the device's client id (idempotent replay)."""

    __tablename__ = "outreach_attendance"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(foreign_key="outreach_event.id", index=True)
    org_unit_code: str = Field(foreign_key="org_unit.code", max_length=20)
    service_code: str = Field(foreign_key="outreach_service.code", max_length=40)
    people_served: int
    men: int | None = None
    women: int | None = None
    other_gender: int | None = None
    age_under_25: int | None = None
    age_25_to_59: int | None = None
    age_60_plus: int | None = None
    recorded_by_id: uuid.UUID = Field(foreign_key="app_user.id")
    captured_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
