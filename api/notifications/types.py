"""The in-app inbox in the schema."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.cases.types import PageInfo
from domain.notifications.models import Notification as NotificationRow
from domain.notifications.models import NotificationKind

NotificationKindEnum = strawberry.enum(NotificationKind, name="NotificationKind",
                                       description="What a notification is about.")


@strawberry.type(description="A message in your inbox (การแจ้งเตือน); e-mailed too when you have an address.")
class Notification:
    id: strawberry.ID = strawberry.field(description="Stable id.")
    kind: NotificationKind = strawberry.field(description="What it is about.")
    subject: str = strawberry.field(description="One line, Thai with English.")
    body_th: str = strawberry.field(description="The message in Thai.")
    body_en: str = strawberry.field(description="The message in English.")
    case_id: strawberry.ID | None = strawberry.field(description="The case it concerns, if any.")
    referral_id: strawberry.ID | None = strawberry.field(description="The referral it concerns, if any.")
    created_at: datetime = strawberry.field(description="When it arrived.")
    read_at: datetime | None = strawberry.field(description="When you marked it read.")

    @classmethod
    def of(cls, row: NotificationRow) -> Notification:
        return cls(id=strawberry.ID(str(row.id)), kind=NotificationKind(row.kind), subject=row.subject,
                   body_th=row.body_th, body_en=row.body_en,
                   case_id=strawberry.ID(str(row.case_id)) if row.case_id else None,
                   referral_id=strawberry.ID(str(row.referral_id)) if row.referral_id else None,
                   created_at=row.created_at, read_at=row.read_at)


@strawberry.type(description="A notification in a list.")
class NotificationEdge:
    node: Notification = strawberry.field(description="The notification.")
    cursor: str = strawberry.field(description="Opaque position in the list.")


@strawberry.type(description="A page of your notifications, newest first.")
class NotificationConnection:
    edges: list[NotificationEdge] = strawberry.field(description="The notifications on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")
    unread_count: int = strawberry.field(description="How many of your notifications are unread in all.")
