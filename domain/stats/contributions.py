"""What one case or one referral adds to the rollup cells (pure: no database, no clock).

`upkeep` adds a row's new contribution and takes its old one away; `rebuild` computes the same
sums in SQL. Keys and values here are the columns of domain/stats/cell_models.py, in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from domain.cases.state import OPEN_CASE_STATUSES, OPEN_REFERRAL_STATUSES, ReferralStatus
from domain.clock.thai import fiscal_year_be

BANGKOK = timedelta(hours=7)
COARSE_SECONDS = 28_800  # one business day of office time
FINE_SECONDS = 576  # 0.02 business days: a fine bin's midpoint is within 0.01 of its values
OPEN_CASES = frozenset(s.value for s in OPEN_CASE_STATUSES)
OPEN_REFERRALS = frozenset(s.value for s in OPEN_REFERRAL_STATUSES)
CASE_FIELDS = ("province_code", "district_code", "category_code", "received_at", "status",
               "escalation_level", "amount_recovered_thb", "satisfaction", "filed_by_id")
REFERRAL_FIELDS = ("id", "case_id", "org_unit_code", "status", "is_current", "created_at", "accepted_at",
                   "completed_at", "accept_due_at", "resolve_due_at", "next_due_at")


@dataclass(frozen=True)
class CaseDims:
    """What a case's cells are keyed by and never changes after filing."""

    province_code: str
    district_code: str
    category_code: str
    received_at: datetime
    fiscal_year: int | None = None  # the case's (as the live path groups by it)

    def local(self) -> datetime:
        return self.received_at.astimezone(UTC) + BANGKOK

    def periods(self) -> tuple[str, str, str]:
        return _periods(self.received_at)

    def areas(self) -> tuple[tuple[str, str], ...]:
        return (("N", ""), ("P", self.province_code), ("D", self.district_code))

    def cells(self) -> Iterator[tuple[str, str, str]]:
        """(grain, period, area) of every cell this case or its referrals count in: months are
        kept for the nation and provinces, not for districts."""
        for grain, area in self.areas():
            for period in self.periods():
                if grain != "D" or period[0] != "M":
                    yield grain, period, area

    def duration_cells(self) -> Iterator[tuple[str, str, str]]:
        """(grain, period, area) of the duration bins: nation and province, all time and fiscal year."""
        for grain, area in self.areas()[:2]:
            for period in self.periods()[:2]:
                yield grain, period, area


@lru_cache(maxsize=1024)
def _periods(received_at: datetime) -> tuple[str, str, str]:
    """All time, the fiscal year and the month of a case received at `received_at` (a change
    counts a case several times: computed once)."""
    local = received_at.astimezone(UTC) + BANGKOK
    return ("A", f"F{fiscal_year_be(received_at)}", "M" + local.strftime("%Y-%m"))


def local_day(at: datetime) -> int:
    """The Bangkok day of `at`, as days since 1970-01-01."""
    return (at.astimezone(UTC) + BANGKOK - datetime(1970, 1, 1, tzinfo=UTC)).days


def satang(amount: Decimal | float | int | None) -> int:
    return 0 if amount is None else int((Decimal(amount) * 100).to_integral_value())


def case_cells(v: dict[str, object], sign: int) -> Iterator[tuple[tuple[object, ...], tuple[int, ...]]]:
    """(key, values) of `stats_case_cell` for a case's values `v`, times `sign`."""
    dims = CaseDims(str(v["province_code"]), str(v["district_code"]), str(v["category_code"]),
                    v["received_at"])  # type: ignore[arg-type]
    status = str(v["status"])
    satisfaction = v["satisfaction"]
    escalated = status in OPEN_CASES and int(v["escalation_level"] or 0) > 0  # type: ignore[call-overload]
    values = (sign, sign * satang(v["amount_recovered_thb"]), sign * (satisfaction is not None),  # type: ignore[arg-type]
              sign * int(satisfaction or 0), sign * escalated)  # type: ignore[call-overload]
    for grain, period, area in dims.cells():
        yield (grain, period, area, dims.category_code, status), values


def volunteer_cells(v: dict[str, object], sign: int) -> Iterator[tuple[tuple[object, ...], tuple[int, ...]]]:
    """(key, values) of `stats_volunteer_cell` for a case's values, times `sign`."""
    dims = CaseDims(str(v["province_code"]), str(v["district_code"]), str(v["category_code"]),
                    v["received_at"])  # type: ignore[arg-type]
    satisfaction = v["satisfaction"]
    values = (sign, sign * (str(v["status"]) in OPEN_CASES), sign * (satisfaction is not None),
              sign * int(satisfaction or 0))  # type: ignore[call-overload]
    for period in dims.periods()[:2]:  # all time and the fiscal year: a volunteer's months are few
        yield (v["filed_by_id"], dims.province_code, period), values


def open_days(v: dict[str, object], sign: int) -> Iterator[tuple[tuple[object, ...], int]]:
    """(key, count) of `stats_open_day` for a case's values: nothing once it is not open."""
    status = str(v["status"])
    if status not in OPEN_CASES:
        return
    day = local_day(v["received_at"])  # type: ignore[arg-type]
    for grain, area in (("N", ""), ("P", v["province_code"]), ("D", v["district_code"])):
        yield (grain, area, status, day), sign


def running_deadlines(v: dict[str, object]) -> tuple[datetime | None, datetime | None, datetime | None]:
    """A referral's deadlines that still run: acceptance (PENDING, never accepted), resolution
    (open, never completed) and its current leg's next one; None where none runs."""
    status = str(v["status"])
    pending = v["accept_due_at"] if status == ReferralStatus.PENDING.value and v["accepted_at"] is None else None
    opened = v["resolve_due_at"] if status in OPEN_REFERRALS and v["completed_at"] is None else None
    current = v["next_due_at"] if v["is_current"] else None
    return pending, opened, current  # type: ignore[return-value]


def referral_cells(v: dict[str, object], dims: CaseDims, sign: int,
                   mark: datetime) -> Iterator[tuple[tuple[object, ...], tuple[int, ...]]]:
    """(key, values) of `stats_referral_cell` for a referral's values `v` of a case `dims`, with
    the deadlines that had passed by `mark` (the `deadlines` state)."""
    accepted_at, completed_at = v["accepted_at"], v["completed_at"]
    accepted = accepted_at is not None
    completed = completed_at is not None
    values = (sign,
              sign * accepted,
              sign * (accepted and accepted_at <= v["accept_due_at"]),  # type: ignore[operator]
              sign * completed,
              sign * (completed and completed_at <= v["resolve_due_at"]),  # type: ignore[operator]
              *(sign * (due is not None and due < mark) for due in running_deadlines(v)))
    for grain, period, area in dims.cells():
        yield (grain, period, area, dims.category_code, str(v["org_unit_code"])), values


def passed_cells(row: dict[str, object], lo: datetime, hi: datetime,
                 sign: int) -> Iterator[tuple[tuple[object, ...], tuple[int, ...]]]:
    """(key, values) of `stats_referral_cell` for an open referral's row (`open_referral`) whose
    deadlines passed in [lo, hi), times `sign`: what moving the mark from lo to hi adds."""
    passed = tuple(int(due is not None and lo <= due < hi)  # type: ignore[operator]
                   for due in (row["pending_due"], row["open_due"], row["current_due"]))
    if not any(passed):
        return
    dims = CaseDims(str(row["province_code"]), str(row["district_code"]), str(row["category_code"]),
                    row["received_at"])  # type: ignore[arg-type]
    values = (0, 0, 0, 0, 0) + tuple(sign * p for p in passed)
    for grain, period, area in dims.cells():
        yield (grain, period, area, dims.category_code, str(row["org_unit_code"])), values


def duration_bins(measure: str, seconds: int, dims: CaseDims,
                  sign: int) -> Iterator[tuple[tuple[object, ...], int]]:
    """(key, count) of `stats_duration_bin` for one duration in office seconds."""
    coarse, fine = seconds // COARSE_SECONDS, seconds // FINE_SECONDS
    for grain, period, area in dims.duration_cells():
        yield (grain, period, area, measure, "C", coarse), sign
        yield (grain, period, area, measure, "F", fine), sign


def open_referral(v: dict[str, object], dims: CaseDims) -> dict[str, object] | None:
    """The `stats_open_referral` row of a referral's values, or None when no deadline runs."""
    pending, opened, current = running_deadlines(v)
    if pending is None and opened is None and current is None:
        return None
    return {"referral_id": v["id"], "province_code": dims.province_code, "district_code": dims.district_code,
            "category_code": dims.category_code, "org_unit_code": str(v["org_unit_code"]),
            "fiscal_year": dims.fiscal_year, "received_at": dims.received_at,
            "pending_due": pending, "open_due": opened, "current_due": current}


USER_FIELDS = ("role", "is_active", "area_code")


def coverage(v: dict[str, object], sign: int) -> Iterator[tuple[tuple[object, ...], int]]:
    """(key, count) of `stats_coverage` for a user's values: an active volunteer of a sub-district."""
    area = v["area_code"]
    if v["role"] == "VOLUNTEER" and v["is_active"] and isinstance(area, str) and len(area) == 6:
        yield (area,), sign
