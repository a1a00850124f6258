"""Thai national / juristic IDs and phone numbers: validate, normalise, format, mask. Pure.

Error messages never contain the value (it is personal data).
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from domain.errors import ValidationFailed

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]")
_THIRTEEN_DIGITS = re.compile(r"[0-9]{13}")
_MASKED_ID = "x-xxxx-xxxxx-xx-x"
_MASKED_PHONE = "xxx-xxx-xxxx"
_NAME_MASK = "***"


def national_id_check_digit(first12: str) -> int:
    """The mod-11 check digit of the first 12 digits of a Thai national or juristic ID."""
    if not re.fullmatch(r"[0-9]{12}", first12):
        raise ValueError("first12 must be 12 ASCII digits")
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


def _digits(value: str) -> str:
    return _SEPARATORS.sub("", value.translate(_THAI_DIGITS))


def _has_valid_check(digits: str) -> bool:
    return bool(_THIRTEEN_DIGITS.fullmatch(digits)) and national_id_check_digit(
        digits[:12]
    ) == int(digits[12])


def is_valid_national_id(value: str) -> bool:
    """True when `value` (spaces, dashes and Thai digits allowed) is a 13-digit ID with a valid check digit."""
    return _has_valid_check(_digits(value))


def normalise_national_id(value: str) -> str:
    """The 13 ASCII digits of a Thai national ID, or raise `ValidationFailed`."""
    digits = _digits(value)
    if not _has_valid_check(digits):
        raise ValidationFailed(
            "nationalId",
            "The national ID must have 13 digits and a valid check digit. Please check it "
            "against the ID card.",
            "เลขประจำตัวประชาชนต้องมี 13 หลักและเลขตรวจสอบถูกต้อง กรุณาตรวจสอบกับบัตรประชาชน",
            code="INVALID_NATIONAL_ID",
        )
    return digits


def normalise_juristic_id(value: str) -> str:
    """The 13 ASCII digits of a Thai company registration (juristic) ID, or raise `ValidationFailed`."""
    digits = _digits(value)
    if not _has_valid_check(digits):
        raise ValidationFailed(
            "juristicId",
            "The company registration number must have 13 digits and a valid check digit.",
            "เลขทะเบียนนิติบุคคลต้องมี 13 หลักและเลขตรวจสอบถูกต้อง",
            code="INVALID_JURISTIC_ID",
        )
    return digits


def format_national_id(value: str) -> str:
    """`1-2345-67890-12-3`; the value is normalised (and validated) first."""
    d = normalise_national_id(value)
    return f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}"


def mask_national_id(value: str) -> str:
    """`x-xxxx-xxxxx-12-3`: only the last three digits stay. Never raises; odd input is fully masked."""
    d = _digits(value)
    if not _THIRTEEN_DIGITS.fullmatch(d):
        return _MASKED_ID
    return f"x-xxxx-xxxxx-{d[10:12]}-{d[12]}"


def normalise_phone(value: str) -> str:
    """A valid Thai phone number in E.164 (`+66812345678`), or raise `ValidationFailed`.

    Accepts 0xx…, +66…, 66…, Thai digits, spaces and dashes. An extension is dropped.
    """
    try:
        number = phonenumbers.parse(value, "TH")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 66
        or not phonenumbers.is_valid_number(number)
    ):
        raise ValidationFailed(
            "phone",
            "The phone number is not a valid Thai number. Use a form such as 08x-xxx-xxxx "
            "or +66 8x xxx xxxx.",
            "หมายเลขโทรศัพท์ไม่ถูกต้อง กรุณากรอกหมายเลขในประเทศไทย เช่น 08x-xxx-xxxx หรือ +66 8x xxx xxxx",
            code="INVALID_PHONE",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Country code and the last three digits, e.g. `+66 xx-xxx-x678`. Never raises."""
    m = re.fullmatch(r"\+([0-9]{7,15})", e164.strip())
    if m is None:
        return _MASKED_PHONE
    try:
        number = phonenumbers.parse(e164.strip(), None)
    except phonenumbers.NumberParseException:
        return _MASKED_PHONE
    national = phonenumbers.national_significant_number(number)
    if len(national) < 4:
        return _MASKED_PHONE
    masked = "x" * (len(national) - 3) + national[-3:]
    if len(national) >= 8:
        # group as rest-3-4 (Thai mobile 2-3-4, Bangkok landline 1-3-4)
        masked = f"{masked[:-7]}-{masked[-7:-4]}-{masked[-4:]}"
    return f"+{number.country_code} {masked}"


def mask_name(full_name: str) -> str:
    """The first character of each word followed by `***`, e.g. `ส*** ใ***`. Safe for Thai text."""
    words = []
    for word in full_name.split():
        # never keep a lone combining mark (Thai vowel or tone mark) as the first character
        base = next((ch for ch in word if not unicodedata.category(ch).startswith("M")), None)
        if base is not None:
            words.append(base + _NAME_MASK)
    return " ".join(words)
