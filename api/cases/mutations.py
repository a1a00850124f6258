"""Case and referral mutations: parse, make one service call, map the result (convention 2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.cases.inputs import OpenCaseInput
from api.cases.types import Case, CaseEvent, DuplicateCaseWarning, Referral, ReferralOutcome
from api.context import Info
from api.errors import IllegalTransitionError, NotFoundError, StaleVersionError, ValidationError
from api.ids import id_or_nil
from api.permissions import IsAuthenticated, roles
from domain.cases import assignment, closing, notes, referrals, triage
from domain.cases.commands import (AcceptReferral, AddNote, AssignReferral, CloseCase, CompleteReferral, HoldReferral,
                                   RecordSatisfaction, RedirectReferral, ReferralCommand, RejectCase,
                                   RejectReferral, ReopenCase, ResumeReferral, RouteCase)
from domain.cases.models import Referral as ReferralRow
from domain.outreach import filing as outreach_filing
from domain.uow import in_transaction
from domain.users.models import Role

ChangeErrors = NotFoundError | IllegalTransitionError | StaleVersionError | ValidationError
UNIT_STAFF = [IsAuthenticated, roles(Role.OFFICER, Role.COORDINATOR)]
COORDINATORS = [IsAuthenticated, roles(Role.COORDINATOR)]
FILERS = [IsAuthenticated, roles(Role.VOLUNTEER)]
FILERS_AND_COORDINATORS = [IsAuthenticated, roles(Role.VOLUNTEER, Role.COORDINATOR)]
NOTE_WRITERS = [IsAuthenticated, roles(Role.VOLUNTEER, Role.OFFICER, Role.COORDINATOR)]


@strawberry.type(description="The case was filed (or had been filed with this clientId).")
class OpenCaseSuccess:
    case: Case = strawberry.field(description="The case.")


@strawberry.type(description="The case was routed.")
class RouteCaseSuccess:
    case: Case = strawberry.field(description="The case.")


@strawberry.type(description="The case was declined at triage and closed.")
class RejectCaseSuccess:
    case: Case = strawberry.field(description="The case.")


@strawberry.type(description="The case was closed.")
class CloseCaseSuccess:
    case: Case = strawberry.field(description="The case.")


@strawberry.type(description="The case was reopened.")
class ReopenCaseSuccess:
    case: Case = strawberry.field(description="The case.")


@strawberry.type(description="The citizen's satisfaction was recorded.")
class RecordSatisfactionSuccess:
    case: Case = strawberry.field(description="The case.")


@strawberry.type(description="The note was added to the history.")
class AddNoteSuccess:
    case: Case = strawberry.field(description="The case.")
    event: CaseEvent = strawberry.field(description="The new history entry.")


@strawberry.type(description="The referral was accepted.")
class AcceptReferralSuccess:
    referral: Referral = strawberry.field(description="The referral.")


@strawberry.type(description="The referral was assigned.")
class AssignReferralSuccess:
    referral: Referral = strawberry.field(description="The referral, with its new `assignedTo`.")


@strawberry.type(description="The referral was put on hold.")
class HoldReferralSuccess:
    referral: Referral = strawberry.field(description="The referral.")


@strawberry.type(description="Work on the referral resumed.")
class ResumeReferralSuccess:
    referral: Referral = strawberry.field(description="The referral.")


@strawberry.type(description="The referral was completed.")
class CompleteReferralSuccess:
    referral: Referral = strawberry.field(description="The referral.")


@strawberry.type(description="The referral was declined.")
class RejectReferralSuccess:
    referral: Referral = strawberry.field(description="The referral.")


@strawberry.type(description="The referral was redirected; `newReferral` went to the other office.")
class RedirectReferralSuccess:
    referral: Referral = strawberry.field(description="The redirected referral.")
    new_referral: Referral = strawberry.field(description="The new referral to the other office.")


OpenCaseResult = Annotated[OpenCaseSuccess | DuplicateCaseWarning | ValidationError,
                           strawberry.union("OpenCaseResult")]
RouteCaseResult = Annotated[RouteCaseSuccess | ChangeErrors, strawberry.union("RouteCaseResult")]
RejectCaseResult = Annotated[RejectCaseSuccess | ChangeErrors, strawberry.union("RejectCaseResult")]
CloseCaseResult = Annotated[CloseCaseSuccess | ChangeErrors, strawberry.union("CloseCaseResult")]
ReopenCaseResult = Annotated[ReopenCaseSuccess | ChangeErrors, strawberry.union("ReopenCaseResult")]
RecordSatisfactionResult = Annotated[RecordSatisfactionSuccess | ChangeErrors,
                                     strawberry.union("RecordSatisfactionResult")]
AddNoteResult = Annotated[AddNoteSuccess | NotFoundError | ValidationError,
                          strawberry.union("AddNoteResult")]
AcceptReferralResult = Annotated[AcceptReferralSuccess | ChangeErrors,
                                 strawberry.union("AcceptReferralResult")]
AssignReferralResult = Annotated[AssignReferralSuccess | ChangeErrors,
                                 strawberry.union("AssignReferralResult")]
HoldReferralResult = Annotated[HoldReferralSuccess | ChangeErrors, strawberry.union("HoldReferralResult")]
ResumeReferralResult = Annotated[ResumeReferralSuccess | ChangeErrors,
                                 strawberry.union("ResumeReferralResult")]
CompleteReferralResult = Annotated[CompleteReferralSuccess | ChangeErrors,
                                   strawberry.union("CompleteReferralResult")]
RejectReferralResult = Annotated[RejectReferralSuccess | ChangeErrors,
                                 strawberry.union("RejectReferralResult")]
RedirectReferralResult = Annotated[RedirectReferralSuccess | ChangeErrors,
                                   strawberry.union("RedirectReferralResult")]

async def _on_referral(info: Info, cmd: ReferralCommand) -> ReferralRow:
    ctx = info.context
    return await in_transaction(ctx.uow, lambda uow: referrals.act_on_referral(uow, ctx.user, cmd, ctx.now(),
                                                                               ctx.calendar))


@strawberry.type
class CaseMutations:
    @strawberry.mutation(description="File a case for a citizen; it is routed at once.",
                         permission_classes=FILERS)
    async def open_case(self, info: Info, input: OpenCaseInput) -> OpenCaseResult:
        ctx = info.context
        row = await outreach_filing.file_case(ctx.uow, ctx.user, input.command(), ctx.now(), ctx.calendar,
                                              ctx.settings.vault, ctx.reference)
        return OpenCaseSuccess(case=Case.of(row))

    @strawberry.mutation(description="Triage: send the case to one or more offices.",
                         permission_classes=COORDINATORS)
    async def route_case(self, info: Info, case_id: strawberry.ID, org_unit_codes: list[str],
                         expected_version: int | None = None) -> RouteCaseResult:
        ctx = info.context
        cmd = RouteCase(id_or_nil(case_id), tuple(org_unit_codes), expected_version)
        row = await in_transaction(ctx.uow, lambda uow: triage.route_case(uow, ctx.user, cmd, ctx.now(), ctx.calendar))
        return RouteCaseSuccess(case=Case.of(row))

    @strawberry.mutation(description="Decline a new case at triage (duplicate, outside the mandate).",
                         permission_classes=COORDINATORS)
    async def reject_case(self, info: Info, case_id: strawberry.ID, reason: str,
                          expected_version: int | None = None) -> RejectCaseResult:
        ctx = info.context
        cmd = RejectCase(id_or_nil(case_id), reason, expected_version)
        row = await in_transaction(ctx.uow, lambda uow: triage.reject_case(uow, ctx.user, cmd, ctx.now()))
        return RejectCaseSuccess(case=Case.of(row))

    @strawberry.mutation(description="Close a resolved case once the citizen confirms.",
                         permission_classes=FILERS_AND_COORDINATORS)
    async def close_case(self, info: Info, case_id: strawberry.ID,
                         expected_version: int | None = None) -> CloseCaseResult:
        ctx = info.context
        cmd = CloseCase(id_or_nil(case_id), expected_version)
        row = await in_transaction(ctx.uow, lambda uow: closing.close_case(uow, ctx.user, cmd, ctx.now()))
        return CloseCaseSuccess(case=Case.of(row))

    @strawberry.mutation(description="Reopen a resolved case; its offices get new referrals.",
                         permission_classes=FILERS_AND_COORDINATORS)
    async def reopen_case(self, info: Info, case_id: strawberry.ID, reason: str,
                          expected_version: int | None = None) -> ReopenCaseResult:
        ctx = info.context
        cmd = ReopenCase(id_or_nil(case_id), reason, expected_version)
        row = await in_transaction(ctx.uow, lambda uow: closing.reopen_case(uow, ctx.user, cmd, ctx.now(),
                                                                            ctx.calendar))
        return ReopenCaseSuccess(case=Case.of(row))

    @strawberry.mutation(description="Record the citizen's satisfaction (1–5) with a resolved case.",
                         permission_classes=FILERS)
    async def record_satisfaction(self, info: Info, case_id: strawberry.ID, score: int,
                                  expected_version: int | None = None) -> RecordSatisfactionResult:
        ctx = info.context
        cmd = RecordSatisfaction(id_or_nil(case_id), score, expected_version)
        row = await in_transaction(ctx.uow, lambda uow: closing.record_satisfaction(uow, ctx.user, cmd, ctx.now()))
        return RecordSatisfactionSuccess(case=Case.of(row))

    @strawberry.mutation(description="Add a note to the history; `internal` notes are for staff only.",
                         permission_classes=NOTE_WRITERS)
    async def add_note(self, info: Info, case_id: strawberry.ID, text: str,
                       internal: bool = False) -> AddNoteResult:
        ctx = info.context
        cmd = AddNote(id_or_nil(case_id), text, internal)
        row, event = await in_transaction(ctx.uow, lambda uow: notes.add_note(uow, ctx.user, cmd, ctx.now()))
        return AddNoteSuccess(case=Case.of(row), event=CaseEvent.of(event, row))

    @strawberry.mutation(description="Accept a referral sent to your office.", permission_classes=UNIT_STAFF)
    async def accept_referral(self, info: Info, referral_id: strawberry.ID,
                              expected_version: int | None = None) -> AcceptReferralResult:
        row = await _on_referral(info, AcceptReferral(id_or_nil(referral_id), expected_version))
        return AcceptReferralSuccess(referral=Referral.of(row))

    @strawberry.mutation(description="Give an open referral of your office to yourself (no "
                                     "`assigneeUsername`) or to a colleague of the same office; "
                                     "recorded in the history, and the colleague is told.",
                         permission_classes=UNIT_STAFF)
    async def assign_referral(self, info: Info, referral_id: strawberry.ID,
                              assignee_username: str | None = None,
                              expected_version: int | None = None) -> AssignReferralResult:
        ctx = info.context
        cmd = AssignReferral(id_or_nil(referral_id), assignee_username, expected_version)
        row = await in_transaction(ctx.uow, lambda uow: assignment.assign_referral(uow, ctx.user, cmd, ctx.now()))
        return AssignReferralSuccess(referral=Referral.of(row))

    @strawberry.mutation(description="Put a referral on hold, waiting for someone; a reason is required.",
                         permission_classes=UNIT_STAFF)
    async def hold_referral(self, info: Info, referral_id: strawberry.ID, reason: str,
                            expected_version: int | None = None) -> HoldReferralResult:
        row = await _on_referral(info, HoldReferral(id_or_nil(referral_id), reason, expected_version))
        return HoldReferralSuccess(referral=Referral.of(row))

    @strawberry.mutation(description="Resume work on a referral on hold.", permission_classes=UNIT_STAFF)
    async def resume_referral(self, info: Info, referral_id: strawberry.ID,
                              expected_version: int | None = None) -> ResumeReferralResult:
        row = await _on_referral(info, ResumeReferral(id_or_nil(referral_id), expected_version))
        return ResumeReferralSuccess(referral=Referral.of(row))

    @strawberry.mutation(description="Complete a referral with its outcome.", permission_classes=UNIT_STAFF)
    async def complete_referral(self, info: Info, referral_id: strawberry.ID, outcome: ReferralOutcome,
                                note: str | None = None, amount_recovered_thb: Decimal | None = None,
                                expected_version: int | None = None) -> CompleteReferralResult:
        cmd = CompleteReferral(id_or_nil(referral_id), outcome, note, amount_recovered_thb, expected_version)
        row = await _on_referral(info, cmd)
        return CompleteReferralSuccess(referral=Referral.of(row))

    @strawberry.mutation(description="Decline a referral; a reason is required.", permission_classes=UNIT_STAFF)
    async def reject_referral(self, info: Info, referral_id: strawberry.ID, reason: str,
                              expected_version: int | None = None) -> RejectReferralResult:
        row = await _on_referral(info, RejectReferral(id_or_nil(referral_id), reason, expected_version))
        return RejectReferralSuccess(referral=Referral.of(row))

    @strawberry.mutation(description="Send a referral on to another office, with a reason.",
                         permission_classes=UNIT_STAFF)
    async def redirect_referral(self, info: Info, referral_id: strawberry.ID, org_unit_code: str,
                                reason: str, expected_version: int | None = None) -> RedirectReferralResult:
        cmd = RedirectReferral(id_or_nil(referral_id), org_unit_code, reason, expected_version)
        row = await _on_referral(info, cmd)
        successor = await info.context.loaders.referrals_by_case.load(row.case_id)
        new = next(r for r in successor if r.predecessor_id == row.id)
        return RedirectReferralSuccess(referral=Referral.of(row), new_referral=Referral.of(new))
