"""Free text a person types (descriptions, reasons, notes): trimmed, required, bounded."""

from __future__ import annotations

from domain.errors import ValidationFailed


def required_text(value: str | None, field: str, limit: int, what_en: str, what_th: str) -> str:
    """`value` trimmed; refused when empty, too long or unstorable, naming `field`."""
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationFailed(field, f"{what_en.capitalize()} contains a character that cannot be stored.",
                               f"{what_th}มีอักขระที่ไม่สามารถบันทึกได้", code="INVALID_INPUT")
    if not text:
        raise ValidationFailed(field, f"Please give {what_en}.", f"กรุณาระบุ{what_th}",
                               code="REQUIRED")
    if len(text) > limit:
        raise ValidationFailed(field, f"{what_en.capitalize()} is too long (at most {limit} characters).",
                               f"{what_th}ยาวเกินไป (ไม่เกิน {limit} ตัวอักษร)", code="TOO_LONG")
    return text


def optional_text(value: str | None, field: str, limit: int, what_en: str, what_th: str) -> str | None:
    """As `required_text`, but blank is None."""
    if value is None or not value.strip():
        return None
    return required_text(value, field, limit, what_en, what_th)
