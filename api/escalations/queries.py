"""Extensions waiting for a decision (approvers)."""

from __future__ import annotations

import strawberry

from api.cases.types import PageInfo, Referral, ReferralEdge
from api.context import Info
from api.pagination import offset_cursor, page_size, read_offset_cursor
from api.permissions import IsAuthenticated
from domain.escalations import queries


@strawberry.type(description="A page of referrals whose extension waits for a decision.")
class PendingExtensionConnection:
    edges: list[ReferralEdge] = strawberry.field(description="The referrals on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")

    @strawberry.field(description="How many wait in all.")
    async def total_count(self, info: Info) -> int:
        return await queries.count_pending_extensions(info.context.db, info.context.user)


@strawberry.type
class EscalationQueries:
    @strawberry.field(description="Referrals whose legal-deadline extension waits for a decision, the "
                                  "oldest request first; empty unless you approve extensions.",
                      permission_classes=[IsAuthenticated])
    async def pending_extensions(self, info: Info, first: int | None = None,
                                 after: str | None = None) -> PendingExtensionConnection:
        start = read_offset_cursor(after)
        rows, more = await queries.pending_extensions(info.context.db, info.context.user,
                                                      page_size(first), start)
        edges = [ReferralEdge(node=Referral.of(r), cursor=offset_cursor(start + i))
                 for i, r in enumerate(rows)]
        return PendingExtensionConnection(edges=edges, page_info=PageInfo(
            has_next_page=more, end_cursor=edges[-1].cursor if edges else None))
