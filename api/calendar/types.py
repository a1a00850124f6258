"""The holiday calendar in the schema."""

from __future__ import annotations

from datetime import date

import strawberry


@strawberry.type(description="A day an administrator changed from the seeded Thai public holidays.")
class CalendarChange:
    day: date = strawberry.field(description="The day (Asia/Bangkok).")
    is_holiday: bool = strawberry.field(description="True: an added holiday; false: a working day after all.")
    name: str = strawberry.field(description="What the day is.")


@strawberry.type(description="A day off that deadlines skip (วันหยุด).")
class Holiday:
    day: date = strawberry.field(description="The day (Asia/Bangkok).")
    name: str = strawberry.field(description="The holiday's name.")
    source: str = strawberry.field(description="SEEDED (Thai public holidays) or ADDED (by an administrator).")
