"""A referral's deadlines and the escalation ladder: pure functions of values and `now` (convention 1).

A referral runs against up to two deadlines at a time:

* its *target* deadline — acceptance while PENDING, resolution while ACCEPTED — counted in
  office time (08:30–16:30 Asia/Bangkok on business days) and paused while ON_HOLD;
* its *legal* deadline (DLPW wage and dismissal complaints): 60 calendar days from receipt,
  extendable once by at most 30 days, never paused.

Each deadline has an *allowance* (from the referral's start to the deadline). The ladder:
a warning to the assigned officer at 80 % of it (level 0), level 1 at the deadline, level 2
when it is overrun by half the allowance again, level 3 when overrun by the whole allowance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from domain.cases.state import OPEN_REFERRAL_STATUSES, ReferralStatus
from domain.clock.business import BusinessCalendar, add_office_time, business_days_between

LEGAL_DAYS = 60
MAX_EXTENSION_DAYS = 30
LEGAL_CATEGORIES = frozenset({"UNPAID_WAGES", "UNFAIR_DISMISSAL"})
LEGAL_AGENCY = "DLPW"


class DeadlineKind(StrEnum):
    ACCEPT = "ACCEPT"
    RESOLVE = "RESOLVE"
    LEGAL = "LEGAL"


class Level(IntEnum):
    WARNING = 0
    UNIT_HEAD = 1
    COORDINATORS = 2
    SUPERVISORS = 3


# The point of each level, as a fraction of the allowance measured from the start.
THRESHOLDS: Mapping[Level, float] = {
    Level.WARNING: 0.8, Level.UNIT_HEAD: 1.0, Level.COORDINATORS: 1.5, Level.SUPERVISORS: 2.0,
}


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    start: datetime
    due: datetime
    office_time: bool = True  # False: calendar time (the legal clock)


def allowance(deadline: Deadline, calendar: BusinessCalendar) -> float:
    """The allowance in office days (target deadlines) or calendar days (legal)."""
    if deadline.office_time:
        return business_days_between(deadline.start, deadline.due, calendar)
    return (deadline.due - deadline.start) / timedelta(days=1)


def level_at(deadline: Deadline, level: Level, calendar: BusinessCalendar) -> datetime:
    """When `level` of `deadline` is reached."""
    if level is Level.UNIT_HEAD:
        return deadline.due
    span = allowance(deadline, calendar)
    fraction = THRESHOLDS[level]
    if deadline.office_time:
        if fraction < 1:
            return add_office_time(deadline.start, span * fraction, calendar)
        return add_office_time(deadline.due, span * (fraction - 1), calendar)
    return deadline.start + timedelta(days=span * fraction)


def levels_reached(deadline: Deadline, fired: Iterable[int], now: datetime,
                   calendar: BusinessCalendar) -> list[Level]:
    """The levels of `deadline` due at `now` that have not fired yet, lowest first.

    A level passed over (say the sweep was down while warning and level 1 came due) still
    fires: nobody skips a rung of the ladder.
    """
    done = set(fired)
    return [lv for lv in Level if lv not in done and level_at(deadline, lv, calendar) <= now]


def next_escalation_at(deadlines: Iterable[Deadline], fired: Mapping[DeadlineKind, Iterable[int]],
                       calendar: BusinessCalendar) -> datetime | None:
    """The earliest instant a level not yet fired comes due, over all running deadlines."""
    soonest: datetime | None = None
    for deadline in deadlines:
        done = set(fired.get(deadline.kind, ()))
        for lv in Level:
            if lv in done:
                continue
            at = level_at(deadline, lv, calendar)
            if soonest is None or at < soonest:
                soonest = at
            break  # levels of one deadline come in order
    return soonest


def resume_shift(held_at: datetime, now: datetime, calendar: BusinessCalendar) -> float:
    """The office time a referral spent ON_HOLD, in office days, added back on resume."""
    return business_days_between(held_at, now, calendar)


def shift(due: datetime, held_days: float, calendar: BusinessCalendar) -> datetime:
    """A target deadline pushed back by `held_days` of office time."""
    return add_office_time(due, held_days, calendar)


def has_legal_clock(agency_code: str, category_code: str) -> bool:
    return agency_code == LEGAL_AGENCY and category_code in LEGAL_CATEGORIES


def legal_due_at(received_at: datetime, extension_days: int = 0) -> datetime:
    """60 days from receipt of the complaint, plus an approved extension. Never paused."""
    if not 0 <= extension_days <= MAX_EXTENSION_DAYS:
        raise ValueError(f"an extension is 0 to {MAX_EXTENSION_DAYS} days")
    return received_at + timedelta(days=LEGAL_DAYS + extension_days)


def running_deadlines(status: ReferralStatus, created_at: datetime, accept_due: datetime,
                      resolve_due: datetime, legal_due: datetime | None,
                      legal_start: datetime | None) -> list[Deadline]:
    """The deadlines a referral in `status` is running against."""
    running: list[Deadline] = []
    if status == ReferralStatus.PENDING:
        running.append(Deadline(DeadlineKind.ACCEPT, created_at, accept_due))
    elif status == ReferralStatus.ACCEPTED:
        running.append(Deadline(DeadlineKind.RESOLVE, created_at, resolve_due))
    if legal_due is not None and legal_start is not None and status in OPEN_REFERRAL_STATUSES:
        running.append(Deadline(DeadlineKind.LEGAL, legal_start, legal_due, office_time=False))
    return running
