"""A period of receipt cut into what rollup cells can say and what the live path must count
(pure). Cells hold whole Bangkok months ("M2026-10"), fiscal years ("F2570") and all time
("A"); a period that starts or ends inside a month leaves a head and a tail for the live path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.clock.thai import BE_OFFSET

BANGKOK = timedelta(hours=7)
Range = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Cut:
    """`cells`: half-open ranges of the `period` column ("M2026-10" ≤ p < "M2027-01"); `whole`:
    the instants the cells cover, as one range; `live`: the instants counted case by case."""

    cells: tuple[tuple[str, str], ...]
    whole: Range
    live: tuple[tuple[datetime, datetime], ...]


def _local(at: datetime) -> datetime:
    return (at.astimezone(UTC) + BANGKOK).replace(tzinfo=None)


def _instant(local: datetime) -> datetime:
    return (local - BANGKOK).replace(tzinfo=UTC)


def _month_start(local: datetime, up: bool) -> datetime:
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if up and first != local:
        first = (first + timedelta(days=32)).replace(day=1)
    return first


def _month_key(local: datetime) -> str:
    return local.strftime("%Y-%m")


def _next_month(local: datetime) -> datetime:
    return (local + timedelta(days=32)).replace(day=1)


def fiscal_year(local_month_start: datetime) -> int:
    return local_month_start.year + BE_OFFSET + (1 if local_month_start.month >= 10 else 0)


def cut(start: datetime | None, end: datetime | None, *, months: bool, years: bool) -> Cut:
    """Cut [start, end) (None: open) for cells; `months`: the question groups by month, so only
    month cells do; `years`: by fiscal year, so month or year cells (never all time)."""
    lo = _month_start(_local(start), up=True) if start is not None else None
    hi = _month_start(_local(end), up=False) if end is not None else None
    if lo is not None and hi is not None and lo >= hi:
        return Cut((), (start, start), ((start, end),) if start < end else ())  # type: ignore[operator]
    live = []
    if start is not None and _instant(lo) > start:  # type: ignore[arg-type]
        live.append((start, _instant(lo)))  # type: ignore[arg-type]
    if end is not None and _instant(hi) < end:  # type: ignore[arg-type]
        live.append((_instant(hi), end))  # type: ignore[arg-type]
    whole = (_instant(lo) if lo is not None else None, _instant(hi) if hi is not None else None)
    if lo is None and hi is None and not months and not years:
        return Cut((("A", "A"),), whole, tuple(live))  # "A" ≤ p ≤ "A": see `conditions`
    if months:
        return Cut(((f"M{_month_key(lo)}" if lo else "M", f"M{_month_key(hi)}" if hi else "N"),), whole, tuple(live))
    return Cut(_years(lo, hi), whole, tuple(live))


def _years(lo: datetime | None, hi: datetime | None) -> tuple[tuple[str, str], ...]:
    """Whole months [lo, hi) as month cells up to the first October, fiscal years, then months."""
    out = []
    a = lo
    if a is not None:
        head_end = a
        while head_end.month != 10 and (hi is None or head_end < hi):
            head_end = _next_month(head_end)
        if head_end != a:
            out.append((f"M{_month_key(a)}", f"M{_month_key(head_end)}"))
        a = head_end
    b = hi
    if b is not None:
        tail_start = b
        while tail_start.month != 10 and (a is None or tail_start > a):
            tail_start = (tail_start - timedelta(days=1)).replace(day=1)
        if tail_start != b:
            out.append((f"M{_month_key(tail_start)}", f"M{_month_key(b)}"))
        b = tail_start
    if a is None or b is None or a < b:
        out.append((f"F{fiscal_year(a)}" if a else "F", f"F{fiscal_year(b)}" if b else "G"))
    return tuple(out)


def day_start(day: int) -> datetime:
    """The first instant of a Bangkok day numbered from 1970-01-01."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day) - BANGKOK


def month_of_day(day: int) -> str:
    """"YYYY-MM" of a Bangkok day numbered from 1970-01-01."""
    return (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m")


def fiscal_year_of_month(month: str) -> int:
    year, mon = int(month[:4]), int(month[5:7])
    return year + BE_OFFSET + (1 if mon >= 10 else 0)


def _month_instant(key: str) -> datetime:
    """The first instant of a month cell's month ("M2026-10")."""
    return _instant(datetime(int(key[1:5]), int(key[6:8]), 1))


def _year_instant(key: str) -> datetime | None:
    """The first instant of a fiscal-year cell's year ("F2570"); None for an open end."""
    if len(key) == 1:
        return None
    return _instant(datetime(int(key[1:]) - BE_OFFSET - 1, 10, 1))


def without_months(c: Cut) -> Cut:
    """The same cut with its month cells counted live (districts keep no month cells). Whole
    fiscal years stay cells; the months around them join the live ranges."""
    live = list(c.live)
    cells = []
    for lo, hi in c.cells:
        if lo.startswith("M"):
            live.append((_month_instant(lo), _month_instant(hi)))
        else:
            cells.append((lo, hi))
    if not cells:
        start = c.whole[0] or c.whole[1]
        return Cut((), (start, start), tuple(live))  # type: ignore[arg-type]
    years = [x for x in cells if x[0].startswith("F")]
    whole = (_year_instant(years[0][0]), _year_instant(years[0][1].replace("G", "F"))) if years else c.whole
    return Cut(tuple(cells), whole, tuple(live))
