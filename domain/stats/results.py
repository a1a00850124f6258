"""What the dashboards answer: plain values, with Thai and English labels. No personal data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.stats.rules import CaseDimension


@dataclass(frozen=True)
class GroupKey:
    dimension: CaseDimension
    code: str | None  # None: the group of cases without this attribute (e.g. no referral)
    label_th: str
    label_en: str


@dataclass(frozen=True)
class CaseStatsRow:
    keys: tuple[GroupKey, ...]
    case_count: int
    referral_count: int
    accepted_within_deadline: int
    acceptance_counted: int
    resolved_within_deadline: int
    resolution_counted: int
    accepted_within_deadline_share: float | None
    resolved_within_deadline_share: float | None
    median_business_days_to_accept: float | None
    p90_business_days_to_accept: float | None
    median_business_days_to_resolve: float | None
    p90_business_days_to_resolve: float | None
    open_by_age: tuple[int, int, int, int]  # 0–7, 8–30, 31–60, >60 days
    amount_recovered_thb: Decimal
    satisfaction_count: int
    mean_satisfaction: float | None
    overdue_referral_count: int = 0  # current legs whose running deadline has passed
    escalated_open_case_count: int = 0  # open cases at escalation level 1 or more


@dataclass(frozen=True)
class CaseStats:
    group_by: tuple[CaseDimension, ...]
    rows: tuple[CaseStatsRow, ...]
    as_of: datetime
    source: str = "LIVE"  # ROLLUP: from the rollup cells; LIVE: from the case tables


@dataclass(frozen=True)
class VolunteerActivityRow:
    user_id: uuid.UUID
    username: str
    display_name: str
    area_code: str | None
    area_label_th: str | None
    area_label_en: str | None
    cases_filed: int
    open_cases: int
    last_activity_at: datetime | None
    days_since_last_activity: int  # since the last activity, or since the account was made
    satisfaction_count: int
    mean_satisfaction: float | None
    events_prepared: int = 0  # mobile units prepared in the period (outreach participation)
    meetings_attended: int = 0  # network meetings and training attended in the period


@dataclass(frozen=True)
class VolunteerActivity:
    volunteer_count: int
    inactive_30_days: int
    inactive_60_days: int
    inactive_90_days: int
    volunteers: tuple[VolunteerActivityRow, ...]  # the requested page, least active first
    as_of: datetime


@dataclass(frozen=True)
class AreaCoverage:
    code: str
    label_th: str
    label_en: str
    subdistrict_count: int
    covered_count: int

    @property
    def share(self) -> float | None:
        return self.covered_count / self.subdistrict_count if self.subdistrict_count else None


@dataclass(frozen=True)
class AreaRef:
    code: str
    label_th: str
    label_en: str
    district_code: str


@dataclass(frozen=True)
class NetworkCoverage:
    total: AreaCoverage
    provinces: tuple[AreaCoverage, ...]
    districts: tuple[AreaCoverage, ...]
    uncovered: tuple[AreaRef, ...]


@dataclass(frozen=True)
class RoutingFlow:
    kind: str  # REJECTED or REDIRECTED
    from_org_unit: str
    to_org_unit: str | None
    count: int


@dataclass(frozen=True)
class RoutingAccuracyRow:
    category: GroupKey
    province: GroupKey
    referral_count: int
    rejected_count: int
    redirected_count: int
    flows: tuple[RoutingFlow, ...] = field(default_factory=tuple)

    @property
    def rejected_share(self) -> float | None:
        return self.rejected_count / self.referral_count if self.referral_count else None

    @property
    def redirected_share(self) -> float | None:
        return self.redirected_count / self.referral_count if self.referral_count else None
