"""The Thai ways of naming time: the Buddhist Era and the fiscal year (1 Oct – 30 Sep). Pure."""

from __future__ import annotations

from datetime import date, datetime

from domain.clock.business import BANGKOK

BE_OFFSET = 543


def buddhist_year(day: date) -> int:
    """The Buddhist Era year of `day` (C.E. + 543)."""
    return day.year + BE_OFFSET


def fiscal_year_be(at: datetime) -> int:
    """The Thai fiscal year (1 Oct – 30 Sep, named by the year it ends) in B.E., in Bangkok time."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    local = at.astimezone(BANGKOK)
    year_ce = local.year + 1 if local.month >= 10 else local.year
    return year_ce + BE_OFFSET


# Short month names as the web client's dates show them (Intl th-TH and en-GB, "short").
MONTHS_TH = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def thai_date(day: date) -> str:
    """A day as people read it, the year in B.E., as on every screen: `17 เม.ย. 2569`."""
    return f"{day.day} {MONTHS_TH[day.month - 1]} {buddhist_year(day)}"


def thai_datetime(at: datetime) -> str:
    """The Bangkok date in B.E. and the time, as on every screen: `17 เม.ย. 2569 16:30`."""
    local = at.astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M}"


def english_datetime(at: datetime) -> str:
    """The same instant for the English line, as the client shows it: `17 Apr 2026, 16:30`."""
    local = at.astimezone(BANGKOK)
    return f"{local.day} {MONTHS_EN[local.month - 1]} {local.year}, {local:%H:%M}"
