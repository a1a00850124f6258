"""Pure rules of the dashboards, table-driven: percentiles, business time, ages, labels, CSV, scope."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.clock.business import BusinessCalendar, business_days_between
from domain.stats import rules
from domain.stats.rules import CaseDimension
from domain.users.models import Role
from domain.users.principal import Principal
from tests.factories import CAL, bkk

BKK = timezone(timedelta(hours=7))
DAYS = {d.day_number: d for d in rules.calendar_days(CAL, date(2025, 1, 1), date(2027, 12, 31))}


@pytest.mark.parametrize(("values", "fraction", "expected"), [
    ([], 0.5, None),
    ([7], 0.5, 7.0),
    ([7], 0.9, 7.0),
    ([1, 3], 0.5, 2.0),
    ([1, 2, 3], 0.5, 2.0),
    ([1, 2, 3, 4], 0.5, 2.5),
    ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9, 91.0),
    ([0, 10], 0.9, 9.0),
    ([5, 5, 5], 0.9, 5.0),
    ([1, 2], 0.0, 1.0),
    ([1, 2], 1.0, 2.0),
])
def test_percentile_cont_interpolates_like_postgresql(values: list[int], fraction: float,
                                                       expected: float | None) -> None:
    assert rules.percentile_cont(values, fraction) == expected


def test_percentile_rejects_a_fraction_outside_0_1() -> None:
    with pytest.raises(ValueError):
        rules.percentile_cont([1, 2], 1.5)


@pytest.mark.parametrize(("start", "end", "days"), [
    # SPEC's example period: Friday 10 April 2026 10:00, Songkran 13–15 April.
    (bkk(2026, 4, 10, 10), bkk(2026, 4, 16, 10), 1.0),
    (bkk(2026, 4, 10, 10), bkk(2026, 4, 17, 16, 30), 2.8125),
    (bkk(2026, 4, 10, 10), bkk(2026, 4, 24, 12, 30), 7.3125),
    (bkk(2026, 4, 7, 16), bkk(2026, 4, 20, 8, 30), 5.0625),
    (bkk(2026, 4, 20, 9), bkk(2026, 4, 22, 14, 30), 2.6875),
    # Outside office hours and over a weekend nothing counts.
    (bkk(2026, 4, 10, 17), bkk(2026, 4, 13, 8), 0.0),
    (bkk(2026, 4, 11, 9), bkk(2026, 4, 12, 15), 0.0),
    (bkk(2026, 4, 9, 7), bkk(2026, 4, 9, 20), 1.0),
    # Reversed: nothing.
    (bkk(2026, 4, 20, 12), bkk(2026, 4, 20, 9), 0.0),
])
def test_office_time_across_songkran(start: datetime, end: datetime, days: float) -> None:
    secs = rules.office_seconds_between(start, end, DAYS)
    assert rules.business_days(secs) == days
    assert business_days_between(start, end, CAL) == days


def test_office_seconds_agree_with_business_days_between_to_the_second() -> None:
    rng = random.Random(2569)
    base = datetime(2025, 12, 20, tzinfo=UTC)
    for _ in range(500):
        a = base + timedelta(seconds=rng.randrange(0, 200 * 86400))
        b = a + timedelta(seconds=rng.randrange(0, 40 * 86400))
        secs = rules.office_seconds_between(a, b, DAYS)
        assert secs == round(business_days_between(a, b, CAL) * rules.OFFICE_DAY_SECONDS)


def test_office_seconds_outside_the_day_table_are_unknown() -> None:
    assert rules.office_seconds(bkk(2030, 1, 2, 10), DAYS) is None


def test_calendar_days_count_business_days_before_each_day() -> None:
    cal = BusinessCalendar(frozenset({date(2026, 4, 13)}))
    days = rules.calendar_days(cal, date(2026, 4, 10), date(2026, 4, 15))  # Fri .. Wed
    assert [(d.business_days_before, d.is_business) for d in days] == [
        (0, True), (1, False), (1, False), (1, False), (1, True), (2, True)]
    assert days[0].day_number == (date(2026, 4, 10) - date(1970, 1, 1)).days


@pytest.mark.parametrize(("received", "bucket"), [
    (bkk(2026, 5, 1, 10), 0),
    (bkk(2026, 4, 23, 10, 0, 1), 0),  # 7 days 23:59:59
    (bkk(2026, 4, 23, 10), 1),  # 8 whole days
    (bkk(2026, 4, 1, 10), 1),  # 30 days
    (bkk(2026, 3, 31, 10), 2),  # 31 days
    (bkk(2026, 3, 2, 10), 2),  # 60 days
    (bkk(2026, 3, 1, 10), 3),  # 61 days
    (bkk(2026, 2, 2, 10), 3),
])
def test_age_buckets(received: datetime, bucket: int) -> None:
    assert rules.age_bucket(received, bkk(2026, 5, 1, 10)) == bucket


def test_inactivity_and_days_since() -> None:
    now = bkk(2026, 5, 1, 10)
    assert rules.days_inactive(bkk(2026, 4, 1, 10), now, now) == 30  # inactive for 30 days
    assert rules.days_inactive(bkk(2026, 4, 1, 10, 1), now, now) == 29  # not yet
    assert rules.days_inactive(None, bkk(2026, 1, 1), now) >= 90
    assert rules.whole_days_since(bkk(2026, 4, 27, 9), now) == 4
    assert rules.whole_days_since(bkk(2026, 6, 1), now) == 0
    assert rules.whole_days_since(None, now) is None


@pytest.mark.parametrize(("key", "th", "en", "fiscal_month"), [
    ("2026-04", "เมษายน 2569", "April 2026", 7),
    ("2025-10", "ตุลาคม 2568", "October 2025", 1),
    ("2026-09", "กันยายน 2569", "September 2026", 12),
])
def test_month_labels_in_buddhist_era(key: str, th: str, en: str, fiscal_month: int) -> None:
    assert rules.month_label(key) == (th, en)
    assert rules.fiscal_month(key) == fiscal_month


def test_month_key_is_bangkok_month() -> None:
    assert rules.month_key(datetime(2026, 3, 31, 17, 30, tzinfo=UTC)) == "2026-04"
    assert rules.month_key(datetime(2026, 3, 31, 16, 59, tzinfo=UTC)) == "2026-03"


def test_other_labels() -> None:
    assert rules.status_label("IN_PROGRESS") == ("อยู่ระหว่างดำเนินการ", "in progress")
    assert rules.fiscal_year_label(2569) == ("ปีงบประมาณ พ.ศ. 2569", "fiscal year 2569 B.E.")
    assert rules.escalation_label(0)[1] == "not escalated"
    assert rules.escalation_label(2) == ("ยกระดับ ระดับ 2", "escalation level 2")


def test_buddhist_era_dates_in_bangkok_time() -> None:
    assert rules.be_date(datetime(2026, 4, 9, 18, 0, tzinfo=UTC)) == "10/04/2569"
    assert rules.be_datetime(datetime(2026, 4, 10, 3, 0, tzinfo=UTC)) == "10/04/2569 10:00"
    assert rules.be_date(date(2025, 12, 31)) == "31/12/2568"
    assert rules.be_datetime(None) == ""


def test_csv_has_a_bom_crlf_and_defuses_formulas() -> None:
    text = rules.csv_text(["จังหวัด (province)", "n"], [["หนองคาย", 3], ["=HYPERLINK(1)", -5], [None, "x,y"]])
    assert text.startswith("\ufeff")
    assert text.encode("utf-8")[:3] == b"\xef\xbb\xbf"
    assert text.split("\r\n") == ["\ufeffจังหวัด (province),n", "หนองคาย,3", "'=HYPERLINK(1),-5",
                                  ',"x,y"', ""]


def test_csv_defuses_formulas_behind_a_tab_or_a_carriage_return() -> None:
    text = rules.csv_text(["x"], [["\t=1+1"], ["\r=cmd|' /C calc'!A0"], ["@SUM(A1)"], ["-3.5"], ["+A1+1"]])
    rows = text.removeprefix("\ufeff").split("\r\n")
    assert rows[1] == "'\t=1+1"
    assert rows[2].startswith('"\'\r=cmd')  # quoted (it holds a CR), and defused
    assert rows[3:6] == ["'@SUM(A1)", "-3.5", "'+A1+1"]


@pytest.mark.parametrize(("role", "area", "scope"), [
    (Role.ADMIN, None, ""),
    (Role.SUPERVISOR, None, ""),
    (Role.SUPERVISOR, "43", "43"),
    (Role.COORDINATOR, "43", "43"),
    (Role.OFFICER, None, None),
    (Role.VOLUNTEER, "430101", None),
    (Role.MENTOR, "43", None),
])
def test_area_scope_by_role(role: Role, area: str | None, scope: str | None) -> None:
    principal = Principal(uuid.uuid4(), "x", role, area_code=area)
    assert rules.area_scope(principal) == scope


@pytest.mark.parametrize(("scope", "wanted", "area"), [
    ("", None, ""), ("", "43", "43"), ("43", None, "43"), ("43", "4301", "4301"),
    ("43", "10", None), ("4301", "43", "4301"), ("43", "", "43"),
])
def test_narrow_area(scope: str, wanted: str | None, area: str | None) -> None:
    assert rules.narrow_area(scope, wanted) == area


def test_dimensions_are_deduplicated_in_order() -> None:
    assert rules.dimensions(["PROVINCE", CaseDimension.STATUS, "PROVINCE"]) == (  # type: ignore[list-item]
        CaseDimension.PROVINCE, CaseDimension.STATUS)


def test_share_and_mean() -> None:
    assert rules.share(1, 3) == 1 / 3
    assert rules.share(0, 0) is None
    assert rules.mean(6, 2) == 3.0
    assert rules.mean(0, 0) is None


def test_calendar_key_names_the_holidays() -> None:
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    same = BusinessCalendar(frozenset(CAL.holidays))
    assert rules.calendar_key(CAL, first, last) == rules.calendar_key(same, first, last)
    changed = BusinessCalendar(CAL.holidays | {date(2026, 4, 16)})
    assert rules.calendar_key(changed, first, last) != rules.calendar_key(CAL, first, last)
    outside = BusinessCalendar(CAL.holidays | {date(2030, 4, 16)})
    assert rules.calendar_key(outside, first, last) == rules.calendar_key(CAL, first, last)
    assert len(rules.calendar_key(CAL, first, last)) == 16
