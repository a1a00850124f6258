"""`notifications(unreadOnly, first, after)`: the signed-in user's own inbox."""

from __future__ import annotations

import strawberry

from api.cases.types import PageInfo
from api.context import Info
from api.notifications.types import Notification, NotificationConnection, NotificationEdge
from api.pagination import page_size, read_time_cursor, time_cursor
from api.permissions import IsAuthenticated
from domain.notifications import repository


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="Your notifications, newest first.", permission_classes=[IsAuthenticated])
    async def notifications(self, info: Info, unread_only: bool = False, first: int | None = None,
                            after: str | None = None) -> NotificationConnection:
        ctx = info.context
        size, position = page_size(first), read_time_cursor(after)
        async with ctx.db.read_sessions() as session:
            rows, more = await repository.inbox(session, ctx.user, unread_only, size, position)
            unread = await repository.unread_count(session, ctx.user)
        edges = [NotificationEdge(node=Notification.of(r), cursor=time_cursor(r.created_at, r.id)) for r in rows]
        return NotificationConnection(
            edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
            unread_count=unread)
