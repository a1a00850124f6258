"""Inputs of the dashboards and their conversion to domain values."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.cases.inputs import CaseFilterInput
from api.stats.types import CaseDimensionEnum, ExportKindEnum  # noqa: F401  (the schema enums, wrapped first)
from domain.cases.commands import CaseFilter
from domain.stats.exports import ExportRequest
from domain.stats.models import ExportKind
from domain.stats.rules import CaseDimension


@strawberry.input(description="Which volunteers and which period `volunteerActivity` reports on.")
class VolunteerActivityFilterInput:
    area_code: str | None = strawberry.field(
        default=None, description="Only volunteers assigned inside this area (province, district or sub-district code).")
    filed_from: datetime | None = strawberry.field(
        default=None, description="Count cases filed from this moment (inclusive).")
    filed_to: datetime | None = strawberry.field(
        default=None, description="Count cases filed before this moment (exclusive).")
    inactive_for_days: int | None = strawberry.field(
        default=None, description="List only volunteers inactive for at least this many days.")


@strawberry.input(description="A CSV export: the kind and the same arguments as the matching query.")
class ExportCsvInput:
    kind: ExportKind = strawberry.field(description="The case list or one of the dashboard tables.")
    filter: CaseFilterInput | None = strawberry.field(
        default=None, description="For CASES, CASE_STATS and ROUTING_ACCURACY: the same filter as `cases`.")
    group_by: list[CaseDimension] | None = strawberry.field(
        default=None, description="For CASE_STATS: the dimensions to group by.")
    area_code: str | None = strawberry.field(
        default=None, description="For VOLUNTEER_ACTIVITY (an area) and NETWORK_COVERAGE (a province code).")
    filed_from: datetime | None = strawberry.field(default=None, description="For VOLUNTEER_ACTIVITY.")
    filed_to: datetime | None = strawberry.field(default=None, description="For VOLUNTEER_ACTIVITY.")

    def request(self) -> ExportRequest:
        return ExportRequest(kind=ExportKind(self.kind),
                             filter=self.filter.command() if self.filter else CaseFilter(),
                             group_by=tuple(self.group_by or ()), area_code=self.area_code,
                             filed_from=self.filed_from, filed_to=self.filed_to)
