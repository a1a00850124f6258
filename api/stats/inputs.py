"""Inputs of the dashboards and their conversion to domain values."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.cases.inputs import CaseFilterInput, instant_problem
from api.ids import code
from api.errors import bad_input
from api.stats.types import CaseDimensionEnum, ExportKindEnum  # noqa: F401  (the schema enums, wrapped first)
from domain.cases.commands import CaseFilter
from domain.errors import ValidationFailed
from domain.stats.exports import ExportRequest
from domain.stats.models import ExportKind
from domain.stats.rules import CaseDimension


@strawberry.input(description="Which volunteers and which period `volunteerActivity` reports on.")
class VolunteerActivityFilterInput:
    area_code: str | None = strawberry.field(
        default=None, description="Only volunteers assigned inside this area (province, district or sub-district code).")
    filed_from: datetime | None = strawberry.field(
        default=None,
        description="Count cases filed (and outreach events starting) from this moment (inclusive).")
    filed_to: datetime | None = strawberry.field(
        default=None,
        description="Count cases filed (and outreach events starting) before this moment (exclusive).")
    inactive_for_days: int | None = strawberry.field(
        default=None, description="List only volunteers inactive for at least this many days.")

    def __post_init__(self) -> None:
        self.area_code = code(self.area_code) if self.area_code is not None else None
        for name, value in (("filedFrom", self.filed_from), ("filedTo", self.filed_to)):
            problem = instant_problem(value)
            if problem is not None:
                raise bad_input(f"`filter.{name}` {problem[0]}.", f"`filter.{name}` {problem[1]}")


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
        for name, value in (("filedFrom", self.filed_from), ("filedTo", self.filed_to)):
            problem = instant_problem(value)
            if problem is not None:
                raise ValidationFailed(f"input.{name}", f"`{name}` {problem[0]}.", f"`{name}` {problem[1]}",
                                       code="OUT_OF_RANGE")
        area = code(self.area_code) if self.area_code is not None else None
        return ExportRequest(kind=ExportKind(self.kind),
                             filter=self.filter.command() if self.filter else CaseFilter(),
                             group_by=tuple(self.group_by or ()), area_code=area,
                             filed_from=self.filed_from, filed_to=self.filed_to)
