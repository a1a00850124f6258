"""Cases, referrals and their history in the schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types.field import StrawberryField

from api.attachments.types import Attachment, AttachmentRoom, limits_of
from api.context import Info
from api.errors import ErrorCode, UserError
from api.escalations.types import DeadlineExtension
from api.fields import context_field
from api.loaders import then
from api.reference.types import Area, Category, OrgUnit
from api.users.types import User
from domain.attachments import service as attachments
from domain.cases import citizen as citizen_data
from domain.cases import policy
from domain.cases.citizen import CitizenIdentity
from domain.cases.filing import DuplicateOfOpenCase
from domain.cases.models import Case as CaseRow
from domain.cases.models import CaseEvent as CaseEventRow
from domain.cases.models import ContactPreference, EventType, ReferralOutcome
from domain.cases.models import Referral as ReferralRow
from domain.cases.state import CaseStatus, ReferralStatus
from domain.categories.models import Category as CategoryRow
from domain.categories.models import SlaPolicy
from domain.errors import DuplicateCase
from domain.privacy import service as privacy
from domain.table import loaded

CaseStatusEnum = strawberry.enum(CaseStatus, name="CaseStatus", description="Where a case stands.")
ReferralStatusEnum = strawberry.enum(ReferralStatus, name="ReferralStatus",
                                     description="Where a referral stands.")
ReferralOutcomeEnum = strawberry.enum(ReferralOutcome, name="ReferralOutcome",
                                      description="How a referral ended.")
EventTypeEnum = strawberry.enum(EventType, name="CaseEventType", description="What happened.")
ContactPreferenceEnum = strawberry.enum(ContactPreference, name="ContactPreference",
                                        description="How the citizen wants to be contacted.")


@strawberry.type(description="The citizen (ผู้ขอรับบริการ). National ID and phone are always masked "
                             "here; `revealCitizenIdentity` shows them whole, for a reason, logged.")
class Citizen:
    full_name: str = strawberry.field(description="Full name (masked unless you may see the citizen).")
    national_id: str | None = strawberry.field(description="Thai national ID: masked here, whole when revealed.")
    phone: str | None = strawberry.field(description="Phone in E.164: masked here, whole when revealed.")
    contact_preference: ContactPreference = strawberry.field(description="How to reach the citizen.")
    consent_at: datetime = strawberry.field(description="When consent to use personal data was recorded.")
    masked: bool = strawberry.field(description="True when the name is masked for you.")
    may_reveal: bool = strawberry.field(
        description="True when you may call `revealCitizenIdentity` for this case.")
    anonymised: bool = strawberry.field(
        description="True when the personal data has been removed for good (PDPA).")

    @classmethod
    def shown(cls, row: CaseRow, who: CitizenIdentity, whole: bool, revealed: bool) -> Citizen:
        """The citizen as this viewer may see it: `whole` shows the name, `revealed` the
        national ID and phone too."""
        view = citizen_data.shown(row, who, whole, revealed)
        return cls(full_name=view.full_name, national_id=view.national_id, phone=view.phone,
                   contact_preference=ContactPreference(row.citizen_contact_preference),
                   consent_at=row.citizen_consent_at, masked=view.masked, may_reveal=view.may_reveal,
                   anonymised=view.anonymised)


async def serves_citizen(info: Info, row: CaseRow) -> bool:
    """The viewer may see this case's citizen whole (`policy.may_see_citizen`)."""
    referrals = await info.context.loaders.referrals_by_case.load(row.id)
    return policy.may_see_citizen(info.context.user, row, referrals)


@strawberry.type(description="The employer (นายจ้าง), where there is one.")
class Employer:
    name: str = strawberry.field(description="Name of the employer.")
    juristic_id: str | None = strawberry.field(description="13-digit company registration number.")
    address: str | None = strawberry.field(description="Address.")


def _attachment_of(row: CaseEventRow) -> strawberry.ID | None:
    found = (row.data or {}).get("attachment") if row.type == EventType.ATTACHED else None
    return strawberry.ID(str(found)) if found else None


@strawberry.type(description="One entry of a case's history (ประวัติการดำเนินการ).")
class CaseEvent:
    id: strawberry.ID = strawberry.field(description="Stable id, increasing in writing order.")
    type: EventType = strawberry.field(description="What happened.")
    at: datetime = strawberry.field(description="When it happened (UTC).")
    from_status: str | None = strawberry.field(description="Status before, if the status changed.")
    to_status: str | None = strawberry.field(description="Status after, if the status changed.")
    internal: bool = strawberry.field(description="True when the note is for staff only.")
    referral_id: strawberry.ID | None = strawberry.field(description="The referral it concerns, if any.")
    attachment_id: strawberry.ID | None = strawberry.field(
        description="The file an ATTACHED entry is about (it may since have been removed).")
    actor_id: strawberry.Private[uuid.UUID | None]
    note_text: strawberry.Private[str | None]
    case_row: strawberry.Private[CaseRow]

    @classmethod
    def of(cls, row: CaseEventRow, case: CaseRow) -> CaseEvent:
        return cls(id=strawberry.ID(str(row.id)), type=EventType(row.type), at=row.at,
                   from_status=row.from_status, to_status=row.to_status, note_text=row.note,
                   internal=row.internal,
                   referral_id=strawberry.ID(str(row.referral_id)) if row.referral_id else None,
                   attachment_id=_attachment_of(row), actor_id=row.actor_id, case_row=case)

    @context_field(description="A note or reason (a national ID or phone number written in it is "
                                  "masked unless you may see the citizen).")
    async def note(self, info: Info) -> str | None:
        if self.note_text is None or await serves_citizen(info, self.case_row):
            return self.note_text
        return citizen_data.masked_text(self.note_text)

    @context_field(description="Who did it; null when the system did.")
    async def actor(self, info: Info) -> User | None:
        if self.actor_id is None:
            return None
        row = await info.context.loaders.user.load(self.actor_id)
        return User.of(row) if row else None


# The columns `Referral.of` and `Case.of` read (see `loaded`).
_REFERRAL_COLUMNS = frozenset((
    "id", "status", "is_current", "accept_due_at", "resolve_due_at", "next_due_at", "escalation_level",
    "legal_due_at", "reason", "outcome", "amount_recovered_thb", "created_at", "accepted_at",
    "completed_at", "version", "predecessor_id", "org_unit_code", "case_id", "assigned_to_id"))
_CASE_COLUMNS = frozenset((
    "id", "reference", "status", "priority", "fiscal_year", "captured_at", "received_at", "updated_at",
    "resolved_at", "closed_at", "version", "escalation_level", "outcome", "amount_recovered_thb",
    "amount_claimed_thb", "satisfaction", "shared_with_volunteers", "event_id"))


@strawberry.type(description="One leg of a case sent to one office (การส่งต่อ).")
class Referral:
    id: strawberry.ID = strawberry.field(description="Stable id.")
    status: ReferralStatus = strawberry.field(description="Where the referral stands.")
    current: bool = strawberry.field(description="False once redirected or superseded by a reopen.")
    accept_due_at: datetime = strawberry.field(description="Deadline to accept.")
    resolve_due_at: datetime = strawberry.field(description="Deadline to resolve.")
    next_due_at: datetime | None = strawberry.field(description="The deadline running now, if any.")
    escalation_level: int = strawberry.field(description="0–3, rises as deadlines pass.")
    legal_due_at: datetime | None = strawberry.field(
        description="The legal deadline (DLPW wage and dismissal complaints: 60 days from receipt, "
                    "extendable once by at most 30); it never pauses.")
    outcome: ReferralOutcome | None = strawberry.field(description="How it ended.")
    amount_recovered_thb: Decimal | None = strawberry.field(description="Baht recovered for the citizen.")
    created_at: datetime = strawberry.field(description="When the referral was made.")
    accepted_at: datetime | None = strawberry.field(description="When it was accepted.")
    completed_at: datetime | None = strawberry.field(description="When it was completed.")
    version: int = strawberry.field(description="Send back as `expectedVersion` to guard edits.")
    predecessor_id: strawberry.ID | None = strawberry.field(description="The referral this one replaced.")
    org_unit_code: strawberry.Private[str]
    case_id: strawberry.Private[uuid.UUID]
    assigned_to_id: strawberry.Private[uuid.UUID | None]
    reason_text: strawberry.Private[str | None]

    @classmethod
    def of(cls, row: ReferralRow) -> Referral:
        v = loaded(row, _REFERRAL_COLUMNS)
        return cls(
            id=strawberry.ID(str(v["id"])), status=ReferralStatus(v["status"]), current=v["is_current"],
            accept_due_at=v["accept_due_at"], resolve_due_at=v["resolve_due_at"],
            next_due_at=v["next_due_at"], escalation_level=v["escalation_level"],
            legal_due_at=v["legal_due_at"], reason_text=v["reason"],
            outcome=ReferralOutcome(v["outcome"]) if v["outcome"] else None,
            amount_recovered_thb=v["amount_recovered_thb"], created_at=v["created_at"],
            accepted_at=v["accepted_at"], completed_at=v["completed_at"], version=v["version"],
            predecessor_id=strawberry.ID(str(v["predecessor_id"])) if v["predecessor_id"] else None,
            org_unit_code=v["org_unit_code"], case_id=v["case_id"], assigned_to_id=v["assigned_to_id"],
        )

    @context_field(description="Why it was held, declined or redirected (a national ID or phone "
                                  "number written in it is masked unless you may see the citizen).")
    async def reason(self, info: Info) -> str | None:
        if self.reason_text is None:
            return None
        masked = citizen_data.masked_text(self.reason_text)
        if masked == self.reason_text:
            return masked  # nothing to hide: no need to look at the case
        case = await info.context.loaders.case.load(self.case_id)
        return self.reason_text if case is not None and await serves_citizen(info, case) else masked

    @context_field(description="True when the running deadline has passed.")
    def overdue(self, info: Info) -> bool:
        return self.next_due_at is not None and self.next_due_at < info.context.now()

    @context_field(description="The office it was sent to.")
    def org_unit(self, info: Info) -> OrgUnit:
        loaders = info.context.loaders
        return loaders.shown("office", self.org_unit_code, loaders.org_unit_row, OrgUnit.of)  # type: ignore[return-value, arg-type]

    @strawberry.field(description="The extension of its legal deadline asked for, if any (staff only).")
    async def extension(self, info: Info) -> DeadlineExtension | None:
        if self.legal_due_at is None or not policy.may_see_internal_notes(info.context.user):
            return None  # only a legal clock is extended; volunteers and mentors see no staff matters
        row = await info.context.loaders.extension.load(uuid.UUID(str(self.id)))
        return DeadlineExtension.of(row) if row else None

    @context_field(description="The officer who accepted it.")
    async def assigned_to(self, info: Info) -> User | None:
        if self.assigned_to_id is None:
            return None
        row = await info.context.loaders.user.load(self.assigned_to_id)
        return User.of(row) if row else None

    @context_field(description="The case this referral belongs to.")
    def case(self, info: Info) -> Annotated[Case, strawberry.lazy("api.cases.types")]:
        return then(info.context.loaders.case_row(self.case_id), _case_of)  # type: ignore[return-value]


def _category_of(found: tuple[CategoryRow, SlaPolicy | None]) -> Category:
    return Category.of(*found)


def _case_of(row: CaseRow | None) -> Case:
    assert row is not None  # a referral's case: it exists, and whoever sees the referral may see it
    return Case.of(row)


@strawberry.type(description="A citizen's labour problem (เรื่อง), filed by a volunteer.")
class Case:
    id: strawberry.ID = strawberry.field(description="Stable id (the client's `clientId` when it chose one).")
    reference: str = strawberry.field(description="Human reference: province-fiscal year B.E.-sequence.")
    status: CaseStatus = strawberry.field(description="Where the case stands.")
    priority: str = strawberry.field(description="LOW, NORMAL, HIGH or URGENT.")
    fiscal_year: int = strawberry.field(description="Thai fiscal year (B.E.) of receipt.")
    captured_at: datetime = strawberry.field(description="When the volunteer captured it on the device.")
    received_at: datetime = strawberry.field(description="When the server received it.")
    updated_at: datetime = strawberry.field(description="Last change.")
    resolved_at: datetime | None = strawberry.field(description="When every referral was completed.")
    closed_at: datetime | None = strawberry.field(description="When the case was closed.")
    version: int = strawberry.field(description="Send back as `expectedVersion` to guard edits.")
    escalation_level: int = strawberry.field(description="Highest escalation level of its referrals.")
    outcome: ReferralOutcome | None = strawberry.field(description="Outcome on resolution.")
    amount_recovered_thb: Decimal | None = strawberry.field(description="Baht recovered in all.")
    amount_claimed_thb: Decimal | None = strawberry.field(
        description="What the citizen said they are owed, in baht, as filed.")
    satisfaction: int | None = strawberry.field(description="The citizen's satisfaction, 1–5.")
    shared_with_volunteers: bool = strawberry.field(description="Visible to volunteers of the area.")
    event_id: strawberry.ID | None = strawberry.field(
        default=None, description="The outreach event the case was filed at (`outreachEvent(id)`), if any.")
    row: strawberry.Private[CaseRow]
    # The open case a duplicate warning names: its files are never part of the warning.
    in_warning: strawberry.Private[bool] = False

    @classmethod
    def of(cls, row: CaseRow) -> Case:
        v = loaded(row, _CASE_COLUMNS)
        return cls(
            id=strawberry.ID(str(v["id"])), reference=v["reference"], status=CaseStatus(v["status"]),
            priority=v["priority"], fiscal_year=v["fiscal_year"],
            captured_at=v["captured_at"], received_at=v["received_at"], updated_at=v["updated_at"],
            resolved_at=v["resolved_at"], closed_at=v["closed_at"], version=v["version"],
            escalation_level=v["escalation_level"],
            outcome=ReferralOutcome(v["outcome"]) if v["outcome"] else None,
            amount_recovered_thb=v["amount_recovered_thb"], amount_claimed_thb=v["amount_claimed_thb"],
            satisfaction=v["satisfaction"],
            shared_with_volunteers=v["shared_with_volunteers"], row=row,
            event_id=strawberry.ID(str(v["event_id"])) if v["event_id"] else None,
        )

    @classmethod
    def warned_of(cls, row: CaseRow) -> Case:
        case = cls.of(row)
        case.in_warning = True
        return case

    @context_field(description="The problem type.")
    def category(self, info: Info) -> Category:
        loaders = info.context.loaders
        return loaders.shown("problem type", self.row.category_code, loaders.category_row,  # type: ignore[return-value]
                             _category_of)

    @context_field(description="Where the problem is.")
    def subdistrict(self, info: Info) -> Area:
        loaders = info.context.loaders
        return loaders.shown("area", self.row.subdistrict_code, loaders.area_row, Area.of)  # type: ignore[return-value, arg-type]

    @context_field(description="The problem in the citizen's words (a national ID or phone number "
                                  "written in it is masked unless you may see the citizen).")
    async def description(self, info: Info) -> str:
        if await serves_citizen(info, self.row):
            return self.row.description
        return citizen_data.masked_text(self.row.description)

    @context_field(description="The citizen; national ID and phone masked, the name whole only "
                                  "for those who may see the citizen (each such read is logged).")
    async def citizen(self, info: Info) -> Citizen:
        row = self.row
        whole = await serves_citizen(info, row)
        if whole and row.anonymised_at is None:
            info.context.viewed_citizens.add(row.id)
        who = citizen_data.open_(info.context.settings.vault, row)
        return Citizen.shown(row, who, whole, revealed=False)

    @context_field(description="The employer, where there is one.")
    def employer(self) -> Employer | None:
        row = self.row
        if not row.employer_name:
            return None
        return Employer(name=row.employer_name, juristic_id=row.employer_juristic_id,
                        address=row.employer_address)

    @context_field(description="The volunteer who filed the case.")
    async def filed_by(self, info: Info) -> User | None:
        row = await info.context.loaders.user.load(self.row.filed_by_id)
        return User.of(row) if row else None

    @context_field(description="Every referral of the case, oldest first.")
    def referrals(self, info: Info) -> list[Referral]:
        return then(info.context.loaders.referrals_rows(self.row.id),  # type: ignore[return-value]
                    lambda rows: [Referral.of(r) for r in rows])

    @strawberry.field(description="Its photos and documents, oldest first (names and thumbnails only "
                                  "for those who may see the citizen whole; none in a duplicate warning).")
    async def attachments(self, info: Info) -> list[Attachment]:
        if self.in_warning:
            return []
        rows = await info.context.loaders.attachments_by_case.load(self.row.id)
        if not rows:
            return []
        whole = await serves_citizen(info, self.row) and self.row.anonymised_at is None
        vault = info.context.settings.vault
        return [Attachment.of(r, whole, attachments.name_of(vault, r) if whole else None) for r in rows]

    @strawberry.field(description="How many more files the case can take, and whether you may attach.")
    async def attachment_room(self, info: Info) -> AttachmentRoom:
        rows = await info.context.loaders.attachments_by_case.load(self.row.id)
        referrals = await info.context.loaders.referrals_by_case.load(self.row.id)
        limits = limits_of(info)
        return AttachmentRoom(
            may_attach=attachments.may_attach(info.context.user, self.row, referrals),
            files_left=max(0, limits.files - len(rows)),
            bytes_left=max(0, limits.case_bytes - sum(r.size_bytes for r in rows)),
            max_file_bytes=limits.file_bytes)

    @context_field(description="The history, in the order it happened (internal notes only for staff).")
    async def events(self, info: Info) -> list[CaseEvent]:
        return [CaseEvent.of(e, self.row) for e in await info.context.loaders.events_by_case.load(self.row.id)]


@strawberry.type(description="Pagination state of a connection.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="A case in a list.")
class CaseEdge:
    node: Case = strawberry.field(description="The case.")
    cursor: str = strawberry.field(description="Opaque position in the list.")


@strawberry.type(description="A referral in a list.")
class ReferralEdge:
    node: Referral = strawberry.field(description="The referral.")
    cursor: str = strawberry.field(description="Opaque position in the list.")


@strawberry.type(description="The citizen already has an open case of this problem type received in "
                             "the last 90 days; nothing was filed. Add to that case, or file again "
                             "with `fileAnyway: true` if it is a different problem. The warning is a "
                             "lookup by national ID: it is logged and counts against your hourly "
                             "lookup quota (over it, `code` is LOOKUP_QUOTA_EXCEEDED and nothing about "
                             "the open case is told).")
class DuplicateCaseWarning(UserError):
    open_case_reference: str | None = strawberry.field(
        description="The reference of the open case, when you may see that case (else null: "
                    "ask the Provincial Labour Office).")
    open_case: Case | None = strawberry.field(
        description="The open case, when you may see it (else null: ask the Provincial Labour "
                    "Office).")


class DuplicateCaseHandler(strawberry.ExceptionHandler[DuplicateCase, DuplicateCaseWarning]):
    async def handle(self, exception: DuplicateCase, *, field: StrawberryField,
                     info: Info) -> DuplicateCaseWarning:
        told = exception
        if isinstance(exception, DuplicateOfOpenCase):
            ctx = info.context
            async with ctx.uow() as uow:
                told = await privacy.tell_duplicate(uow, ctx.user, exception, ctx.now(),
                                                    ctx.settings.lookup_quota_per_hour)
        found = told.case
        return DuplicateCaseWarning(
            message=told.message, message_th=told.message_th, code=ErrorCode(told.code),
            open_case_reference=told.reference or None,
            open_case=Case.warned_of(found) if isinstance(found, CaseRow) else None)
