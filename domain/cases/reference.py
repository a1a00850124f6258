"""Case reference numbers (`43-2570-000123`: province, fiscal year B.E., sequence). Pure."""

from __future__ import annotations

import re

MAX_SEQUENCE = 999_999
REFERENCE_PATTERN = re.compile(r"([0-9]{2})-([0-9]{4})-([0-9]{6})")


def format_reference(province_code: str, fiscal_year_be: int, sequence: int) -> str:
    """`{province}-{fiscal year B.E.}-{sequence:06d}`, e.g. `43-2570-000123`."""
    if not re.fullmatch(r"[0-9]{2}", province_code):
        raise ValueError("province_code must be two digits")
    if not 1000 <= fiscal_year_be <= 9999:
        raise ValueError("fiscal_year_be must have four digits")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be between 1 and {MAX_SEQUENCE}")
    return f"{province_code}-{fiscal_year_be}-{sequence:06d}"


def parse_reference(reference: str) -> tuple[str, int, int] | None:
    """`(province_code, fiscal_year_be, sequence)` of a well-formed reference, else None."""
    m = REFERENCE_PATTERN.fullmatch(reference.strip())
    if m is None or int(m.group(3)) == 0:
        return None
    return m.group(1), int(m.group(2)), int(m.group(3))
