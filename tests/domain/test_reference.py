from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.cases.reference import format_reference, parse_reference
from domain.clock.thai import buddhist_year, fiscal_year_be

BANGKOK = ZoneInfo("Asia/Bangkok")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 10), 2569),
        (date(2025, 12, 31), 2568),
        (date(2026, 1, 1), 2569),
        (date(2005, 1, 1), 2548),  # the volunteer regulation year
        (datetime(2026, 10, 1, tzinfo=BANGKOK), 2569),  # a datetime is a date
    ],
)
def test_buddhist_year(day: date, expected: int) -> None:
    assert buddhist_year(day) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 9, 30, 23, 59, 59, tzinfo=BANGKOK), 2569),
        (datetime(2026, 10, 1, 0, 0, tzinfo=BANGKOK), 2570),
        (datetime(2027, 9, 30, 23, 59, tzinfo=BANGKOK), 2570),
        (datetime(2027, 10, 1, 0, 0, tzinfo=BANGKOK), 2571),
        (datetime(2026, 1, 1, 0, 0, tzinfo=BANGKOK), 2569),
        (datetime(2025, 12, 31, 23, 59, tzinfo=BANGKOK), 2569),
        (datetime(2026, 4, 10, 10, tzinfo=BANGKOK), 2569),
        # 17:00 UTC on 30 Sep is already 00:00 on 1 Oct in Bangkok
        (datetime(2026, 9, 30, 16, 59, 59, tzinfo=UTC), 2569),
        (datetime(2026, 9, 30, 17, 0, tzinfo=UTC), 2570),
        # other offsets are converted to Bangkok first (-04:00: 13:00 here is 00:00 there)
        (datetime(2026, 9, 30, 12, 59, tzinfo=timezone(timedelta(hours=-4))), 2569),
        (datetime(2026, 9, 30, 13, 0, tzinfo=timezone(timedelta(hours=-4))), 2570),
    ],
)
def test_fiscal_year_be(at: datetime, expected: int) -> None:
    assert fiscal_year_be(at) == expected


def test_fiscal_year_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError):
        fiscal_year_be(datetime(2026, 10, 1))


@pytest.mark.parametrize(
    ("province", "fy", "seq", "expected"),
    [
        ("43", 2570, 123, "43-2570-000123"),
        ("10", 2569, 1, "10-2569-000001"),
        ("96", 2569, 999_999, "96-2569-999999"),
    ],
)
def test_format_reference(province: str, fy: int, seq: int, expected: str) -> None:
    assert format_reference(province, fy, seq) == expected
    assert parse_reference(expected) == (province, fy, seq)


@pytest.mark.parametrize(
    ("province", "fy", "seq"),
    [
        ("43", 2570, 0),
        ("43", 2570, -1),
        ("43", 2570, 1_000_000),
        ("4", 2570, 1),
        ("430", 2570, 1),
        ("NK", 2570, 1),
        ("43", 257, 1),
        ("43", 25700, 1),
    ],
)
def test_format_reference_rejects(province: str, fy: int, seq: int) -> None:
    with pytest.raises(ValueError):
        format_reference(province, fy, seq)


@pytest.mark.parametrize(
    "text", ["", "43-2570-000000", "43-2570-123", "NKI-2569-000123", "43-2570-0001234", "43/2570/000123"]
)
def test_parse_reference_rejects(text: str) -> None:
    assert parse_reference(text) is None


def test_parse_reference_tolerates_surrounding_space() -> None:
    assert parse_reference(" 43-2570-000123\n") == ("43", 2570, 123)
