"""What users ask of outreach: plain values parsed at the edge."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.outreach.models import EventKind
from domain.outreach.rules import Breakdown


@dataclass(frozen=True)
class RecordNeed:
    client_id: uuid.UUID | None
    service_code: str
    people_count: int
    subdistrict_code: str | None = None  # default: the volunteer's own sub-district
    note: str | None = None
    captured_at: datetime | None = None


@dataclass(frozen=True)
class Offer:
    org_unit_code: str
    service_codes: tuple[str, ...]


@dataclass(frozen=True)
class PlanEvent:
    kind: EventKind
    title: str
    subdistrict_code: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    offers: tuple[Offer, ...] = ()
    capacity: int | None = None
    # None: the active volunteers of the venue's district (its sub-district and neighbours)
    volunteer_usernames: tuple[str, ...] | None = None
    client_id: uuid.UUID | None = None


@dataclass(frozen=True)
class UpdateChecklist:
    event_id: uuid.UUID
    venue_ready: bool
    people_invited: int | None = None


@dataclass(frozen=True)
class RecordServiceAttendance:
    client_id: uuid.UUID | None
    event_id: uuid.UUID
    org_unit_code: str
    service_code: str
    people_served: int
    breakdown: Breakdown = field(default_factory=Breakdown)
    captured_at: datetime | None = None


@dataclass(frozen=True)
class RecordMeetingAttendance:
    client_id: uuid.UUID | None
    event_id: uuid.UUID
    volunteer_usernames: tuple[str, ...] = ()  # empty: the volunteer recording it
    topics: str | None = None
    captured_at: datetime | None = None
