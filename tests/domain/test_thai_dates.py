"""Dates shown to people read the same in notifications as on screen (issue 12, part 8):
`17 เม.ย. 2569 16:30` in Thai (B.E.), `17 Apr 2026, 16:30` in English, Bangkok time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.clock.thai import english_datetime, thai_date, thai_datetime
from domain.notifications import messages


def test_thai_and_english_dates_are_the_screens_dates() -> None:
    evening = datetime(2026, 4, 17, 9, 30, tzinfo=UTC)  # 16:30 in Bangkok
    assert thai_datetime(evening) == "17 เม.ย. 2569 16:30"
    assert english_datetime(evening) == "17 Apr 2026, 16:30"
    new_year = datetime(2025, 12, 31, 18, 5, tzinfo=UTC)  # already 1 January in Bangkok
    assert thai_datetime(new_year) == "1 ม.ค. 2569 01:05"
    assert english_datetime(new_year) == "1 Jan 2026, 01:05"
    assert thai_date(date(2026, 12, 2)) == "2 ธ.ค. 2569"


def test_a_notification_says_its_deadline_the_same_way() -> None:
    message = messages.new_referral("43-2569-000001", "DLPW-43", datetime(2026, 4, 17, 9, 30, tzinfo=UTC))
    assert "17 เม.ย. 2569 16:30" in message.body_th
    assert "17 Apr 2026, 16:30" in message.body_en
    assert "/" not in message.body_th.split("ภายใน")[1]
