"""Thai fiscal year, Buddhist Era and case reference numbers (`43-2570-000123`). Pure."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
MAX_SEQUENCE = 999_999
REFERENCE_PATTERN = re.compile(r"([0-9]{2})-([0-9]{4})-([0-9]{6})")


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


def format_reference(province_code: str, fiscal_year_be: int, sequence: int) -> str:
    """`{province}-{fiscal year B.E.}-{sequence:06d}`, e.g. `43-2570-000123`."""
    if not re.fullmatch(r"[0-9]{2}", province_code):
        raise ValueError("province_code must be two digits")
    if not 1000 <= fiscal_year_be <= 9999:
        raise ValueError("fiscal_year_be must have four digits")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be between 1 and {MAX_SEQUENCE}")
    return f"{province_code}-{fiscal_year_be}-{sequence:06d}"


def parse_reference(reference: str) -> tuple[str, int, int] | None:
    """`(province_code, fiscal_year_be, sequence)` of a well-formed reference, else None."""
    m = REFERENCE_PATTERN.fullmatch(reference.strip())
    if m is None or int(m.group(3)) == 0:
        return None
    return m.group(1), int(m.group(2)), int(m.group(3))
