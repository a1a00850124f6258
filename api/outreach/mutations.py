"""Outreach mutations: parse, make one service call, map the result (convention 2)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.errors import IllegalTransitionError, NotFoundError, StaleVersionError, ValidationError
from api.ids import id_or_nil
from api.outreach.inputs import (EventChecklistInput, MeetingAttendanceInput, PlanEventInput, RecordAreaNeedInput,
                                 ServiceAttendanceInput, checklist)
from api.outreach.types import AreaNeed, OutreachEvent, ServiceAttendance
from api.permissions import IsAuthenticated, roles
from domain.outreach import attendance, events, needs, repository
from domain.outreach.rules import EventAction
from domain.users.models import Role

VOLUNTEERS = [IsAuthenticated, roles(Role.VOLUNTEER)]
MANAGERS = [IsAuthenticated, roles(Role.COORDINATOR, Role.ADMIN)]
SERVICE_RECORDERS = [IsAuthenticated, roles(Role.VOLUNTEER, Role.OFFICER, Role.COORDINATOR)]
MEETING_RECORDERS = [IsAuthenticated, roles(Role.VOLUNTEER, Role.COORDINATOR)]
EventErrors = NotFoundError | IllegalTransitionError | StaleVersionError | ValidationError


@strawberry.type(description="The need was recorded (or had been, with this clientId).")
class RecordAreaNeedSuccess:
    need: AreaNeed = strawberry.field(description="The need.")


@strawberry.type(description="The event was planned (or had been, with this clientId).")
class PlanEventSuccess:
    event: OutreachEvent = strawberry.field(description="The event, PLANNED.")


@strawberry.type(description="The event moved on (announced, held, reported or cancelled).")
class ChangeEventSuccess:
    event: OutreachEvent = strawberry.field(description="The event.")


@strawberry.type(description="Your checklist was saved.")
class UpdateEventChecklistSuccess:
    event: OutreachEvent = strawberry.field(description="The event, with your checklist.")


@strawberry.type(description="The people served were recorded (or had been, with this clientId).")
class RecordServiceAttendanceSuccess:
    attendance: ServiceAttendance = strawberry.field(description="The batch recorded.")
    event: OutreachEvent = strawberry.field(description="The event (HELD once attendance is recorded).")


@strawberry.type(description="Who came was recorded.")
class RecordMeetingAttendanceSuccess:
    event: OutreachEvent = strawberry.field(description="The event, with who came.")


RecordAreaNeedResult = Annotated[RecordAreaNeedSuccess | ValidationError, strawberry.union("RecordAreaNeedResult")]
PlanEventResult = Annotated[PlanEventSuccess | ValidationError, strawberry.union("PlanEventResult")]
ChangeEventResult = Annotated[ChangeEventSuccess | EventErrors, strawberry.union("ChangeEventResult")]
UpdateEventChecklistResult = Annotated[UpdateEventChecklistSuccess | NotFoundError | ValidationError,
                                       strawberry.union("UpdateEventChecklistResult")]
RecordServiceAttendanceResult = Annotated[RecordServiceAttendanceSuccess | NotFoundError | ValidationError,
                                          strawberry.union("RecordServiceAttendanceResult")]
RecordMeetingAttendanceResult = Annotated[RecordMeetingAttendanceSuccess | NotFoundError | ValidationError,
                                          strawberry.union("RecordMeetingAttendanceResult")]


async def _change(info: Info, event_id: strawberry.ID, action: EventAction, *, reason: str | None = None,
                  note: str | None = None, expected_version: int | None = None) -> ChangeEventSuccess:
    ctx = info.context
    async with ctx.uow() as uow:
        row = await events.act_on_event(uow, ctx.user, id_or_nil(event_id), action, ctx.now(), reason=reason,
                                        note=note, expected_version=expected_version)
        detail = await events.detail(uow.session, row)
    return ChangeEventSuccess(event=OutreachEvent.of(detail))


@strawberry.type
class OutreachMutations:
    @strawberry.mutation(description="Record a need of your area (volunteers; offline too).",
                         permission_classes=VOLUNTEERS)
    async def record_area_need(self, info: Info, input: RecordAreaNeedInput) -> RecordAreaNeedResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await needs.record_need(uow, ctx.user, input.command(), ctx.now())
        return RecordAreaNeedSuccess(need=AreaNeed.of(row))

    @strawberry.mutation(description="Plan an event in your province (coordinators).", permission_classes=MANAGERS)
    async def plan_event(self, info: Info, input: PlanEventInput) -> PlanEventResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await events.plan_event(uow, ctx.user, input.command(), ctx.now())
            detail = await events.detail(uow.session, row)
        return PlanEventSuccess(event=OutreachEvent.of(detail))

    @strawberry.mutation(description="Announce a planned event: its volunteers and offices are told.",
                         permission_classes=MANAGERS)
    async def announce_event(self, info: Info, event_id: strawberry.ID,
                             expected_version: int | None = None) -> ChangeEventResult:
        return await _change(info, event_id, EventAction.ANNOUNCE, expected_version=expected_version)

    @strawberry.mutation(description="Mark an announced event held (recording attendance on its day does it too).",
                         permission_classes=MANAGERS)
    async def mark_event_held(self, info: Info, event_id: strawberry.ID,
                              expected_version: int | None = None) -> ChangeEventResult:
        return await _change(info, event_id, EventAction.MARK_HELD, expected_version=expected_version)

    @strawberry.mutation(description="Report a held event (its figures are `outreachEventReport`).",
                         permission_classes=MANAGERS)
    async def report_event(self, info: Info, event_id: strawberry.ID, note: str | None = None,
                           expected_version: int | None = None) -> ChangeEventResult:
        return await _change(info, event_id, EventAction.REPORT, note=note, expected_version=expected_version)

    @strawberry.mutation(description="Cancel a planned or announced event, with a reason.",
                         permission_classes=MANAGERS)
    async def cancel_event(self, info: Info, event_id: strawberry.ID, reason: str,
                           expected_version: int | None = None) -> ChangeEventResult:
        return await _change(info, event_id, EventAction.CANCEL, reason=reason, expected_version=expected_version)

    @strawberry.mutation(description="Your checklist for an event you are assigned to (volunteers).",
                         permission_classes=VOLUNTEERS)
    async def update_event_checklist(self, info: Info, event_id: strawberry.ID,
                                     input: EventChecklistInput) -> UpdateEventChecklistResult:
        ctx = info.context
        async with ctx.uow() as uow:
            await events.update_checklist(uow, ctx.user, checklist(event_id, input), ctx.now())
            row = await repository.event(uow.session, id_or_nil(event_id))
            assert row is not None
            detail = await events.detail(uow.session, row)
        return UpdateEventChecklistSuccess(event=OutreachEvent.of(detail))

    @strawberry.mutation(description="People served for one service at a mobile unit (assigned volunteers, the "
                                     "office's officers, coordinators); offline replay is safe.",
                         permission_classes=SERVICE_RECORDERS)
    async def record_service_attendance(self, info: Info, event_id: strawberry.ID,
                                        input: ServiceAttendanceInput) -> RecordServiceAttendanceResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await attendance.record_service_attendance(uow, ctx.user, input.command(event_id), ctx.now())
            event = await repository.event(uow.session, row.event_id)
            assert event is not None
            detail = await events.detail(uow.session, event)
        return RecordServiceAttendanceSuccess(attendance=ServiceAttendance.of(row), event=OutreachEvent.of(detail))

    @strawberry.mutation(description="Who came to a network meeting or training, and the topics (a volunteer: "
                                     "themselves; a coordinator: anyone assigned).",
                         permission_classes=MEETING_RECORDERS)
    async def record_meeting_attendance(self, info: Info, event_id: strawberry.ID,
                                        input: MeetingAttendanceInput) -> RecordMeetingAttendanceResult:
        ctx = info.context
        async with ctx.uow() as uow:
            await attendance.record_meeting_attendance(uow, ctx.user, input.command(event_id), ctx.now())
            event = await repository.event(uow.session, id_or_nil(event_id))
            assert event is not None
            detail = await events.detail(uow.session, event)
        return RecordMeetingAttendanceSuccess(event=OutreachEvent.of(detail))
