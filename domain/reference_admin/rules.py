"""What an admin's reference data must look like. Pure: each refusal names its field, in Thai
and English."""

from __future__ import annotations

import re

from domain.errors import ValidationFailed

PRIORITIES = ("LOW", "NORMAL", "HIGH", "URGENT")
MAX_ACCEPT_DAYS = 30
MAX_RESOLVE_DAYS = 365
_CATEGORY_CODE = re.compile(r"[A-Z][A-Z0-9_]{2,39}")
_AREA_PREFIX = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}")
_UNIT_SUFFIX = re.compile(r"[0-9A-Z]{1,8}")
_PROVINCE = re.compile(r"[0-9]{2}")


def category_code(value: str) -> str:
    code = (value or "").strip().upper()
    if not _CATEGORY_CODE.fullmatch(code):
        raise ValidationFailed("code", "The code must be 3 to 40 capital letters, digits or _ and start "
                               "with a letter (e.g. PLATFORM_WORK).",
                               "รหัสต้องเป็นอักษรอังกฤษตัวใหญ่ ตัวเลข หรือ _ 3–40 ตัว ขึ้นต้นด้วยตัวอักษร "
                               "(เช่น PLATFORM_WORK)")
    return code


def priority(value: str) -> str:
    if value not in PRIORITIES:
        raise ValidationFailed("priority", "The priority must be LOW, NORMAL, HIGH or URGENT.",
                               "ความเร่งด่วนต้องเป็น LOW, NORMAL, HIGH หรือ URGENT")
    return value


def business_days(accept: int, resolve: int) -> tuple[int, int]:
    """The SLA policy: accept within 0 (the same day) to 30 business days, resolve within 1 to
    365, and never accept later than resolve."""
    if not 0 <= accept <= MAX_ACCEPT_DAYS:
        raise ValidationFailed("acceptBusinessDays",
                               f"Days to accept must be between 0 (the same day) and {MAX_ACCEPT_DAYS}.",
                               f"จำนวนวันทำการที่ต้องรับเรื่องต้องอยู่ระหว่าง 0 (ภายในวันเดียวกัน) ถึง {MAX_ACCEPT_DAYS}",
                               code="OUT_OF_RANGE")
    if not 1 <= resolve <= MAX_RESOLVE_DAYS:
        raise ValidationFailed("resolveBusinessDays",
                               f"Days to resolve must be between 1 and {MAX_RESOLVE_DAYS}.",
                               f"จำนวนวันทำการที่ต้องแก้ไขเรื่องต้องอยู่ระหว่าง 1 ถึง {MAX_RESOLVE_DAYS}",
                               code="OUT_OF_RANGE")
    if accept > resolve:
        raise ValidationFailed("acceptBusinessDays", "Days to accept cannot be more than days to resolve.",
                               "จำนวนวันที่ต้องรับเรื่องต้องไม่มากกว่าจำนวนวันที่ต้องแก้ไขเรื่อง",
                               code="OUT_OF_RANGE")
    return accept, resolve


def area_prefix(value: str | None) -> str:
    """"" (the whole country), a province (2 digits), a district (4) or a sub-district (6)."""
    prefix = (value or "").strip()
    if prefix and not _AREA_PREFIX.fullmatch(prefix):
        raise ValidationFailed("areaPrefix", "The area must be a province (2 digits), district (4) or "
                               "sub-district (6) code, or empty for the whole country.",
                               "พื้นที่ต้องเป็นรหัสจังหวัด (2 หลัก) อำเภอ (4 หลัก) หรือตำบล (6 หลัก) "
                               "หรือเว้นว่างไว้สำหรับทั้งประเทศ", code="UNKNOWN_AREA")
    return prefix


def office_in_area(unit_province: str, prefix: str) -> None:
    """A rule naming a fixed office serves an area of that office's province only."""
    if not prefix:
        raise ValidationFailed("orgUnitCode", "A rule for the whole country cannot name one office: "
                               "leave the office empty (each province's office of the agency) or choose a "
                               "province, district or sub-district.",
                               "กฎสำหรับทั้งประเทศระบุหน่วยงานเดียวไม่ได้ ให้เว้นหน่วยงานว่าง "
                               "(ส่งไปยังสำนักงานของกรมในจังหวัดของเรื่อง) หรือเลือกจังหวัด อำเภอ หรือตำบล",
                               code="OFFICE_OUTSIDE_AREA")
    if unit_province != prefix[:2]:
        raise ValidationFailed("orgUnitCode", f"The office serves province {unit_province}, not the "
                               f"rule's area {prefix}: choose an office of that province.",
                               f"หน่วยงานนี้อยู่ในจังหวัดรหัส {unit_province} ไม่ใช่พื้นที่ของกฎ ({prefix}) "
                               "กรุณาเลือกหน่วยงานในจังหวัดนั้น", code="OFFICE_OUTSIDE_AREA")


def org_unit_code(value: str, agency_code: str, province_code: str) -> str:
    """`{AGENCY}-{province}` (the provincial office) or `{AGENCY}-{province}-{branch}`, e.g.
    `SSO-10-03` for Bangkok's area branch 3."""
    if not _PROVINCE.fullmatch(province_code or ""):
        raise ValidationFailed("provinceCode", "The province must be a 2-digit province code.",
                               "จังหวัดต้องเป็นรหัสจังหวัด 2 หลัก", code="UNKNOWN_AREA")
    code = (value or "").strip().upper()
    stem = f"{agency_code}-{province_code}"
    suffix = code[len(stem) + 1:] if code.startswith(stem + "-") else None
    if code != stem and (suffix is None or not _UNIT_SUFFIX.fullmatch(suffix)):
        raise ValidationFailed("code", f"The office code must be {stem} or {stem}-<branch> (up to 8 "
                               "capital letters or digits), e.g. SSO-10-03.",
                               f"รหัสหน่วยงานต้องเป็น {stem} หรือ {stem}-<สาขา> (อักษรอังกฤษตัวใหญ่หรือตัวเลข "
                               "ไม่เกิน 8 ตัว) เช่น SSO-10-03")
    return code
