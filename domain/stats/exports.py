"""CSV exports of a filtered case list or of any dashboard table.

Small requests are answered in the request; large ones become an export job that a worker
runs by name (`stats.generate_export`, with the export's id). Either way the file is UTF-8
with a byte-order mark (Excel reads the Thai), dates in the Buddhist Era, no personal data.
Figures are computed as of the moment the export was asked for. The files' reads go through
`db.report_sessions` (the read replica when one is set); the export rows stay on the primary.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from domain.calendar.service import load_calendar
from domain.cases.commands import CaseFilter
from domain.cases.state import CaseStatus
from domain.clock.business import BusinessCalendar
from domain.db import Database
from domain.errors import AccessDenied, NotFound
from domain.stats import network_repository, repository, rules, service
from domain.stats.models import ExportKind, ExportStatus, StatsExport
from domain.stats.rules import CaseDimension
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal

JOB_NAME = "stats.generate_export"
# Requests over at most this many cases are answered at once; larger ones go to a worker.
INLINE_CASE_LIMIT = 5_000


@dataclass(frozen=True)
class ExportRequest:
    kind: ExportKind
    filter: CaseFilter = CaseFilter()
    group_by: tuple[CaseDimension, ...] = ()
    area_code: str | None = None  # volunteer activity and network coverage
    filed_from: datetime | None = None
    filed_to: datetime | None = None

    def params(self) -> dict[str, Any]:
        f = asdict(self.filter)
        f["statuses"] = [str(s) for s in self.filter.statuses]
        f["category_codes"] = list(self.filter.category_codes)
        return {"filter": f, "groupBy": [str(d) for d in self.group_by], "areaCode": self.area_code,
                "filedFrom": self.filed_from.isoformat() if self.filed_from else None,
                "filedTo": self.filed_to.isoformat() if self.filed_to else None}

    @classmethod
    def of(cls, kind: str, params: dict[str, Any]) -> ExportRequest:
        f = dict(params.get("filter") or {})
        case_filter = CaseFilter(
            statuses=tuple(CaseStatus(s) for s in f.get("statuses") or ()),
            category_codes=tuple(f.get("category_codes") or ()), area_code=f.get("area_code"),
            org_unit_code=f.get("org_unit_code"), text=f.get("text"),
            filed_by_me=bool(f.get("filed_by_me")))
        when = {k: datetime.fromisoformat(params[k]) if params.get(k) else None
                for k in ("filedFrom", "filedTo")}
        return cls(kind=ExportKind(kind), filter=case_filter,
                   group_by=tuple(CaseDimension(d) for d in params.get("groupBy") or ()),
                   area_code=params.get("areaCode"), filed_from=when["filedFrom"],
                   filed_to=when["filedTo"])


@dataclass(frozen=True)
class ExportOutcome:
    export: StatsExport
    csv: str | None  # the file, when it was made at once


def _filename(kind: ExportKind, now: datetime) -> str:
    local = rules.be_date(now).split("/")
    return f"khortor-{kind.value.lower().replace('_', '-')}-{local[2]}{local[1]}{local[0]}.csv"


async def request_export(db: Database, principal: Principal, request: ExportRequest, now: datetime,
                         calendar: BusinessCalendar, uow: UnitOfWork, *,
                         inline_limit: int = INLINE_CASE_LIMIT) -> ExportOutcome:
    """Make the CSV now when it is small; otherwise record a job for a worker."""
    service.require_stats_reader(principal, mentors=request.kind is ExportKind.VOLUNTEER_ACTIVITY)
    async with db.report_sessions() as session:
        size = await network_repository.count_cases(session, principal, request.filter)
    export = StatsExport(requested_by_id=principal.user_id, kind=request.kind,
                         params=request.params(), status=ExportStatus.PENDING,
                         filename=_filename(request.kind, now), created_at=now)
    text = None
    if size <= inline_limit:
        text, rows = await build_csv(db, principal, request, now, calendar)
        export.status, export.row_count = ExportStatus.DONE, rows
        export.content, export.started_at, export.finished_at = text.encode("utf-8"), now, now
    uow.session.add(export)
    await uow.flush()
    if text is None:
        uow.enqueue(JOB_NAME, export_id=str(export.id))
    return ExportOutcome(export, text)


async def generate_export(db: Database, export_id: uuid.UUID | str,
                          calendar: BusinessCalendar | None = None,
                          clock: Any = None) -> None:
    """The job: make the file of a pending export. Safe to run twice; a finished one is left alone."""
    export_id = uuid.UUID(str(export_id))
    async with UnitOfWork(db) as uow:
        calendar = calendar or await load_calendar(uow.session)
        export = await network_repository.export_by_id(uow.session, export_id, for_update=True)
        if export is None or export.status == ExportStatus.DONE:
            return
        user = await network_repository.user_by_id(uow.session, export.requested_by_id)
        export.status = ExportStatus.RUNNING
        export.started_at = clock() if clock else export.created_at
        kind, params, as_of = export.kind, dict(export.params), export.created_at
    principal = Principal.of(user) if user is not None and user.is_active else None
    try:
        if principal is None:
            raise AccessDenied("The user who asked for this export can no longer sign in.")
        text, rows = await build_csv(db, principal, ExportRequest.of(kind, params), as_of, calendar)
    except Exception as error:
        async with UnitOfWork(db) as uow:
            failed = await network_repository.export_by_id(uow.session, export_id, for_update=True)
            if failed is not None:
                failed.status, failed.error = ExportStatus.FAILED, type(error).__name__
                failed.finished_at = clock() if clock else as_of
        raise
    async with UnitOfWork(db) as uow:
        done = await network_repository.export_by_id(uow.session, export_id, for_update=True)
        if done is None or done.status == ExportStatus.DONE:
            return
        done.status, done.row_count, done.content = ExportStatus.DONE, rows, text.encode("utf-8")
        done.finished_at, done.error = clock() if clock else as_of, None


async def find_export(db: Database, principal: Principal, export_id: uuid.UUID) -> StatsExport:
    """An export of the asker (an admin may read any); otherwise not found."""
    async with db.read_sessions() as session:
        export = await network_repository.export_by_id(session, export_id)
    if export is None or (export.requested_by_id != principal.user_id and principal.role is not Role.ADMIN):
        raise NotFound("export", "ไฟล์ส่งออก")
    return export


# --- the files ------------------------------------------------------------------------------------

async def build_csv(db: Database, principal: Principal, request: ExportRequest, now: datetime,
                    calendar: BusinessCalendar) -> tuple[str, int]:
    """The CSV text (with BOM) and its number of data rows."""
    header: list[str]
    rows: list[list[Any]]
    if request.kind is ExportKind.CASES:
        header, rows = await _cases(db, principal, request.filter)
    elif request.kind is ExportKind.CASE_STATS:
        header, rows = _case_stats(await service.case_stats(db, principal, request.filter,
                                                            request.group_by, now, calendar))
    elif request.kind is ExportKind.VOLUNTEER_ACTIVITY:
        header, rows = await _activity(db, principal, request, now)
    elif request.kind is ExportKind.NETWORK_COVERAGE:
        header, rows = await _coverage(db, principal, request.area_code)
    else:
        header, rows = await _routing(db, principal, request.filter)
    return rules.csv_text(header, rows), len(rows)


async def _cases(db: Database, principal: Principal, f: CaseFilter) -> tuple[list[str], list[list[Any]]]:
    service.require_stats_reader(principal)
    async with db.report_sessions() as session:
        cases = await network_repository.case_rows_for_export(session, principal, f)
        offices = await network_repository.current_offices(session, principal, f)
        categories = await repository.category_names(session, {c[3] for c in cases})
        areas = await repository.area_names(session, {code for c in cases for code in c[4:7]})
    header = ["เลขที่เรื่อง (reference)", "สถานะ (status)", "ประเภทปัญหา (problem type)",
              "จังหวัด (province)", "อำเภอ (district)", "ตำบล (sub-district)",
              "วันที่รับเรื่อง พ.ศ. (received, B.E.)", "ปีงบประมาณ พ.ศ. (fiscal year, B.E.)",
              "หน่วยงาน (offices)", "ระดับการยกระดับ (escalation level)",
              "ผลการดำเนินการ (outcome)", "จำนวนเงินที่ได้รับคืน (บาท) (amount recovered, THB)",
              "ความพึงพอใจ (satisfaction)", "วันที่แก้ไขแล้ว พ.ศ. (resolved, B.E.)",
              "วันที่ปิดเรื่อง พ.ศ. (closed, B.E.)"]
    rows = [[c[1], rules.status_label(c[2])[0], categories.get(c[3], (c[3],))[0],
             areas.get(c[4], (c[4],))[0], areas.get(c[5], (c[5],))[0], areas.get(c[6], (c[6],))[0],
             rules.be_datetime(c[7]), c[8], " ".join(offices.get(c[0], [])), c[9], c[10],
             c[11], c[12], rules.be_datetime(c[13]), rules.be_datetime(c[14])] for c in cases]
    return header, rows


_DIMENSION_TH = {"STATUS": "สถานะ", "CATEGORY": "ประเภทปัญหา", "AGENCY": "กรม", "ORG_UNIT": "หน่วยงาน",
                 "PROVINCE": "จังหวัด", "DISTRICT": "อำเภอ", "SUBDISTRICT": "ตำบล",
                 "ESCALATION_LEVEL": "ระดับการยกระดับ", "FISCAL_YEAR": "ปีงบประมาณ พ.ศ.",
                 "MONTH": "เดือนที่รับเรื่อง"}


def _case_stats(stats: Any) -> tuple[list[str], list[list[Any]]]:
    header: list[str] = []
    for dim in stats.group_by:
        header += [f"รหัส{_DIMENSION_TH[dim]} ({dim.lower()} code)", f"{_DIMENSION_TH[dim]} ({dim.lower()})"]
    header += ["จำนวนเรื่อง (cases)", "จำนวนการส่งต่อ (referrals)",
               "สัดส่วนรับเรื่องทันกำหนด (accepted within deadline)",
               "สัดส่วนแก้ไขทันกำหนด (resolved within deadline)",
               "มัธยฐานวันทำการถึงรับเรื่อง (median business days to accept)",
               "เปอร์เซ็นไทล์ที่ 90 วันทำการถึงรับเรื่อง (p90 business days to accept)",
               "มัธยฐานวันทำการถึงแก้ไข (median business days to resolve)",
               "เปอร์เซ็นไทล์ที่ 90 วันทำการถึงแก้ไข (p90 business days to resolve)",
               "เรื่องค้าง 0-7 วัน (open 0-7 days)", "เรื่องค้าง 8-30 วัน (open 8-30 days)",
               "เรื่องค้าง 31-60 วัน (open 31-60 days)", "เรื่องค้างเกิน 60 วัน (open over 60 days)",
               "จำนวนเงินที่ได้รับคืน (บาท) (amount recovered, THB)",
               "ความพึงพอใจเฉลี่ย (mean satisfaction)"]
    rows = []
    for r in stats.rows:
        line: list[Any] = []
        for k in r.keys:
            line += [k.code, k.label_th]
        line += [r.case_count, r.referral_count, _num(r.accepted_within_deadline_share),
                 _num(r.resolved_within_deadline_share), _num(r.median_business_days_to_accept),
                 _num(r.p90_business_days_to_accept), _num(r.median_business_days_to_resolve),
                 _num(r.p90_business_days_to_resolve), *r.open_by_age, r.amount_recovered_thb,
                 _num(r.mean_satisfaction)]
        rows.append(line)
    return header, rows


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


async def _activity(db: Database, principal: Principal, request: ExportRequest,
                    now: datetime) -> tuple[list[str], list[list[Any]]]:
    report = await service.volunteer_activity(
        db, principal, area_code=request.area_code, filed_from=request.filed_from,
        filed_to=request.filed_to, inactive_for_days=None, first=10**9, offset=0, now=now)
    header = ["ชื่อผู้ใช้ (username)", "ชื่อ (name)", "รหัสพื้นที่ (area code)", "พื้นที่ (area)",
              "เรื่องที่รับแจ้ง (cases filed)", "เรื่องค้าง (open cases)",
              "กิจกรรมล่าสุด พ.ศ. (last activity, B.E.)", "ไม่มีกิจกรรม (วัน) (days inactive)",
              "ความพึงพอใจเฉลี่ย (mean satisfaction)", "เตรียมหน่วยบริการ (mobile units prepared)",
              "เข้าประชุม/อบรม (meetings attended)"]
    rows = [[v.username, v.display_name, v.area_code, v.area_label_th, v.cases_filed, v.open_cases,
             rules.be_datetime(v.last_activity_at), v.days_since_last_activity, _num(v.mean_satisfaction),
             v.events_prepared, v.meetings_attended]
            for v in (report.volunteers if report else ())]
    return header, rows


async def _coverage(db: Database, principal: Principal,
                    area_code: str | None) -> tuple[list[str], list[list[Any]]]:
    report = await service.network_coverage(db, principal, area_code)
    header = ["รหัสอำเภอ (district code)", "อำเภอ (district)", "ตำบลทั้งหมด (sub-districts)",
              "ตำบลที่มี อสร. (covered)", "สัดส่วน (share)"]
    rows = [[d.code, d.label_th, d.subdistrict_count, d.covered_count, _num(d.share)]
            for d in (report.districts if report else ())]
    return header, rows


async def _routing(db: Database, principal: Principal, f: CaseFilter) -> tuple[list[str], list[list[Any]]]:
    report = await service.routing_accuracy(db, principal, f)
    header = ["รหัสประเภทปัญหา (problem type code)", "ประเภทปัญหา (problem type)",
              "รหัสจังหวัด (province code)", "จังหวัด (province)", "การส่งต่อ (referrals)",
              "ไม่รับเรื่อง (declined)", "ส่งต่อหน่วยงานอื่น (redirected)"]
    rows = [[r.category.code, r.category.label_th, r.province.code, r.province.label_th,
             r.referral_count, r.rejected_count, r.redirected_count] for r in report]
    return header, rows
