"""What a user asks the case services to do: one small command per action, plain values
parsed at the edge. `expected_version` guards against stale edits (STALE_VERSION)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.cases.models import ContactPreference, ReferralOutcome
from domain.cases.state import CaseStatus, ReferralStatus

MAX_DESCRIPTION_CHARS = 5000
MAX_NOTE_CHARS = 5000
MAX_REASON_CHARS = 1000


@dataclass(frozen=True)
class CitizenDetails:
    full_name: str
    national_id: str | None
    phone: str | None
    consent: bool
    contact_preference: ContactPreference = ContactPreference.VIA_VOLUNTEER


@dataclass(frozen=True)
class EmployerDetails:
    name: str
    juristic_id: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class OpenCase:
    client_id: uuid.UUID | None
    category_code: str
    subdistrict_code: str
    description: str
    citizen: CitizenDetails
    employer: EmployerDetails | None = None
    captured_at: datetime | None = None
    shared_with_volunteers: bool = False
    # The volunteer saw the duplicate warning and files a new case all the same.
    file_anyway: bool = False
    amount_claimed_thb: Decimal | None = None
    # Filed at an outreach event (issue 16): domain/outreach/filing.py checks it, then files.
    event_id: uuid.UUID | None = None


# --- referrals: one command per action on the referral state machine ----------------------

@dataclass(frozen=True)
class AcceptReferral:
    referral_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class HoldReferral:
    referral_id: uuid.UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ResumeReferral:
    referral_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteReferral:
    referral_id: uuid.UUID
    outcome: ReferralOutcome | None
    note: str | None = None
    amount_recovered_thb: Decimal | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class AssignReferral:
    referral_id: uuid.UUID
    assignee_username: str | None  # None: the one who asks
    expected_version: int | None = None


@dataclass(frozen=True)
class RejectReferral:
    referral_id: uuid.UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RedirectReferral:
    referral_id: uuid.UUID
    org_unit_code: str
    reason: str
    expected_version: int | None = None


ReferralCommand = (AcceptReferral | HoldReferral | ResumeReferral | CompleteReferral | RejectReferral
                   | RedirectReferral)


# --- cases ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RouteCase:
    case_id: uuid.UUID
    org_unit_codes: tuple[str, ...]
    expected_version: int | None = None


@dataclass(frozen=True)
class RejectCase:
    case_id: uuid.UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseCase:
    case_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class ReopenCase:
    case_id: uuid.UUID
    reason: str
    expected_version: int | None = None


CaseCommand = RejectCase | CloseCase | ReopenCase


@dataclass(frozen=True)
class RecordSatisfaction:
    case_id: uuid.UUID
    score: int | None
    expected_version: int | None = None


@dataclass(frozen=True)
class AddNote:
    case_id: uuid.UUID
    text: str
    internal: bool = False


# --- reading --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFilter:
    statuses: tuple[CaseStatus, ...] = ()
    category_codes: tuple[str, ...] = ()
    area_code: str | None = None
    org_unit_code: str | None = None
    text: str | None = None
    filed_by_me: bool = False


class ReferralSort(StrEnum):
    """The order of a list of referrals (a desk table's columns, issue 12)."""

    DEADLINE = "DEADLINE"  # the earliest running deadline first, then the oldest: a queue
    NEWEST = "NEWEST"
    OLDEST = "OLDEST"
    ESCALATION = "ESCALATION"  # the highest escalation level first, then by deadline


@dataclass(frozen=True)
class ReferralFilter:
    org_unit_code: str | None = None
    statuses: tuple[ReferralStatus, ...] = ()
    overdue: bool | None = None
    current_only: bool = True
    case_ids: tuple[uuid.UUID, ...] = field(default_factory=tuple)
    category_codes: tuple[str, ...] = ()
    area_code: str | None = None  # the case's province, district or sub-district
    escalated: bool | None = None  # escalated (level 1 or more), or not
    assigned_to: uuid.UUID | None = None  # only those assigned to this user
    unassigned: bool = False
    text: str | None = None  # in the case's reference or description
    sort: ReferralSort = ReferralSort.DEADLINE
