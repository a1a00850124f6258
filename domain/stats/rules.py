"""Pure rules of the dashboards: percentiles, business-time measure, age buckets, labels, CSV.

No database, no clock: `now` and the calendar are passed in (convention 1).

Business time is measured as *office seconds*: a monotonic function of an instant that
counts 08:30–16:30 Bangkok on business days. The office time between two instants is the
difference of their office seconds (exactly `deadlines.business_days_between` × 28,800,
to the whole second), so the databases can compute it with one join on a day table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from domain.clock.business import BusinessCalendar
from domain.clock.thai import BE_OFFSET
from domain.labels import english, thai
from domain.users.models import Role
from domain.users.principal import Principal

OFFICE_DAY_SECONDS = 8 * 3600  # 08:30–16:30
OFFICE_OPENS_SECOND = 8 * 3600 + 30 * 60  # seconds after local midnight
BANGKOK_OFFSET_SECONDS = 7 * 3600  # Asia/Bangkok is UTC+7 all year (no daylight saving)
EPOCH = date(1970, 1, 1)


class CaseDimension(StrEnum):
    STATUS = "STATUS"
    CATEGORY = "CATEGORY"
    AGENCY = "AGENCY"
    ORG_UNIT = "ORG_UNIT"
    PROVINCE = "PROVINCE"
    DISTRICT = "DISTRICT"
    SUBDISTRICT = "SUBDISTRICT"
    ESCALATION_LEVEL = "ESCALATION_LEVEL"
    FISCAL_YEAR = "FISCAL_YEAR"
    MONTH = "MONTH"


class Figure(StrEnum):
    """Families of `caseStats` figures, each computed only when asked for."""

    CASES = "CASES"  # case count, baht, satisfaction, escalated open cases
    AGES = "AGES"  # open cases by age (as of now)
    REFERRALS = "REFERRALS"  # referral count, accepted and resolved on time
    NOW = "NOW"  # acceptance and resolution counted, overdue referrals (as of now)
    DURATIONS = "DURATIONS"  # medians and 90th percentiles of business days


ALL_FIGURES = frozenset(Figure)
REFERRAL_FIGURES = frozenset({Figure.REFERRALS, Figure.NOW, Figure.DURATIONS})
CASE_FIGURES = frozenset({Figure.CASES, Figure.AGES})


# Dimensions that belong to a referral (a case counts once in each office it was sent to).
REFERRAL_DIMENSIONS = frozenset({CaseDimension.AGENCY, CaseDimension.ORG_UNIT})
# Open cases by age in whole days since they were received: 0–7, 8–30, 31–60, >60.
AGE_BUCKET_UPPER_DAYS = (7, 30, 60)
INACTIVITY_THRESHOLDS_DAYS = (30, 60, 90)


def dimensions(group_by: Iterable[CaseDimension]) -> tuple[CaseDimension, ...]:
    """The requested dimensions once each, in the order asked."""
    return tuple(dict.fromkeys(CaseDimension(d) for d in group_by))


# --- percentiles -------------------------------------------------------------------------

def percentile_cont(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, exactly as PostgreSQL's `percentile_cont`.

    Same float operations in the same order, so SQLite (here) and PostgreSQL (in SQL) agree
    to the last bit. `None` for no values.
    """
    n = len(sorted_values)
    if n == 0:
        return None
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must be between 0 and 1")
    position = fraction * (n - 1)
    first_row = math.floor(position)
    second_row = math.ceil(position)
    first = float(sorted_values[first_row])
    if second_row == first_row:
        return first
    proportion = position - first_row
    return first + proportion * (float(sorted_values[second_row]) - first)


def median(sorted_values: Sequence[float]) -> float | None:
    return percentile_cont(sorted_values, 0.5)


def share(part: int, whole: int) -> float | None:
    """`part / whole`, or None when nothing was counted."""
    return part / whole if whole else None


def mean(total: int | float, count: int) -> float | None:
    return total / count if count else None


# --- business time -------------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarDay:
    """One Bangkok day: its number since 1970-01-01, business days before it, and its kind."""

    day_number: int
    business_days_before: int
    is_business: bool


def calendar_days(calendar: BusinessCalendar, first: date, last: date) -> list[CalendarDay]:
    """The day table from `first` to `last` inclusive; counting starts at `first`."""
    rows: list[CalendarDay] = []
    before = 0
    day = first
    while day <= last:
        business = calendar.is_business_day(day)
        rows.append(CalendarDay((day - EPOCH).days, before, business))
        before += business
        day += timedelta(days=1)
    return rows


@lru_cache(maxsize=16)
def calendar_key(calendar: BusinessCalendar, first: date, last: date) -> str:
    """A name for the calendar's content between `first` and `last` (same days, same key).
    Kept per calendar (it is immutable): every dashboard request asks, and naming 26 years'
    holidays took a sixth of a `caseStats` request (bench/requests.py, issue 11)."""
    days = sorted(d.isoformat() for d in calendar.holidays if first <= d <= last)
    text = f"{first.isoformat()}|{last.isoformat()}|" + ",".join(days)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def local_seconds(at: datetime) -> int:
    """Whole seconds since 1970-01-01 00:00 Bangkok local time (fractions truncated)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    utc = at.astimezone(UTC)
    return math.floor(utc.timestamp()) + BANGKOK_OFFSET_SECONDS


def office_seconds_into_day(second_of_day: int) -> int:
    """Office seconds elapsed on a business day at this local second of the day."""
    return min(max(second_of_day - OFFICE_OPENS_SECOND, 0), OFFICE_DAY_SECONDS)


def office_seconds(at: datetime, days: dict[int, CalendarDay]) -> int | None:
    """The office-time clock at `at`; None outside the day table."""
    seconds = local_seconds(at)
    day = days.get(seconds // 86400)
    if day is None:
        return None
    into = office_seconds_into_day(seconds % 86400) if day.is_business else 0
    return day.business_days_before * OFFICE_DAY_SECONDS + into


def office_seconds_between(start: datetime, end: datetime, days: dict[int, CalendarDay]) -> int | None:
    """Office time from `start` to `end` in whole seconds (0 when `end` is not after `start`)."""
    a, b = office_seconds(start, days), office_seconds(end, days)
    if a is None or b is None:
        return None
    return max(b - a, 0)


def business_days(office_secs: float | None) -> float | None:
    """Office seconds as business days (one office day = 1.0)."""
    return None if office_secs is None else office_secs / OFFICE_DAY_SECONDS


# --- ages and activity ------------------------------------------------------------------

def age_bounds(now: datetime) -> tuple[datetime, datetime, datetime]:
    """Instants splitting open cases into 0–7, 8–30, 31–60 and >60 whole days old.

    A case received at `r` is at most 7 days old when `r > bounds[0]`, at most 30 when
    `r > bounds[1]`, at most 60 when `r > bounds[2]`.
    """
    first, second, third = (now - timedelta(days=upper + 1) for upper in AGE_BUCKET_UPPER_DAYS)
    return first, second, third


def age_bucket(received_at: datetime, now: datetime) -> int:
    """0, 1, 2 or 3 for 0–7, 8–30, 31–60 and >60 whole days since `received_at`."""
    for index, bound in enumerate(age_bounds(now)):
        if received_at > bound:
            return index
    return 3


def whole_days_since(at: datetime | None, now: datetime) -> int | None:
    if at is None:
        return None
    return max((now - at) // timedelta(days=1), 0)


def days_inactive(last_activity: datetime | None, since: datetime, now: datetime) -> int:
    """Whole days without activity (counted from `since` when there was none): inactive for 30
    days means at least 30 of them."""
    return whole_days_since(last_activity or since, now) or 0


# --- scope ----------------------------------------------------------------------------------

STATS_ROLES = frozenset({Role.SUPERVISOR, Role.COORDINATOR, Role.ADMIN})
ACTIVITY_ROLES = STATS_ROLES | {Role.MENTOR}


def area_scope(principal: Principal) -> str | None:
    """The area prefix of volunteers and areas a stats reader may see ("" = the whole country).

    None: no area at all (volunteers, officers, mentors, unknown roles).
    """
    if principal.role is Role.ADMIN:
        return ""
    if principal.role is Role.SUPERVISOR:
        return principal.area_code or ""
    if principal.role is Role.COORDINATOR:
        return principal.province_code
    return None


def narrow_area(scope: str, wanted: str | None) -> str | None:
    """The area to report on: `wanted` if inside `scope`, the scope if nothing wanted; None if outside."""
    if not wanted:
        return scope
    if wanted.startswith(scope):
        return wanted
    if scope.startswith(wanted):
        return scope  # asked for a wider area: only the part in scope
    return None


# --- labels ----------------------------------------------------------------------------------

THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
               "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")


def status_label(status: str) -> tuple[str, str]:
    return thai(status), english(status)


def escalation_label(level: int) -> tuple[str, str]:
    if level == 0:
        return "ไม่ยกระดับ", "not escalated"
    return f"ยกระดับ ระดับ {level}", f"escalation level {level}"


def fiscal_year_label(fiscal_year_be: int) -> tuple[str, str]:
    return f"ปีงบประมาณ พ.ศ. {fiscal_year_be}", f"fiscal year {fiscal_year_be} B.E."


def month_label(month_key: str) -> tuple[str, str]:
    """`2026-04` → ("เมษายน 2569", "April 2026")."""
    year, month = int(month_key[:4]), int(month_key[5:7])
    return f"{THAI_MONTHS[month - 1]} {year + BE_OFFSET}", f"{ENGLISH_MONTHS[month - 1]} {year}"


def fiscal_month(month_key: str) -> int:
    """Month of the Thai fiscal year: October = 1 … September = 12."""
    return (int(month_key[5:7]) - 10) % 12 + 1


def month_key(at: datetime) -> str:
    """The Bangkok month of an instant, `YYYY-MM` in C.E. (the key; labels give B.E.)."""
    local = datetime.fromtimestamp(local_seconds(at), UTC)
    return f"{local.year:04d}-{local.month:02d}"


# --- CSV --------------------------------------------------------------------------------------

BOM = "\ufeff"


def be_date(at: date | datetime | None) -> str:
    """`dd/mm/yyyy` with the Buddhist Era year, in Bangkok time for instants."""
    if at is None:
        return ""
    if isinstance(at, datetime):
        local = datetime.fromtimestamp(local_seconds(at), UTC)
        return f"{local.day:02d}/{local.month:02d}/{local.year + BE_OFFSET}"
    return f"{at.day:02d}/{at.month:02d}/{at.year + BE_OFFSET}"


def be_datetime(at: datetime | None) -> str:
    """`dd/mm/yyyy HH:MM` with the Buddhist Era year, Bangkok time."""
    if at is None:
        return ""
    local = datetime.fromtimestamp(local_seconds(at), UTC)
    return f"{be_date(at)} {local.hour:02d}:{local.minute:02d}"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV (RFC 4180, CRLF) starting with a byte-order mark, so Excel reads the Thai as UTF-8."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue()


def _cell(value: object) -> str:
    text = str(value)
    # A cell a spreadsheet would run as a formula is quoted with a leading apostrophe (OWASP:
    # = + - @, and TAB and CR, which some spreadsheets skip before reading a formula).
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
