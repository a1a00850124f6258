"""The schema's cases and referrals made from their rows (api/cases/types.py `Case.of`,
`Referral.of`): read from the row's dictionary, or attribute by attribute when one of the
columns they read is not loaded (domain/table.py `loaded`); the same values either way."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from api.cases.types import Case, Referral
from domain.cases.models import Case as CaseRow
from domain.cases.models import Referral as ReferralRow

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)  # each instant its own, so no two can be swapped unseen


def _case_row() -> CaseRow:
    return CaseRow(id=uuid.uuid4(), reference="43-2570-000001", fiscal_year=2570, category_code="UNPAID_WAGES",
                   description="นายจ้างค้างค่าจ้าง", subdistrict_code="430101", district_code="4301",
                   province_code="43", priority="HIGH", status="RESOLVED", shared_with_volunteers=True,
                   filed_by_id=uuid.uuid4(), captured_at=_at(1), received_at=_at(2), updated_at=_at(3),
                   resolved_at=_at(4), closed_at=None, escalation_level=2, version=7, outcome="RESOLVED",
                   amount_recovered_thb=Decimal("1200.50"), amount_claimed_thb=Decimal("5000.00"),
                   satisfaction=4, event_id=uuid.uuid4())


def _referral_row() -> ReferralRow:
    return ReferralRow(id=uuid.uuid4(), case_id=uuid.uuid4(), org_unit_code="DLPW-43", status="COMPLETED",
                       is_current=False, accept_due_at=_at(1), resolve_due_at=_at(2), next_due_at=None,
                       escalation_level=1, legal_due_at=_at(3), reason="ย้ายไปสำนักงานอื่น", outcome="RESOLVED",
                       amount_recovered_thb=Decimal("10.25"), created_at=_at(4), accepted_at=_at(5), completed_at=_at(6),
                       version=3, predecessor_id=uuid.uuid4(), assigned_to_id=uuid.uuid4())


def _values(made: Any) -> dict[str, Any]:
    return dict(vars(made))


@pytest.mark.parametrize(("make", "of"), [(_case_row, Case.of), (_referral_row, Referral.of)],
                         ids=["case", "referral"])
def test_made_alike_from_the_dictionary_or_attribute_by_attribute(make: Any, of: Any) -> None:
    row = make()
    whole = _values(of(row))
    renamed = {"current": "is_current", "reason_text": "reason"}
    for name, value in whole.items():  # each value the row's own column of that name
        column = renamed.get(name, name)
        if column in type(row).model_fields:
            expected = getattr(row, column)
            assert value == expected or (isinstance(expected, uuid.UUID) and value == str(expected)), name
    assert whole["id"] == str(row.id) and whole["outcome"] == "RESOLVED"
    # `version` not in the row's dictionary: every column is read as an attribute (a transient
    # row's missing one reads as None), so a column read but not named in the set would fail here.
    version = row.__dict__.pop("version")
    read_through = _values(of(row))
    assert read_through == {**whole, "version": None}
    row.__dict__["version"] = version
