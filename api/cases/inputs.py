"""Inputs of the case queries and mutations, and their conversion to domain commands."""

from __future__ import annotations

import uuid
from decimal import Decimal
from datetime import UTC, datetime

import strawberry

from api.cases.types import ContactPreference
from api.ids import code, id_or_nil
from domain.cases.commands import CaseFilter, CitizenDetails, EmployerDetails, OpenCase, ReferralFilter, ReferralSort
from domain.cases.state import CaseStatus, ReferralStatus
from domain.errors import ValidationFailed

# The instants a client may send: every one of them exists in UTC and in Bangkok time
# (0001-01-01T00:00+07:00 does not, and converting it fails in the databases' drivers).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def instant_problem(value: datetime | None) -> tuple[str, str] | None:
    """What is wrong with a date and time a client sent, in English and Thai; None if nothing."""
    if value is None:
        return None
    if value.utcoffset() is None:
        return "must have a time zone", "ต้องระบุเขตเวลา"
    try:
        in_range = EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        return "must be between the years 1900 and 2999", "ต้องอยู่ระหว่างปี ค.ศ. 1900 ถึง 2999"
    return None


@strawberry.input(description="The citizen as the volunteer recorded them.")
class CitizenInput:
    full_name: str = strawberry.field(description="Full name in Thai or English.")
    national_id: str | None = strawberry.field(default=None, description="13-digit Thai national ID.")
    phone: str | None = strawberry.field(default=None, description="Phone number, any Thai format.")
    consent: bool = strawberry.field(description="The citizen consented to the use of personal data.")
    contact_preference: ContactPreference = strawberry.field(
        default=ContactPreference.VIA_VOLUNTEER, description="How to reach the citizen.")


@strawberry.input(description="The employer, where there is one.")
class EmployerInput:
    name: str = strawberry.field(description="Name of the employer.")
    juristic_id: str | None = strawberry.field(default=None, description="13-digit company registration no.")
    address: str | None = strawberry.field(default=None, description="Address.")


@strawberry.input(description="A new case. Send the same `clientId` again to retry safely.")
class OpenCaseInput:
    client_id: uuid.UUID | None = strawberry.field(
        default=None, description="A UUID chosen by the device; becomes the case id.")
    category_code: str = strawberry.field(description="Problem type code, e.g. UNPAID_WAGES.")
    subdistrict_code: str = strawberry.field(description="6-digit sub-district code.")
    description: str = strawberry.field(description="The problem, in the citizen's words.")
    citizen: CitizenInput = strawberry.field(description="The citizen.")
    employer: EmployerInput | None = strawberry.field(default=None, description="The employer.")
    captured_at: datetime | None = strawberry.field(
        default=None, description="When it was captured on the device (with a time zone).")
    shared_with_volunteers: bool = strawberry.field(
        default=False, description="Let other volunteers of the area see the case.")
    file_anyway: bool = strawberry.field(
        default=False, description="File even though the citizen has an open case of this type "
                                   "(after a `DuplicateCaseWarning`).")
    amount_claimed_thb: Decimal | None = strawberry.field(
        default=None, description="What the citizen says they are owed, in baht (at most two "
                                  "decimals); the client sends a plain decimal such as \"18000.50\".")
    event_id: strawberry.ID | None = strawberry.field(
        default=None, description="Filed at this outreach event (announced or held, of the case's "
                                  "province); the event's report counts the case.")

    def command(self) -> OpenCase:
        c = self.citizen
        employer = self.employer
        if self.captured_at is not None and self.captured_at.utcoffset() is not None:
            problem = instant_problem(self.captured_at)  # without a zone: the domain's own error
            if problem is not None:
                raise ValidationFailed("capturedAt", f"The capture time {problem[0]}.",
                                       f"เวลาที่บันทึก{problem[1]}", code="OUT_OF_RANGE")
        return OpenCase(
            client_id=self.client_id, category_code=code(self.category_code),
            subdistrict_code=code(self.subdistrict_code), description=self.description,
            citizen=CitizenDetails(full_name=c.full_name, national_id=c.national_id,
                                   phone=c.phone, consent=c.consent,
                                   contact_preference=c.contact_preference),
            employer=EmployerDetails(employer.name, employer.juristic_id, employer.address)
            if employer else None,
            captured_at=self.captured_at, shared_with_volunteers=self.shared_with_volunteers,
            file_anyway=self.file_anyway, amount_claimed_thb=self.amount_claimed_thb,
            event_id=id_or_nil(self.event_id) if self.event_id is not None else None,
        )


@strawberry.input(description="Narrow a list of cases.")
class CaseFilterInput:
    status: list[CaseStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    category_code: list[str] | None = strawberry.field(default=None, description="Any of these problem types.")
    province_code: str | None = strawberry.field(default=None, description="2-digit province code.")
    district_code: str | None = strawberry.field(default=None, description="4-digit district code.")
    subdistrict_code: str | None = strawberry.field(default=None, description="6-digit sub-district code.")
    org_unit_code: str | None = strawberry.field(default=None, description="Cases with a current referral to this office.")
    text: str | None = strawberry.field(default=None, description="Text in the description or the reference.")
    filed_by_me: bool = strawberry.field(default=False, description="Only cases I filed.")

    def command(self) -> CaseFilter:
        area = self.subdistrict_code or self.district_code or self.province_code
        text = (self.text or "").replace("\x00", "").strip()[:200] or None
        return CaseFilter(statuses=tuple(self.status or ()),
                          category_codes=tuple(code(c) for c in self.category_code or ()),
                          area_code=code(area) if area else None,
                          org_unit_code=code(self.org_unit_code) if self.org_unit_code is not None else None,
                          text=text, filed_by_me=self.filed_by_me)


ReferralSortEnum = strawberry.enum(ReferralSort, name="ReferralSort",
                                   description="The order of a list of referrals.")


@strawberry.input(description="Narrow a list of referrals (an office's queue).")
class ReferralFilterInput:
    org_unit_code: str | None = strawberry.field(default=None, description="Only this office's referrals.")
    status: list[ReferralStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    overdue: bool | None = strawberry.field(default=None, description="Only overdue (true) or only on time (false).")
    include_superseded: bool = strawberry.field(default=False, description="Also redirected-away legs.")
    category_code: list[str] | None = strawberry.field(default=None, description="Any of these problem types.")
    district_code: str | None = strawberry.field(default=None, description="Cases of this 4-digit district.")
    subdistrict_code: str | None = strawberry.field(default=None, description="Cases of this 6-digit sub-district.")
    escalated: bool | None = strawberry.field(
        default=None, description="Only escalated (level 1 or more: true) or only not escalated (false).")
    assigned_to_me: bool = strawberry.field(default=False, description="Only those assigned to me.")
    unassigned: bool = strawberry.field(default=False, description="Only those assigned to nobody.")
    text: str | None = strawberry.field(default=None, description="Text in the case's description or reference.")
    sort: ReferralSortEnum = strawberry.field(default=ReferralSort.DEADLINE, description="The order.")

    def command(self, me: uuid.UUID | None = None) -> ReferralFilter:
        org_unit = code(self.org_unit_code) if self.org_unit_code is not None else None
        area = self.subdistrict_code or self.district_code
        text = (self.text or "").replace("\x00", "").strip()[:200] or None
        return ReferralFilter(org_unit_code=org_unit, statuses=tuple(self.status or ()),
                              overdue=self.overdue, current_only=not self.include_superseded,
                              category_codes=tuple(code(c) for c in self.category_code or ()),
                              area_code=code(area) if area else None, escalated=self.escalated,
                              assigned_to=me if self.assigned_to_me else None,
                              unassigned=self.unassigned, text=text, sort=ReferralSort(self.sort))
