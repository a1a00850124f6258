"""The event state machine and the outreach checks, as pure functions (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import IllegalTransition, ValidationFailed
from domain.outreach.models import EventStatus
from domain.outreach.rules import (MAX_COUNT, TRANSITIONS, Breakdown, EventAction, attendance_open, check_schedule,
                                   checked_breakdown, checked_count, next_status)
from tests.factories import bkk

GRAPH = {
    (EventStatus.PLANNED, EventAction.ANNOUNCE): EventStatus.ANNOUNCED,
    (EventStatus.PLANNED, EventAction.CANCEL): EventStatus.CANCELLED,
    (EventStatus.ANNOUNCED, EventAction.MARK_HELD): EventStatus.HELD,
    (EventStatus.ANNOUNCED, EventAction.CANCEL): EventStatus.CANCELLED,
    (EventStatus.HELD, EventAction.REPORT): EventStatus.REPORTED,
}


@pytest.mark.parametrize("status", list(EventStatus))
@pytest.mark.parametrize("action", list(EventAction))
def test_every_transition_on_and_off_the_graph(status: EventStatus, action: EventAction) -> None:
    if (status, action) in GRAPH:
        assert next_status(status, action) is GRAPH[status, action]
    else:
        with pytest.raises(IllegalTransition) as caught:
            next_status(status, action)
        assert caught.value.code == "ILLEGAL_TRANSITION"
        assert caught.value.status is status and caught.value.action is action
        assert "กิจกรรม" in caught.value.message_th and "event" in caught.value.message


def test_the_dispatch_table_is_the_graph() -> None:
    assert TRANSITIONS == GRAPH


def test_a_cancelled_event_is_not_reported_and_says_so_in_thai() -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(EventStatus.CANCELLED, EventAction.REPORT)
    assert caught.value.message_th == "ไม่สามารถรายงานผลกิจกรรมได้ เนื่องจากกิจกรรมอยู่ในสถานะ \"ยกเลิกแล้ว\""


@pytest.mark.parametrize("value", [-1, MAX_COUNT + 1, 10**9])
def test_negative_or_absurd_counts_are_refused(value: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        checked_count("peopleServed", value)
    assert caught.value.code == "OUT_OF_RANGE" and caught.value.field == "peopleServed"
    assert "100,000" in caught.value.message_th


def test_counts_in_range_and_breakdowns() -> None:
    assert checked_count("x", 0) == 0 and checked_count("x", MAX_COUNT) == MAX_COUNT
    assert checked_count("x", None) is None
    with pytest.raises(ValidationFailed):
        checked_count("x", None, required=True)
    checked_breakdown(10, Breakdown(men=4, women=6, age_60_plus=3))
    with pytest.raises(ValidationFailed) as caught:
        checked_breakdown(10, Breakdown(men=8, women=6))
    assert caught.value.field == "men"
    with pytest.raises(ValidationFailed) as caught:
        checked_breakdown(10, Breakdown(age_25_to_59=-1))
    assert caught.value.field == "age25To59"


def test_schedule() -> None:
    now = bkk(2026, 7, 6, 10)
    check_schedule(now + timedelta(hours=1), now + timedelta(hours=5), now)
    with pytest.raises(ValidationFailed) as caught:
        check_schedule(now - timedelta(hours=1), now + timedelta(hours=5), now)
    assert caught.value.code == "EVENT_IN_PAST" and caught.value.message_th == "ไม่สามารถวางแผนกิจกรรมย้อนหลังได้"
    with pytest.raises(ValidationFailed):
        check_schedule(now + timedelta(hours=5), now + timedelta(hours=1), now)
    with pytest.raises(ValidationFailed):
        check_schedule(now + timedelta(hours=1), now + timedelta(days=8), now)


def test_attendance_is_open_at_a_held_event_or_an_announced_one_on_its_day() -> None:
    starts, ends = bkk(2026, 7, 8, 9), bkk(2026, 7, 8, 16)
    assert attendance_open(EventStatus.HELD, starts, ends, bkk(2026, 7, 20))
    assert attendance_open(EventStatus.ANNOUNCED, starts, ends, bkk(2026, 7, 8, 8))
    assert attendance_open(EventStatus.ANNOUNCED, starts, ends, bkk(2026, 7, 8, 23, 59))
    assert not attendance_open(EventStatus.ANNOUNCED, starts, ends, bkk(2026, 7, 7, 23, 59))
    assert not attendance_open(EventStatus.ANNOUNCED, starts, ends, bkk(2026, 7, 9))
    for status in (EventStatus.PLANNED, EventStatus.REPORTED, EventStatus.CANCELLED):
        assert not attendance_open(status, starts, ends, bkk(2026, 7, 8, 10))
