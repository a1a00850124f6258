"""Dashboard queries and the CSV export mutation: thin resolvers over `domain.stats`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types.nodes import FragmentSpread, InlineFragment, Selection

from api.cases.inputs import CaseFilterInput, instant_problem
from api.context import Info
from api.errors import NotFoundError, ValidationError, bad_input
from api.ids import id_or_nil, optional_code
from api.permissions import IsAuthenticated, roles
from api.stats.inputs import ExportCsvInput, VolunteerActivityFilterInput
from api.stats.types import (CaseStats, NetworkCoverage, RoutingAccuracyRow, StatsExport,
                             VolunteerActivity)
from domain.cases.commands import CaseFilter
from domain.errors import AccessDenied, NotFound
from domain.stats import exports, service
from domain.stats.rules import CaseDimension, Figure
from domain.users.models import Role

READERS = [IsAuthenticated, roles(Role.SUPERVISOR, Role.COORDINATOR, Role.ADMIN)]
ACTIVITY_READERS = [IsAuthenticated, roles(Role.SUPERVISOR, Role.COORDINATOR, Role.ADMIN, Role.MENTOR)]


def _filter(value: CaseFilterInput | None) -> CaseFilter:
    return value.command() if value else CaseFilter()


F = Figure
# The figures each field of a `caseStats` row needs: only those asked for are computed.
_NEEDS: dict[str, frozenset[Figure]] = {
    **{name: frozenset({F.CASES}) for name in ("caseCount", "amountRecoveredThb", "satisfactionCount",
                                                 "meanSatisfaction", "escalatedOpenCaseCount")},
    "openByAge": frozenset({F.AGES}),
    **{name: frozenset({F.REFERRALS}) for name in ("referralCount", "acceptedWithinDeadline",
                                                     "resolvedWithinDeadline")},
    **{name: frozenset({F.NOW}) for name in ("acceptanceCounted", "resolutionCounted", "overdueReferralCount")},
    **{name: frozenset({F.REFERRALS, F.NOW}) for name in ("acceptedWithinDeadlineShare",
                                                            "resolvedWithinDeadlineShare")},
    **{name: frozenset({F.DURATIONS}) for name in ("medianBusinessDaysToAccept", "p90BusinessDaysToAccept",
                                                     "medianBusinessDaysToResolve", "p90BusinessDaysToResolve")},
}


def _asked(selections: list[Selection], in_rows: bool = False) -> frozenset[Figure]:
    """The figures the selection of `caseStats` (or of its `rows`) asks for, fragments included."""
    out: set[Figure] = set()
    for s in selections:
        if isinstance(s, FragmentSpread | InlineFragment):
            out |= _asked(s.selections, in_rows)
        elif in_rows:
            out |= _NEEDS.get(s.name, frozenset())
        elif s.name == "rows":
            out |= _asked(s.selections, True)
    return frozenset(out)


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


@strawberry.type
class StatsQueries:
    @strawberry.field(description="Cases and referrals in your scope, grouped by the given dimensions "
                                  "(none: one row for everything). Supervisors, coordinators, admins.",
                      permission_classes=READERS)
    async def case_stats(
            self, info: Info, group_by: list[CaseDimension], filter: CaseFilterInput | None = None,
            filed_from: Annotated[datetime | None, strawberry.argument(
                description="Only cases received from this moment (inclusive): a period's start.")] = None,
            filed_to: Annotated[datetime | None, strawberry.argument(
                description="Only cases received before this moment (exclusive).")] = None,
    ) -> CaseStats:
        ctx = info.context
        if len(group_by) > 4:
            raise _bad("Group by at most 4 dimensions.")
        for name, value in (("filedFrom", filed_from), ("filedTo", filed_to)):
            problem = instant_problem(value)
            if problem is not None:
                raise bad_input(f"`{name}` {problem[0]}.", f"`{name}` {problem[1]}")
        stats = await service.case_stats(ctx.db, ctx.user, _filter(filter), group_by, ctx.now(), ctx.calendar,
                                         filed_from, filed_to, _asked(info.selected_fields[0].selections))
        return CaseStats.of(stats)

    @strawberry.field(description="Per labour volunteer in your scope: cases filed, open cases, last "
                                  "activity, satisfaction, outreach events prepared and meetings "
                                  "attended; and how many are inactive. Null when the "
                                  "area asked for is outside your scope.",
                      permission_classes=ACTIVITY_READERS)
    async def volunteer_activity(self, info: Info, filter: VolunteerActivityFilterInput | None = None,
                                 first: int = 100, offset: int = 0) -> VolunteerActivity | None:
        if not 1 <= first <= service.MAX_VOLUNTEER_PAGE or offset < 0:
            raise _bad(f"`first` must be between 1 and {service.MAX_VOLUNTEER_PAGE}; `offset` not negative.")
        f = filter or VolunteerActivityFilterInput()
        ctx = info.context
        report = await service.volunteer_activity(
            ctx.db, ctx.user, area_code=(f.area_code or "").strip() or None, filed_from=f.filed_from,
            filed_to=f.filed_to, inactive_for_days=f.inactive_for_days, first=first, offset=offset,
            now=ctx.now())
        return VolunteerActivity.of(report) if report else None

    @strawberry.field(description="Sub-districts with at least one active volunteer over all, by "
                                  "province and district, and the uncovered ones. Without a province: "
                                  "your whole scope. Null when the province is outside your scope.",
                      permission_classes=READERS)
    async def network_coverage(self, info: Info, province_code: str | None = None) -> NetworkCoverage | None:
        report = await service.network_coverage(info.context.db, info.context.user,
                                                optional_code(province_code))
        return NetworkCoverage.of(report) if report else None

    @strawberry.field(description="How often referrals of each problem type and province are declined "
                                  "or redirected, and to where.",
                      permission_classes=READERS)
    async def routing_accuracy(self, info: Info, filter: CaseFilterInput | None = None) -> list[RoutingAccuracyRow]:
        rows = await service.routing_accuracy(info.context.db, info.context.user, _filter(filter))
        return [RoutingAccuracyRow.of(r) for r in rows]

    @strawberry.field(description="A CSV export you asked for, or null.", permission_classes=ACTIVITY_READERS)
    async def stats_export(self, info: Info, id: strawberry.ID) -> StatsExport | None:
        try:
            row = await exports.find_export(info.context.db, info.context.user, id_or_nil(id))
        except NotFound:
            return None
        return StatsExport.of(row)


@strawberry.type(description="The CSV export: the file itself when it was small, or a job a worker finishes.")
class ExportCsvSuccess:
    export: StatsExport = strawberry.field(
        description="The export. DONE with `csv` when made at once; PENDING otherwise — ask "
                    "`statsExport(id)` until it is DONE.")


ExportCsvResult = Annotated[ExportCsvSuccess | ValidationError | NotFoundError,
                            strawberry.union("ExportCsvResult")]


@strawberry.type
class StatsMutations:
    @strawberry.mutation(description="Export a filtered case list or a dashboard table as CSV "
                                     f"(UTF-8 with BOM, B.E. dates). Up to {exports.INLINE_CASE_LIMIT:,} "
                                     "cases: the file comes back at once; more: a background job.",
                         permission_classes=ACTIVITY_READERS)
    async def export_csv(self, info: Info, input: ExportCsvInput) -> ExportCsvResult:
        ctx = info.context
        request = input.request()
        if len(request.group_by) > 4:
            raise _bad("Group by at most 4 dimensions.")
        try:
            async with ctx.uow() as uow:
                outcome = await exports.request_export(ctx.db, ctx.user, request, ctx.now(), ctx.calendar, uow)
        except AccessDenied as denied:  # e.g. a mentor asking for more than volunteer activity
            raise GraphQLError(str(denied), extensions={"code": "FORBIDDEN"}) from None
        return ExportCsvSuccess(export=StatsExport.of(outcome.export))
