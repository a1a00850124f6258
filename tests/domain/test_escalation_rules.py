"""Deadline clocks and escalation thresholds: pure, table-driven, the clock passed in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.clock.business import with_changes
from domain.clock.business import BANGKOK, due_at
from domain.cases.deadlines import (Deadline, DeadlineKind, Level, has_legal_clock, legal_due_at, level_at, levels_reached, next_escalation_at, resume_shift, running_deadlines, shift)
from domain.clock.business import add_office_time
from domain.clock.business import next_business_hour
from tests.factories import CAL, bkk


@pytest.mark.parametrize(("made", "days", "expected"), [
    # weekends: Friday + 2 business days = Tuesday
    (bkk(2026, 11, 20, 10), 2, bkk(2026, 11, 24, 16, 30)),
    # Songkran 13-15 April 2026: SPEC's worked example
    (bkk(2026, 4, 10, 10), 2, bkk(2026, 4, 17, 16, 30)),
    # same day, made after hours on a Friday: Monday 16:30
    (bkk(2026, 11, 20, 17), 0, bkk(2026, 11, 23, 16, 30)),
    # New Year: 31 Dec 2026 and 1 Jan 2027 are holidays
    (bkk(2026, 12, 30, 9), 1, bkk(2027, 1, 4, 16, 30)),
])
def test_due_at_counts_business_days(made: datetime, days: int, expected: datetime) -> None:
    assert due_at(made, days, CAL) == expected


def test_an_admin_added_holiday_moves_a_deadline() -> None:
    made = bkk(2026, 11, 23, 10)  # Monday
    assert due_at(made, 2, CAL) == bkk(2026, 11, 25, 16, 30)
    cabinet = with_changes(added=[date(2026, 11, 24)])
    assert due_at(made, 2, cabinet) == bkk(2026, 11, 26, 16, 30)
    assert due_at(made, 2, with_changes(added=[date(2026, 11, 24)], removed=[date(2026, 11, 24)])) \
        == bkk(2026, 11, 25, 16, 30)


def test_removing_a_seeded_holiday_makes_it_a_working_day() -> None:
    made = bkk(2026, 4, 10, 10)
    songkran_off = with_changes(removed=[date(2026, 4, 13)])
    assert due_at(made, 2, songkran_off) == bkk(2026, 4, 16, 16, 30)


@pytest.mark.parametrize(("start", "days", "expected"), [
    (bkk(2026, 11, 23, 10), 0.5, bkk(2026, 11, 23, 14)),
    (bkk(2026, 11, 23, 16, 30), 1.0, bkk(2026, 11, 24, 16, 30)),
    (bkk(2026, 11, 20, 16), 0.25, bkk(2026, 11, 23, 10)),  # Friday 16:00 + 2 h → Monday 10:00
    (bkk(2026, 11, 21, 12), 0.125, bkk(2026, 11, 23, 9, 30)),  # from a Saturday
    (bkk(2026, 4, 10, 16, 30), 1.0, bkk(2026, 4, 16, 16, 30)),  # over Songkran
])
def test_add_office_time(start: datetime, days: float, expected: datetime) -> None:
    assert add_office_time(start, days, CAL) == expected


def test_thresholds_of_a_two_day_acceptance_deadline() -> None:
    made = bkk(2026, 11, 23, 10)  # Monday 10:00; allowance 6.5 + 8 + 8 = 22.5 office hours
    deadline = Deadline(DeadlineKind.ACCEPT, made, due_at(made, 2, CAL))
    assert level_at(deadline, Level.WARNING, CAL) == bkk(2026, 11, 25, 12)  # 80 % = 18 h
    assert level_at(deadline, Level.UNIT_HEAD, CAL) == bkk(2026, 11, 25, 16, 30)
    assert level_at(deadline, Level.COORDINATORS, CAL) == bkk(2026, 11, 27, 11, 45)  # +11.25 h
    assert level_at(deadline, Level.SUPERVISORS, CAL) == bkk(2026, 11, 30, 15)  # +22.5 h


def test_songkran_deadline_escalates_on_its_business_days() -> None:
    made = bkk(2026, 4, 10, 10)
    deadline = Deadline(DeadlineKind.ACCEPT, made, due_at(made, 2, CAL))
    assert level_at(deadline, Level.UNIT_HEAD, CAL) == bkk(2026, 4, 17, 16, 30)
    assert level_at(deadline, Level.WARNING, CAL).astimezone(BANGKOK).date() == date(2026, 4, 17)


@pytest.mark.parametrize(("now", "fired", "expected"), [
    (bkk(2026, 11, 25, 11, 59), set(), []),
    (bkk(2026, 11, 25, 12), set(), [Level.WARNING]),
    (bkk(2026, 11, 25, 17), set(), [Level.WARNING, Level.UNIT_HEAD]),  # no rung skipped
    (bkk(2026, 11, 25, 17), {0}, [Level.UNIT_HEAD]),
    (bkk(2026, 11, 25, 17), {0, 1}, []),
    (bkk(2026, 12, 10, 9), {0, 1}, [Level.COORDINATORS, Level.SUPERVISORS]),
    (bkk(2026, 12, 10, 9), {0, 1, 2, 3}, []),
])
def test_levels_reached_fire_once_each(now: datetime, fired: set[int], expected: list[Level]) -> None:
    made = bkk(2026, 11, 23, 10)
    deadline = Deadline(DeadlineKind.ACCEPT, made, due_at(made, 2, CAL))
    assert levels_reached(deadline, fired, now, CAL) == expected


def test_next_escalation_is_the_earliest_unfired_level_of_any_running_deadline() -> None:
    made = bkk(2026, 11, 23, 10)
    target = Deadline(DeadlineKind.ACCEPT, made, due_at(made, 2, CAL))
    legal = Deadline(DeadlineKind.LEGAL, made, legal_due_at(made), office_time=False)
    assert next_escalation_at([target, legal], {}, CAL) == bkk(2026, 11, 25, 12)
    fired = {DeadlineKind.ACCEPT: {0, 1, 2, 3}}
    assert next_escalation_at([target, legal], fired, CAL) == made + timedelta(days=48)  # 80 % of 60
    assert next_escalation_at([], {}, CAL) is None


def test_on_hold_pauses_the_target_deadline_but_never_the_legal_clock() -> None:
    made, accept, resolve = bkk(2026, 11, 23, 10), bkk(2026, 11, 25, 16, 30), bkk(2027, 1, 8, 16, 30)
    legal = legal_due_at(made)
    held = running_deadlines("ON_HOLD", made, accept, resolve, legal, made)
    assert [d.kind for d in held] == [DeadlineKind.LEGAL]
    assert [d.kind for d in running_deadlines("ACCEPTED", made, accept, resolve, legal, made)] == \
        [DeadlineKind.RESOLVE, DeadlineKind.LEGAL]
    assert [d.kind for d in running_deadlines("PENDING", made, accept, resolve, None, None)] == \
        [DeadlineKind.ACCEPT]
    assert running_deadlines("COMPLETED", made, accept, resolve, legal, made) == []


@pytest.mark.parametrize(("held_at", "resumed_at", "held_days", "due", "new_due"), [
    # held Tue 12:30 → Thu 12:30: two office days, added back: Fri 16:30 → Tue 16:30
    (bkk(2026, 11, 24, 12, 30), bkk(2026, 11, 26, 12, 30), 2.0, bkk(2026, 11, 27, 16, 30),
     bkk(2026, 12, 1, 16, 30)),
    # held over a weekend only: no office time, no shift
    (bkk(2026, 11, 20, 16, 30), bkk(2026, 11, 23, 8, 30), 0.0, bkk(2026, 11, 27, 16, 30),
     bkk(2026, 11, 27, 16, 30)),
    # half a day held
    (bkk(2026, 11, 23, 8, 30), bkk(2026, 11, 23, 12, 30), 0.5, bkk(2026, 11, 27, 16, 30),
     bkk(2026, 11, 30, 12, 30)),
])
def test_resume_adds_the_held_office_time_back(held_at: datetime, resumed_at: datetime, held_days: float,
                                               due: datetime, new_due: datetime) -> None:
    held = resume_shift(held_at, resumed_at, CAL)
    assert held == pytest.approx(held_days)
    assert shift(due, held, CAL) == new_due


@pytest.mark.parametrize(("agency", "category", "legal"), [
    ("DLPW", "UNPAID_WAGES", True), ("DLPW", "UNFAIR_DISMISSAL", True),
    ("DLPW", "WORKPLACE_SAFETY", False), ("SSO", "UNPAID_WAGES", False), ("OPS", "OTHER", False),
])
def test_legal_clock_applies_to_dlpw_wage_and_dismissal(agency: str, category: str, legal: bool) -> None:
    assert has_legal_clock(agency, category) is legal


@pytest.mark.parametrize(("days", "ok"), [(0, True), (1, True), (30, True), (31, False), (-1, False)])
def test_legal_clock_is_60_days_and_extends_by_at_most_30(days: int, ok: bool) -> None:
    received = bkk(2026, 11, 23, 10)
    if ok:
        assert legal_due_at(received, days) == received + timedelta(days=60 + days)
    else:
        with pytest.raises(ValueError):
            legal_due_at(received, days)


def test_legal_thresholds_count_calendar_days() -> None:
    received = bkk(2026, 11, 23, 10)
    legal = Deadline(DeadlineKind.LEGAL, received, legal_due_at(received), office_time=False)
    assert level_at(legal, Level.WARNING, CAL) == received + timedelta(days=48)
    assert level_at(legal, Level.UNIT_HEAD, CAL) == received + timedelta(days=60)
    assert level_at(legal, Level.COORDINATORS, CAL) == received + timedelta(days=90)
    assert level_at(legal, Level.SUPERVISORS, CAL) == received + timedelta(days=120)


@pytest.mark.parametrize(("now", "expected"), [
    (bkk(2026, 11, 23, 10), bkk(2026, 11, 23, 10)),          # Monday, office hours: at once
    (bkk(2026, 11, 23, 7), bkk(2026, 11, 23, 8, 30)),        # before opening
    (bkk(2026, 11, 23, 16, 30), bkk(2026, 11, 24, 8, 30)),   # at closing
    (bkk(2026, 11, 21, 12), bkk(2026, 11, 23, 8, 30)),       # Saturday
    (bkk(2026, 4, 10, 17), bkk(2026, 4, 16, 8, 30)),         # Friday evening before Songkran
])
def test_messages_wait_for_the_next_business_hour(now: datetime, expected: datetime) -> None:
    assert next_business_hour(now, CAL) == expected
