"""Dashboard figures in the schema. Plain attributes only (but for the page of uncovered
sub-districts, a slice of what was computed): no per-field resolvers, no personal data."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from decimal import Decimal

import strawberry

from api.errors import bad_input
from domain.stats import results
from domain.stats.models import ExportKind, ExportStatus
from domain.stats.models import StatsExport as ExportRow
from domain.stats.rules import CaseDimension

CaseDimensionEnum = strawberry.enum(
    CaseDimension, name="CaseDimension",
    description="What `caseStats` groups by. AGENCY and ORG_UNIT belong to referrals: a case "
                "counts once in every office (or agency) it was referred to. MONTH is the "
                "month of filing in Bangkok time.")
ExportKindEnum = strawberry.enum(ExportKind, name="ExportKind", description="What a CSV export holds.")
ExportStatusEnum = strawberry.enum(ExportStatus, name="ExportStatus",
                                   description="Where a CSV export stands.")


@strawberry.type(description="One grouping key of a statistics row, with Thai and English labels.")
class StatsKey:
    dimension: CaseDimension = strawberry.field(description="The dimension grouped by.")
    code: str | None = strawberry.field(
        description="The value: a code (category, area, office), a status, a level, a fiscal "
                    "year B.E. or a month `YYYY-MM` (C.E.). Null for cases without it.")
    label_th: str = strawberry.field(description="Label in Thai (months and years in B.E.).")
    label_en: str = strawberry.field(description="Label in English.")

    @classmethod
    def of(cls, key: results.GroupKey) -> StatsKey:
        return cls(dimension=key.dimension, code=key.code, label_th=key.label_th, label_en=key.label_en)


@strawberry.type(description="Open cases (new, routed, in progress) by whole days since they were received.")
class OpenCasesByAge:
    days_0_to_7: int = strawberry.field(name="days0To7", description="0–7 days old.")
    days_8_to_30: int = strawberry.field(name="days8To30", description="8–30 days old.")
    days_31_to_60: int = strawberry.field(name="days31To60", description="31–60 days old.")
    over_60_days: int = strawberry.field(name="over60Days", description="More than 60 days old.")


@strawberry.type(description="The figures of one group of cases.")
class CaseStatsRow:
    keys: list[StatsKey] = strawberry.field(description="The group, one key per `groupBy` dimension.")
    case_count: int = strawberry.field(description="Cases in the group.")
    referral_count: int = strawberry.field(description="Referrals of those cases (every leg, also redirected ones).")
    accepted_within_deadline: int = strawberry.field(
        description="Referrals accepted by their acceptance deadline.")
    acceptance_counted: int = strawberry.field(
        description="Referrals whose acceptance is decided: accepted, or still awaiting acceptance past the deadline.")
    accepted_within_deadline_share: float | None = strawberry.field(
        description="acceptedWithinDeadline / acceptanceCounted; null when nothing is counted.")
    resolved_within_deadline: int = strawberry.field(
        description="Referrals completed by their resolution deadline.")
    resolution_counted: int = strawberry.field(
        description="Referrals completed, or still open past their resolution deadline.")
    resolved_within_deadline_share: float | None = strawberry.field(
        description="resolvedWithinDeadline / resolutionCounted; null when nothing is counted.")
    median_business_days_to_accept: float | None = strawberry.field(
        description="Median office time from referral to acceptance, in business days "
                    "(08:30–16:30 Bangkok; weekends and public holidays do not count).")
    p90_business_days_to_accept: float | None = strawberry.field(
        description="90th percentile (linear interpolation) of business days to accept.")
    median_business_days_to_resolve: float | None = strawberry.field(
        description="Median business days from referral to completion.")
    p90_business_days_to_resolve: float | None = strawberry.field(
        description="90th percentile (linear interpolation) of business days to complete.")
    open_by_age: OpenCasesByAge = strawberry.field(description="Open cases by age.")
    amount_recovered_thb: Decimal = strawberry.field(description="Baht recovered for citizens.")
    satisfaction_count: int = strawberry.field(description="Cases with a recorded satisfaction score.")
    mean_satisfaction: float | None = strawberry.field(
        description="Mean satisfaction (1–5) of those cases; null when none was recorded.")
    overdue_referral_count: int = strawberry.field(
        description="Referrals (current legs, not cases) whose running deadline — acceptance while "
                    "pending, resolution while accepted — has passed, as of `asOf`.")
    escalated_open_case_count: int = strawberry.field(
        description="Open cases (new, routed, in progress) at escalation level 1 or more.")

    @classmethod
    def of(cls, row: results.CaseStatsRow) -> CaseStatsRow:
        a, b, c, d = row.open_by_age
        return cls(
            keys=[StatsKey.of(k) for k in row.keys], case_count=row.case_count,
            referral_count=row.referral_count, accepted_within_deadline=row.accepted_within_deadline,
            acceptance_counted=row.acceptance_counted,
            accepted_within_deadline_share=row.accepted_within_deadline_share,
            resolved_within_deadline=row.resolved_within_deadline,
            resolution_counted=row.resolution_counted,
            resolved_within_deadline_share=row.resolved_within_deadline_share,
            median_business_days_to_accept=row.median_business_days_to_accept,
            p90_business_days_to_accept=row.p90_business_days_to_accept,
            median_business_days_to_resolve=row.median_business_days_to_resolve,
            p90_business_days_to_resolve=row.p90_business_days_to_resolve,
            open_by_age=OpenCasesByAge(days_0_to_7=a, days_8_to_30=b, days_31_to_60=c, over_60_days=d),
            amount_recovered_thb=row.amount_recovered_thb, satisfaction_count=row.satisfaction_count,
            mean_satisfaction=row.mean_satisfaction, overdue_referral_count=row.overdue_referral_count,
            escalated_open_case_count=row.escalated_open_case_count)


@strawberry.enum(description="Where the figures of a `caseStats` answer came from; exact either way.")
class StatsSource(Enum):
    ROLLUP = "ROLLUP"
    LIVE = "LIVE"


@strawberry.type(description="Case statistics grouped as asked, of the cases you may see: from the rollups "
                             "kept with every change when they can say the question, else live from the cases.")
class CaseStats:
    group_by: list[CaseDimension] = strawberry.field(description="The dimensions grouped by, in order.")
    rows: list[CaseStatsRow] = strawberry.field(description="One row per group, ordered by the keys.")
    as_of: datetime = strawberry.field(description="The moment the figures describe (ages, overdue).")
    source: StatsSource = strawberry.field(
        description="ROLLUP: summed ahead (national questions in milliseconds); LIVE: counted from the cases "
                    "(a sub-district, an office or text filter, or figures the rollups do not keep).")

    @classmethod
    def of(cls, stats: results.CaseStats) -> CaseStats:
        return cls(group_by=list(stats.group_by), rows=[CaseStatsRow.of(r) for r in stats.rows],
                   as_of=stats.as_of, source=StatsSource(stats.source))


@strawberry.type(description="What one labour volunteer has done.")
class VolunteerActivityRow:
    user_id: strawberry.ID = strawberry.field(description="The volunteer's user id.")
    username: str = strawberry.field(description="The volunteer's username.")
    display_name: str = strawberry.field(description="The volunteer's name.")
    area_code: str | None = strawberry.field(description="The area the volunteer is assigned to.")
    area_name_th: str | None = strawberry.field(description="That area's Thai name.")
    area_name_en: str | None = strawberry.field(description="That area's English name.")
    cases_filed: int = strawberry.field(description="Cases filed in the period (all cases when no period is given).")
    open_cases: int = strawberry.field(description="Their cases still open now.")
    last_activity_at: datetime | None = strawberry.field(
        description="Their last entry in any case history; null if none.")
    days_since_last_activity: int = strawberry.field(
        description="Whole days since the last activity (since the account was made when there was none).")
    satisfaction_count: int = strawberry.field(description="Their cases with a satisfaction score.")
    mean_satisfaction: float | None = strawberry.field(description="Mean satisfaction of their cases.")
    events_prepared: int = strawberry.field(
        description="Mobile-unit events they prepared (venue checked ready or people invited), not cancelled, "
                    "starting in the period (all such events when no period is given).")
    meetings_attended: int = strawberry.field(
        description="Network meetings and training they attended, not cancelled, starting in the period "
                    "(all such events when no period is given).")

    @classmethod
    def of(cls, row: results.VolunteerActivityRow) -> VolunteerActivityRow:
        return cls(user_id=strawberry.ID(str(row.user_id)), username=row.username,
                   display_name=row.display_name, area_code=row.area_code,
                   area_name_th=row.area_label_th, area_name_en=row.area_label_en,
                   cases_filed=row.cases_filed, open_cases=row.open_cases,
                   last_activity_at=row.last_activity_at,
                   days_since_last_activity=row.days_since_last_activity,
                   satisfaction_count=row.satisfaction_count, mean_satisfaction=row.mean_satisfaction,
                   events_prepared=row.events_prepared, meetings_attended=row.meetings_attended)


@strawberry.type(description="The volunteer network's activity in your scope.")
class VolunteerActivity:
    volunteer_count: int = strawberry.field(description="Active volunteer accounts in scope.")
    inactive_30_days: int = strawberry.field(name="inactive30Days", description="Volunteers with no activity for 30 days or more.")
    inactive_60_days: int = strawberry.field(name="inactive60Days", description="… for 60 days or more.")
    inactive_90_days: int = strawberry.field(name="inactive90Days", description="… for 90 days or more.")
    volunteers: list[VolunteerActivityRow] = strawberry.field(
        description="The requested page of volunteers, least recently active first.")
    as_of: datetime = strawberry.field(description="The moment the figures describe.")

    @classmethod
    def of(cls, report: results.VolunteerActivity) -> VolunteerActivity:
        return cls(volunteer_count=report.volunteer_count, inactive_30_days=report.inactive_30_days,
                   inactive_60_days=report.inactive_60_days, inactive_90_days=report.inactive_90_days,
                   volunteers=[VolunteerActivityRow.of(v) for v in report.volunteers],
                   as_of=report.as_of)


@strawberry.type(description="Sub-districts with at least one active volunteer, in one area.")
class AreaCoverage:
    code: str = strawberry.field(description="Area code (empty for the whole country).")
    name_th: str = strawberry.field(description="Thai name.")
    name_en: str = strawberry.field(description="English name.")
    subdistrict_count: int = strawberry.field(description="Sub-districts in the area.")
    covered_count: int = strawberry.field(description="Of those, sub-districts with an active volunteer.")
    share: float | None = strawberry.field(description="coveredCount / subdistrictCount.")

    @classmethod
    def of(cls, row: results.AreaCoverage) -> AreaCoverage:
        return cls(code=row.code, name_th=row.label_th, name_en=row.label_en,
                   subdistrict_count=row.subdistrict_count, covered_count=row.covered_count,
                   share=row.share)


@strawberry.type(description="A sub-district without an active volunteer.")
class UncoveredSubdistrict:
    code: str = strawberry.field(description="6-digit sub-district code.")
    name_th: str = strawberry.field(description="Thai name.")
    name_en: str = strawberry.field(description="English name.")
    district_code: str = strawberry.field(description="Its district's code.")


# A page of uncovered sub-districts: the default holds any one province whole (Nakhon
# Ratchasima has the most, 289); the whole country (7,436) takes pages.
UNCOVERED_PAGE = 300
MAX_UNCOVERED_PAGE = 1000


@strawberry.type(description="The volunteer network's reach: the ministry's expansion target made visible.")
class NetworkCoverage:
    total: AreaCoverage = strawberry.field(description="The whole area asked about.")
    provinces: list[AreaCoverage] = strawberry.field(description="By province.")
    districts: list[AreaCoverage] = strawberry.field(description="By district.")
    all_uncovered: strawberry.Private[tuple[results.AreaRef, ...]]

    @strawberry.field(description="Sub-districts with no active volunteer, by code: `first` of them "
                                  f"after skipping `offset` (at most {MAX_UNCOVERED_PAGE:,} a page). "
                                  "There are `total.subdistrictCount - total.coveredCount` in all.")
    def uncovered(self, first: int = UNCOVERED_PAGE, offset: int = 0) -> list[UncoveredSubdistrict]:
        if not 1 <= first <= MAX_UNCOVERED_PAGE or offset < 0:
            raise bad_input(f"`first` must be between 1 and {MAX_UNCOVERED_PAGE}; `offset` not negative.",
                            f"`first` ต้องอยู่ระหว่าง 1 ถึง {MAX_UNCOVERED_PAGE} และ `offset` ต้องไม่ติดลบ")
        return [UncoveredSubdistrict(code=u.code, name_th=u.label_th, name_en=u.label_en,
                                     district_code=u.district_code)
                for u in self.all_uncovered[offset:offset + first]]

    @classmethod
    def of(cls, report: results.NetworkCoverage) -> NetworkCoverage:
        return cls(total=AreaCoverage.of(report.total),
                   provinces=[AreaCoverage.of(p) for p in report.provinces],
                   districts=[AreaCoverage.of(d) for d in report.districts],
                   all_uncovered=report.uncovered)


@strawberry.type(description="Referrals that one office declined or sent on, and where they went.")
class RoutingFlow:
    kind: str = strawberry.field(description="REJECTED (declined) or REDIRECTED.")
    from_org_unit: str = strawberry.field(description="The office that declined or redirected.")
    to_org_unit: str | None = strawberry.field(description="Where it was redirected to; null when declined.")
    count: int = strawberry.field(description="How many referrals.")


@strawberry.type(description="How often referrals of one problem type in one province go wrong.")
class RoutingAccuracyRow:
    category: StatsKey = strawberry.field(description="The problem type.")
    province: StatsKey = strawberry.field(description="The province of the cases.")
    referral_count: int = strawberry.field(description="All referrals (legs).")
    rejected_count: int = strawberry.field(description="Referrals declined.")
    redirected_count: int = strawberry.field(description="Referrals redirected to another office.")
    rejected_share: float | None = strawberry.field(description="rejectedCount / referralCount.")
    redirected_share: float | None = strawberry.field(description="redirectedCount / referralCount.")
    flows: list[RoutingFlow] = strawberry.field(description="Declines and redirects by office, most frequent first.")

    @classmethod
    def of(cls, row: results.RoutingAccuracyRow) -> RoutingAccuracyRow:
        return cls(category=StatsKey.of(row.category), province=StatsKey.of(row.province),
                   referral_count=row.referral_count, rejected_count=row.rejected_count,
                   redirected_count=row.redirected_count, rejected_share=row.rejected_share,
                   redirected_share=row.redirected_share,
                   flows=[RoutingFlow(kind=f.kind, from_org_unit=f.from_org_unit,
                                      to_org_unit=f.to_org_unit, count=f.count) for f in row.flows])


@strawberry.type(description="A CSV export (UTF-8 with BOM, dates in B.E., no personal data).")
class StatsExport:
    id: strawberry.ID = strawberry.field(description="The export's id.")
    kind: ExportKind = strawberry.field(description="What it holds.")
    status: ExportStatus = strawberry.field(description="PENDING and RUNNING wait for a worker; DONE has the file.")
    filename: str = strawberry.field(description="A file name to save it as.")
    row_count: int | None = strawberry.field(description="Data rows in the file, when done.")
    created_at: datetime = strawberry.field(description="When it was asked for (the figures are as of then).")
    finished_at: datetime | None = strawberry.field(description="When the file was made.")
    csv: str | None = strawberry.field(description="The file's text, BOM included, when done.")

    @classmethod
    def of(cls, row: ExportRow, with_content: bool = True) -> StatsExport:
        text = row.content.decode("utf-8") if with_content and row.content is not None else None
        return cls(id=strawberry.ID(str(row.id)), kind=ExportKind(row.kind),
                   status=ExportStatus(row.status), filename=row.filename, row_count=row.row_count,
                   created_at=row.created_at, finished_at=row.finished_at, csv=text)

