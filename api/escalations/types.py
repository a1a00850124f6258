"""Deadline extensions in the schema."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.cases import citizen as citizen_data
from domain.escalations.models import DeadlineExtension as ExtensionRow


@strawberry.type(description="An extension of a referral's legal deadline (at most 30 days, once).")
class DeadlineExtension:
    referral_id: strawberry.ID = strawberry.field(description="The referral.")
    days: int = strawberry.field(description="Days asked for.")
    reason: str = strawberry.field(description="Why (a national ID or phone number written in it is masked).")
    status: str = strawberry.field(description="REQUESTED, APPROVED or REJECTED.")
    requested_at: datetime = strawberry.field(description="When it was asked for.")
    decided_at: datetime | None = strawberry.field(description="When it was decided.")
    decision_note: str | None = strawberry.field(description="The approver's note, if any.")

    @classmethod
    def of(cls, row: ExtensionRow) -> DeadlineExtension:
        return cls(referral_id=strawberry.ID(str(row.referral_id)), days=row.days,
                   reason=citizen_data.masked_text(row.reason),
                   status=row.status, requested_at=row.requested_at, decided_at=row.decided_at,
                   decision_note=row.decision_note)
