"""Case and referral queries: thin resolvers over the read use cases."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from api.cases.inputs import CaseFilterInput, ReferralFilterInput
from api.cases.types import Case, CaseEdge, PageInfo, Referral, ReferralEdge
from api.context import Info
from api.pagination import asks_for, offset_cursor, page_size, read_offset_cursor, read_time_cursor, time_cursor
from api.permissions import IsAuthenticated
from domain.cases import queries
from domain.cases.commands import CaseFilter, ReferralFilter
from domain.users.models import Role


@strawberry.type(description="A page of cases.")
class CaseConnection:
    edges: list[CaseEdge] = strawberry.field(description="The cases on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")
    filter: strawberry.Private[CaseFilter]
    total: strawberry.Private[int | None] = None  # counted with the page

    @strawberry.field(description="How many cases match the filter in all.")
    async def total_count(self, info: Info) -> int:
        if self.total is not None:
            return self.total
        return await queries.count_cases(info.context.reads_session, info.context.user, self.filter)


@strawberry.type(description="A page of referrals.")
class ReferralConnection:
    edges: list[ReferralEdge] = strawberry.field(description="The referrals on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")
    filter: strawberry.Private[ReferralFilter]
    total: strawberry.Private[int | None] = None  # counted with the page
    now: strawberry.Private[datetime | None] = None  # the instant the page's `overdue` was judged at

    @strawberry.field(description="How many referrals match the filter in all.")
    async def total_count(self, info: Info) -> int:
        if self.total is not None:
            return self.total
        return await queries.count_referrals(info.context.reads_session, info.context.user, self.filter,
                                             self.now or info.context.now())


# Whose lists are their own cases or their office's, counted in the page's statement (one round
# trip, not two). A wider list's count may read millions of ids where its first page alone stops
# early on an index: it is a statement of its own, sent only when totalCount is asked for.
COUNTED_WITH_PAGE = frozenset({Role.VOLUNTEER, Role.OFFICER})


# A listed case's fields that need its referrals (the referrals themselves, and whether the
# viewer serves the citizen): when the list asks for one, the page's referrals are read with it.
NEEDS_REFERRALS = ("referrals", "description", "citizen")


def _counted_with_page(info: Info) -> bool:
    return info.context.user.role in COUNTED_WITH_PAGE and asks_for(info, "totalCount")


def _uuid(value: strawberry.ID) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@strawberry.type
class CaseQueries:
    @strawberry.field(description="One case, or null if it does not exist for you.",
                      permission_classes=[IsAuthenticated])
    async def case(self, info: Info, id: strawberry.ID) -> Case | None:
        case_id = _uuid(id)
        row = await queries.find_case(info.context.reads_session, info.context.user, case_id) if case_id else None
        return Case.of(row) if row else None

    @strawberry.field(description="Cases you may see, newest first.",
                      permission_classes=[IsAuthenticated])
    async def cases(self, info: Info, filter: CaseFilterInput | None = None,
                    first: int | None = None, after: str | None = None) -> CaseConnection:
        f = filter.command() if filter else CaseFilter()
        size, start = page_size(first), read_time_cursor(after)
        total = None
        if start is None and _counted_with_page(info):  # the first page: counted in its statement
            rows, more, total = await queries.first_cases_counted(info.context.reads_session, info.context.user,
                                                                  f, size)
        else:
            rows, more = await queries.list_cases(info.context.reads_session, info.context.user, f, size, start)
        if rows and any(asks_for(info, "edges", "node", name) for name in NEEDS_REFERRALS):
            await info.context.loaders.prime_referrals([r.id for r in rows])  # then resolved without awaiting
        edges = [CaseEdge(node=Case.of(r), cursor=time_cursor(r.received_at, r.id)) for r in rows]
        return CaseConnection(edges=edges, filter=f, total=total, page_info=PageInfo(
            has_next_page=more, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="One referral, or null if it does not exist for you.",
                      permission_classes=[IsAuthenticated])
    async def referral(self, info: Info, id: strawberry.ID) -> Referral | None:
        referral_id = _uuid(id)
        row = (await queries.find_referral(info.context.reads_session, info.context.user, referral_id)
               if referral_id else None)
        return Referral.of(row) if row else None

    @strawberry.field(description="Referrals you may see; by default the earliest running "
                                  "deadline first (`filter.sort`).",
                      permission_classes=[IsAuthenticated])
    async def referrals(self, info: Info, filter: ReferralFilterInput | None = None,
                        first: int | None = None, after: str | None = None) -> ReferralConnection:
        f = filter.command(info.context.user.user_id) if filter else ReferralFilter()
        start, size, now = read_offset_cursor(after), page_size(first), info.context.now()
        total = None
        if _counted_with_page(info):  # counted in the page's statement
            rows, more, total = await queries.referrals_counted(info.context.reads_session, info.context.user, f,
                                                                now, size, start)
        else:
            rows, more = await queries.list_referrals(info.context.reads_session, info.context.user, f,
                                                      now, size, start)
        if rows and asks_for(info, "edges", "node", "case"):
            await info.context.loaders.prime_cases([r.case_id for r in rows])  # then resolved without awaiting
        edges = [ReferralEdge(node=Referral.of(r), cursor=offset_cursor(start + i))
                 for i, r in enumerate(rows)]
        return ReferralConnection(edges=edges, filter=f, total=total, now=now, page_info=PageInfo(
            has_next_page=more, end_cursor=edges[-1].cursor if edges else None))
