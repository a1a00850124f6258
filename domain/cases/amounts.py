"""Amounts of baht a person types (recovered through a referral, claimed by the citizen)."""

from __future__ import annotations

from decimal import Decimal

from domain.errors import ValidationFailed

# Below ten billion, so a case's total over up to 99 referrals still fits its column
# (NUMERIC(14, 2)); at most two decimals (satang).
MAX_AMOUNT_THB = Decimal("1e10")
SATANG = Decimal("0.01")


def checked_baht(field: str, amount: Decimal | None) -> Decimal | None:
    """The amount, or `ValidationFailed` (INVALID_AMOUNT) when it is negative, too large or
    finer than a satang: refused, never rounded."""
    if amount is None:
        return None
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT_THB:
        raise ValidationFailed(field, f"The amount must be zero or more baht, below {int(MAX_AMOUNT_THB):,}.",
                               f"จำนวนเงินต้องไม่ติดลบ และน้อยกว่า {int(MAX_AMOUNT_THB):,} บาท",
                               code="INVALID_AMOUNT")
    if amount != amount.quantize(SATANG):
        raise ValidationFailed(field, "The amount has at most two decimals (satang).",
                               "จำนวนเงินมีทศนิยมได้ไม่เกินสองตำแหน่ง (สตางค์)", code="INVALID_AMOUNT")
    return amount
