from __future__ import annotations

import re

import pytest

from domain.cases.identifiers import (
    format_national_id,
    is_valid_national_id,
    mask_name,
    mask_national_id,
    mask_phone,
    national_id_check_digit,
    normalise_juristic_id,
    normalise_national_id,
    normalise_phone,
)
from domain.errors import ValidationFailed

THAI_RE = re.compile(r"[\u0e00-\u0e7f]")


@pytest.mark.parametrize(
    ("first12", "expected"),
    [
        ("123456789012", 1),  # sum 352, 352 % 11 == 0 -> 11 % 10 == 1
        ("110370201623", 3),
        ("310010012345", 1),
        ("010754400010", 8),  # a real company registration number
        ("000000000000", 1),
        ("999999999999", 4),
    ],
)
def test_national_id_check_digit(first12: str, expected: int) -> None:
    assert national_id_check_digit(first12) == expected


@pytest.mark.parametrize("bad", ["", "12345678901", "1234567890123", "12345678901a", "๑๒๓๔๕๖๗๘๙๐๑๒"])
def test_national_id_check_digit_needs_twelve_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        national_id_check_digit(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234567890121", "1234567890121"),
        ("1-2345-67890-12-1", "1234567890121"),
        (" 1 2345 67890 12 1 ", "1234567890121"),
        ("1–2345–67890–12–1", "1234567890121"),  # en dashes from a word processor
        ("๑๒๓๔๕๖๗๘๙๐๑๒๑", "1234567890121"),  # Thai digits
        ("1103702016233", "1103702016233"),
        ("0000000000001", "0000000000001"),
    ],
)
def test_normalise_national_id(value: str, expected: str) -> None:
    assert normalise_national_id(value) == expected
    assert is_valid_national_id(value)


INVALID_IDS = [
    "",
    "1234567890120",  # wrong check digit
    "1234567890122",
    "123456789012",  # 12 digits
    "12345678901211",  # 14 digits
    "1234567890l21",  # a letter
    "1/2345/67890/12/1",
    "+1234567890121",
]


@pytest.mark.parametrize("value", INVALID_IDS)
def test_invalid_national_id(value: str) -> None:
    assert not is_valid_national_id(value)
    with pytest.raises(ValidationFailed) as info:
        normalise_national_id(value)
    err = info.value
    assert (err.field, err.code) == ("nationalId", "INVALID_NATIONAL_ID")
    assert err.message and THAI_RE.search(err.message_th)
    _assert_no_leak(err, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0107544000108", "0107544000108"),
        ("0-1075-44000-10-8", "0107544000108"),
        ("0105553000121", "0105553000121"),
    ],
)
def test_normalise_juristic_id(value: str, expected: str) -> None:
    assert normalise_juristic_id(value) == expected


@pytest.mark.parametrize("value", ["0107544000109", "010754400010", "abc", ""])
def test_invalid_juristic_id(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        normalise_juristic_id(value)
    assert (info.value.field, info.value.code) == ("juristicId", "INVALID_JURISTIC_ID")
    assert THAI_RE.search(info.value.message_th)
    _assert_no_leak(info.value, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234567890121", "1-2345-67890-12-1"),
        ("1 2345 67890 12 1", "1-2345-67890-12-1"),
        ("1103702016233", "1-1037-02016-23-3"),
    ],
)
def test_format_national_id(value: str, expected: str) -> None:
    assert format_national_id(value) == expected


def test_format_national_id_validates() -> None:
    with pytest.raises(ValidationFailed):
        format_national_id("1234567890120")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234567890121", "x-xxxx-xxxxx-12-1"),
        ("1-1037-02016-23-3", "x-xxxx-xxxxx-23-3"),
        ("1234567890120", "x-xxxx-xxxxx-12-0"),  # masking does not validate the check digit
        ("12345", "x-xxxx-xxxxx-xx-x"),  # odd stored values are fully masked, never echoed
        ("", "x-xxxx-xxxxx-xx-x"),
    ],
)
def test_mask_national_id(value: str, expected: str) -> None:
    assert mask_national_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0812345678", "+66812345678"),
        ("081-234-5678", "+66812345678"),
        ("081 234 5678", "+66812345678"),
        ("+66 81 234 5678", "+66812345678"),
        ("+66-81-234-5678", "+66812345678"),
        ("+660812345678", "+66812345678"),
        ("66812345678", "+66812345678"),
        ("๐๘๑-๒๓๔-๕๖๗๘", "+66812345678"),
        ("0912345678", "+66912345678"),
        ("0612345678", "+66612345678"),
        ("02-123-4567", "+6621234567"),  # Bangkok landline
        ("042 412 345", "+6642412345"),  # Nong Khai landline
    ],
)
def test_normalise_phone(value: str, expected: str) -> None:
    assert normalise_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345",
        "081234567",  # one digit short
        "08123456789",  # one digit long
        "not a phone",
        "+44 20 7946 0958",  # valid, but not Thai
        "+95 9 123 456 789",
        "+66 00 000 0000",
    ],
)
def test_invalid_phone(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        normalise_phone(value)
    err = info.value
    assert (err.field, err.code) == ("phone", "INVALID_PHONE")
    assert THAI_RE.search(err.message_th)
    _assert_no_leak(err, value)


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+66812345678", "+66 xx-xxx-x678"),
        ("+6621234567", "+66 x-xxx-x567"),
        ("+6642412345", "+66 x-xxx-x345"),
        ("+442079460958", "+44 xxx-xxx-x958"),
        ("0812345678", "xxx-xxx-xxxx"),  # not E.164: fully masked
        ("", "xxx-xxx-xxxx"),
        ("+66", "xxx-xxx-xxxx"),
    ],
)
def test_mask_phone(e164: str, expected: str) -> None:
    assert mask_phone(e164) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("สมชาย ใจดี", "ส*** ใ***"),
        ("นางสาวเกศินี  แก้วมณี", "น*** แ***"),
        ("เอื้อ   ศรีสุข", "เ*** ศ***"),  # leading vowel is a base character
        ("ั่บ", "บ***"),  # never starts with a lone combining mark
        ("John Smith", "J*** S***"),
        ("Aung Kyaw Moe", "A*** K*** M***"),
        ("A", "A***"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_mask_name(name: str, expected: str) -> None:
    assert mask_name(name) == expected


def test_mask_name_hides_the_length() -> None:
    assert mask_name("สม") == mask_name("สมศักดิ์ศรีสวัสดิ์")


def _assert_no_leak(err: ValidationFailed, value: str) -> None:
    digits = re.sub(r"\D", "", value)
    for text in (err.message, err.message_th, str(err), repr(err.args)):
        if value.strip():
            assert value.strip() not in text
        if len(digits) >= 4:
            assert digits not in re.sub(r"\D", "", text)
