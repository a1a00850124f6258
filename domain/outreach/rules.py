"""Pure rules of outreach events: the state machine as a dispatch table, and the checks on
counts and times. No database, no clock of their own (convention 1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.clock.business import BANGKOK
from domain.errors import DomainError, IllegalTransition, ValidationFailed
from domain.outreach.models import EventStatus

MAX_COUNT = 100_000
MAX_EVENT_DAYS = 7


class EventAction(StrEnum):
    ANNOUNCE = "ANNOUNCE"
    MARK_HELD = "MARK_HELD"
    REPORT = "REPORT"
    CANCEL = "CANCEL"


# (status, action) -> the status it leads to; anything else is off the graph.
TRANSITIONS: dict[tuple[EventStatus, EventAction], EventStatus] = {
    (EventStatus.PLANNED, EventAction.ANNOUNCE): EventStatus.ANNOUNCED,
    (EventStatus.PLANNED, EventAction.CANCEL): EventStatus.CANCELLED,
    (EventStatus.ANNOUNCED, EventAction.MARK_HELD): EventStatus.HELD,
    (EventStatus.ANNOUNCED, EventAction.CANCEL): EventStatus.CANCELLED,
    (EventStatus.HELD, EventAction.REPORT): EventStatus.REPORTED,
}

STATUS_LABELS = {
    EventStatus.PLANNED: ("planned", "วางแผนแล้ว"),
    EventStatus.ANNOUNCED: ("announced", "ประกาศแล้ว"),
    EventStatus.HELD: ("held", "จัดแล้ว"),
    EventStatus.REPORTED: ("reported", "รายงานผลแล้ว"),
    EventStatus.CANCELLED: ("cancelled", "ยกเลิกแล้ว"),
}
ACTION_LABELS = {
    EventAction.ANNOUNCE: ("announce", "ประกาศ"),
    EventAction.MARK_HELD: ("mark as held", "บันทึกว่าจัดแล้ว"),
    EventAction.REPORT: ("report", "รายงานผล"),
    EventAction.CANCEL: ("cancel", "ยกเลิก"),
}


class EventTransitionRefused(IllegalTransition):
    """An action not on the event's graph (its own words: the shared labels know cases)."""

    def __init__(self, status: EventStatus, action: EventAction) -> None:
        DomainError.__init__(
            self,
            f"You cannot {ACTION_LABELS[action][0]} an event that is {STATUS_LABELS[status][0]} "
            f"({status}, {action}).",
            f"ไม่สามารถ{ACTION_LABELS[action][1]}กิจกรรมได้ เนื่องจากกิจกรรมอยู่ในสถานะ "
            f"\"{STATUS_LABELS[status][1]}\"",
        )
        self.subject, self.status, self.action = "event", status, action


def next_status(status: EventStatus, action: EventAction) -> EventStatus:
    """Where `action` leads from `status`; EventTransitionRefused when it is off the graph."""
    target = TRANSITIONS.get((status, action))
    if target is None:
        raise EventTransitionRefused(status, action)
    return target


def checked_count(field: str, value: int | None, *, required: bool = False) -> int | None:
    """A count of people: 0..100,000 (a larger one is a typing slip)."""
    if value is None:
        if required:
            raise ValidationFailed(field, "A count is required.", "กรุณาระบุจำนวน", code="REQUIRED")
        return None
    if value < 0 or value > MAX_COUNT:
        raise ValidationFailed(field, f"A count must be between 0 and {MAX_COUNT:,}.",
                               f"จำนวนต้องอยู่ระหว่าง 0 ถึง {MAX_COUNT:,}", code="OUT_OF_RANGE")
    return value


@dataclass(frozen=True)
class Breakdown:
    """Optional gender and age-band counts of one attendance batch."""

    men: int | None = None
    women: int | None = None
    other_gender: int | None = None
    age_under_25: int | None = None
    age_25_to_59: int | None = None
    age_60_plus: int | None = None


def checked_breakdown(people_served: int, b: Breakdown) -> Breakdown:
    """Each count in range; a group's counts, when given, add up to at most those served."""
    for name in ("men", "women", "other_gender", "age_under_25", "age_25_to_59", "age_60_plus"):
        checked_count(_camel(name), getattr(b, name))
    for field, group in (("men", (b.men, b.women, b.other_gender)),
                         ("ageUnder25", (b.age_under_25, b.age_25_to_59, b.age_60_plus))):
        if sum(v or 0 for v in group) > people_served:
            raise ValidationFailed(field, "The breakdown adds up to more than the people served.",
                                   "จำนวนแยกตามกลุ่มรวมกันมากกว่าจำนวนผู้รับบริการ", code="OUT_OF_RANGE")
    return b


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def check_schedule(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """An event starts in the future, with a time zone, and ends after it starts, within a week."""
    for field, value in (("startsAt", starts_at), ("endsAt", ends_at)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationFailed(field, "The time must have a time zone.", "ต้องระบุเขตเวลา")
    if starts_at <= now:
        raise ValidationFailed("startsAt", "An event cannot be planned in the past.",
                               "ไม่สามารถวางแผนกิจกรรมย้อนหลังได้", code="EVENT_IN_PAST")
    if ends_at <= starts_at or (ends_at - starts_at).days >= MAX_EVENT_DAYS:
        raise ValidationFailed("endsAt", f"The event must end after it starts, within {MAX_EVENT_DAYS} days.",
                               f"กิจกรรมต้องสิ้นสุดหลังเวลาเริ่ม และไม่เกิน {MAX_EVENT_DAYS} วัน",
                               code="OUT_OF_RANGE")


def event_days(starts_at: datetime, ends_at: datetime) -> tuple[date, date]:
    """The first and last Bangkok days of an event."""
    return starts_at.astimezone(BANGKOK).date(), ends_at.astimezone(BANGKOK).date()


def on_event_day(starts_at: datetime, ends_at: datetime, at: datetime) -> bool:
    first, last = event_days(starts_at, ends_at)
    return first <= at.astimezone(BANGKOK).date() <= last


def attendance_open(status: EventStatus, starts_at: datetime, ends_at: datetime,
                    captured_at: datetime) -> bool:
    """Attendance is taken at a HELD event, or at an ANNOUNCED one on its day (the venue often
    has no signal: recording there is what makes the event HELD)."""
    if status is EventStatus.HELD:
        return True
    return status is EventStatus.ANNOUNCED and on_event_day(starts_at, ends_at, captured_at)
