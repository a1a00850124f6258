"""`markNotificationsRead(ids)`: only your own are touched."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import ValidationError
from api.permissions import IsAuthenticated
from domain.errors import ValidationFailed
from domain.notifications import repository, service

MAX_IDS = 200


@strawberry.type(description="The notifications were marked read.")
class MarkNotificationsReadSuccess:
    marked: int = strawberry.field(description="How many were unread and are read now.")
    unread_count: int = strawberry.field(description="How many of yours remain unread.")


MarkNotificationsReadResult = Annotated[MarkNotificationsReadSuccess | ValidationError,
                                        strawberry.union("MarkNotificationsReadResult")]


def _ids(values: list[strawberry.ID]) -> list[uuid.UUID]:
    if len(values) > MAX_IDS:
        raise ValidationFailed("ids", f"At most {MAX_IDS} ids at once.", f"ได้ครั้งละไม่เกิน {MAX_IDS} รายการ",
                               code="OUT_OF_RANGE")
    parsed = []
    for value in values:
        try:
            parsed.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # no notification has it
    return parsed


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark some of your notifications read.", permission_classes=[IsAuthenticated])
    async def mark_notifications_read(self, info: Info, ids: list[strawberry.ID]) -> MarkNotificationsReadResult:
        ctx = info.context
        async with ctx.uow() as uow:
            marked = await service.mark_read(uow, ctx.user, _ids(ids), ctx.now())
        async with ctx.db.read_sessions() as session:
            unread = await repository.unread_count(session, ctx.user)
        return MarkNotificationsReadSuccess(marked=marked, unread_count=unread)
