"""Inputs of the outreach operations and their conversion to domain commands."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from api.cases.inputs import instant_problem
from api.ids import code, id_or_nil, optional_code
from api.outreach.types import OutreachEventKind, OutreachEventStatus
from domain.errors import ValidationFailed
from domain.outreach.commands import (Offer, PlanEvent, RecordMeetingAttendance, RecordNeed,
                                      RecordServiceAttendance, UpdateChecklist)
from domain.outreach.models import EventKind
from domain.outreach.rules import Breakdown


def _instant(field: str, value: datetime | None) -> datetime | None:
    problem = instant_problem(value)
    if problem is not None:
        raise ValidationFailed(field, f"The time {problem[0]}.", f"เวลา{problem[1]}", code="OUT_OF_RANGE")
    return value


@strawberry.input(description="A need of the area. Send the same `clientId` again to retry safely.")
class RecordAreaNeedInput:
    client_id: uuid.UUID | None = strawberry.field(default=None, description="A UUID chosen by the device.")
    service_code: str = strawberry.field(description="The service people ask for (`outreachServices`).")
    people_count: int = strawberry.field(description="Roughly how many people (0–100,000).")
    subdistrict_code: str | None = strawberry.field(
        default=None, description="6-digit sub-district in your area; default: your own.")
    note: str | None = strawberry.field(default=None, description="A note.")
    captured_at: datetime | None = strawberry.field(default=None, description="When it was captured on the device.")

    def command(self) -> RecordNeed:
        return RecordNeed(client_id=self.client_id, service_code=code(self.service_code),
                          people_count=self.people_count, subdistrict_code=optional_code(self.subdistrict_code),
                          note=self.note, captured_at=_instant("capturedAt", self.captured_at))


@strawberry.input(description="An office attending an event and the services it offers there.")
class EventOfficeInput:
    org_unit_code: str = strawberry.field(description="The office, e.g. SSO-43.")
    service_codes: list[str] = strawberry.field(description="The services it offers.")


@strawberry.input(description="A new event. Send the same `clientId` again to retry safely.")
class PlanEventInput:
    kind: OutreachEventKind = strawberry.field(description="What kind of event.")
    title: str = strawberry.field(description="Its title.")
    subdistrict_code: str = strawberry.field(description="6-digit sub-district of the venue, in your province.")
    venue: str = strawberry.field(description="The venue.")
    starts_at: datetime = strawberry.field(description="When it starts (in the future, with a time zone).")
    ends_at: datetime = strawberry.field(description="When it ends.")
    offices: list[EventOfficeInput] = strawberry.field(
        default_factory=list, description="Attending offices and their services (a mobile unit needs one).")
    capacity: int | None = strawberry.field(default=None, description="How many people it can serve.")
    volunteer_usernames: list[str] | None = strawberry.field(
        default=None, description="Who prepares and invites (meetings: who is expected); default: the "
                                  "active volunteers of the venue's sub-district and its neighbours in the district.")
    client_id: uuid.UUID | None = strawberry.field(default=None, description="A UUID chosen by the device.")

    def command(self) -> PlanEvent:
        return PlanEvent(
            kind=EventKind(self.kind.value), title=self.title, subdistrict_code=code(self.subdistrict_code),
            venue=self.venue, starts_at=_instant("startsAt", self.starts_at) or self.starts_at,
            ends_at=_instant("endsAt", self.ends_at) or self.ends_at,
            offers=tuple(Offer(code(o.org_unit_code), tuple(code(s) for s in o.service_codes)) for o in self.offices),
            capacity=self.capacity,
            volunteer_usernames=tuple(self.volunteer_usernames) if self.volunteer_usernames is not None else None,
            client_id=self.client_id)


@strawberry.input(description="An assigned volunteer's checklist before the event.")
class EventChecklistInput:
    venue_ready: bool = strawberry.field(description="The venue is ready.")
    people_invited: int | None = strawberry.field(default=None, description="How many people you invited.")


@strawberry.input(description="People served for one service at a mobile unit (no names). Send the same "
                              "`clientId` again to retry safely.")
class ServiceAttendanceInput:
    client_id: uuid.UUID | None = strawberry.field(default=None, description="A UUID chosen by the device.")
    org_unit_code: str = strawberry.field(description="The office that served them.")
    service_code: str = strawberry.field(description="The service.")
    people_served: int = strawberry.field(description="How many people were served (0–100,000).")
    men: int | None = strawberry.field(default=None, description="Of whom men.")
    women: int | None = strawberry.field(default=None, description="Of whom women.")
    other_gender: int | None = strawberry.field(default=None, description="Of whom another gender.")
    age_under_25: int | None = strawberry.field(default=None, description="Aged under 25.")
    age_25_to_59: int | None = strawberry.field(default=None, description="Aged 25 to 59.")
    age_60_plus: int | None = strawberry.field(default=None, description="Aged 60 and over.")
    captured_at: datetime | None = strawberry.field(default=None, description="When it was captured on the device.")

    def command(self, event_id: strawberry.ID) -> RecordServiceAttendance:
        return RecordServiceAttendance(
            client_id=self.client_id, event_id=id_or_nil(event_id), org_unit_code=code(self.org_unit_code),
            service_code=code(self.service_code), people_served=self.people_served,
            breakdown=Breakdown(self.men, self.women, self.other_gender, self.age_under_25,
                                self.age_25_to_59, self.age_60_plus),
            captured_at=_instant("capturedAt", self.captured_at))


@strawberry.input(description="Who came to a network meeting or training, and the topics.")
class MeetingAttendanceInput:
    client_id: uuid.UUID | None = strawberry.field(default=None, description="A UUID chosen by the device.")
    volunteer_usernames: list[str] | None = strawberry.field(
        default=None, description="Who came (a coordinator); a volunteer records only themselves (leave empty).")
    topics: str | None = strawberry.field(default=None, description="The topics covered.")
    captured_at: datetime | None = strawberry.field(default=None, description="When it was captured on the device.")

    def command(self, event_id: strawberry.ID) -> RecordMeetingAttendance:
        return RecordMeetingAttendance(
            client_id=self.client_id, event_id=id_or_nil(event_id),
            volunteer_usernames=tuple(code(n) for n in self.volunteer_usernames or ()), topics=self.topics,
            captured_at=_instant("capturedAt", self.captured_at))


def checklist(event_id: strawberry.ID, value: EventChecklistInput) -> UpdateChecklist:
    return UpdateChecklist(id_or_nil(event_id), value.venue_ready, value.people_invited)


@strawberry.input(description="Narrow a list of events.")
class OutreachEventFilterInput:
    area_code: str | None = strawberry.field(default=None, description="Province, district or sub-district code.")
    status: list[OutreachEventStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    starts_from: datetime | None = strawberry.field(default=None, description="Starting from (inclusive).")
    starts_to: datetime | None = strawberry.field(default=None, description="Starting before (exclusive).")


@strawberry.input(description="Narrow needs of the area.")
class AreaNeedFilterInput:
    area_code: str | None = strawberry.field(default=None, description="Province, district or sub-district code.")
    recorded_from: datetime | None = strawberry.field(default=None, description="Recorded from (inclusive).")


@strawberry.input(description="Whose participation, in which fiscal year.")
class ParticipationFilterInput:
    area_code: str | None = strawberry.field(default=None, description="Province, district or sub-district code.")
    fiscal_year: int | None = strawberry.field(default=None, description="Thai fiscal year (B.E.); default: now.")
