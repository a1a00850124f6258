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


def thai_date(day: date) -> str:
    """`d/m/yyyy` with the year in B.E., as dates are shown to people: `17/4/2569`."""
    return f"{day.day}/{day.month}/{buddhist_year(day)}"


def thai_datetime(at: datetime) -> str:
    """The Bangkok date in B.E. and the time: `17/4/2569 16:30 น.`."""
    local = at.astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M} น."
