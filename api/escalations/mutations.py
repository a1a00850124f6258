"""Extending the legal deadline: an officer asks once, an approver decides."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.context import Info
from api.escalations.types import DeadlineExtension
from api.errors import IllegalTransitionError, NotFoundError, ValidationError
from api.ids import id_or_nil
from api.permissions import IsAuthenticated, roles
from domain.escalations import service
from domain.users.models import Role

OFFICERS = [IsAuthenticated, roles(Role.OFFICER)]


@strawberry.type(description="The extension was asked for; an approver decides.")
class RequestExtensionSuccess:
    extension: DeadlineExtension = strawberry.field(description="The request.")


@strawberry.type(description="The extension was decided.")
class DecideExtensionSuccess:
    extension: DeadlineExtension = strawberry.field(description="The decision.")
    legal_due_at: datetime | None = strawberry.field(description="The referral's legal deadline now.")


Errors = NotFoundError | IllegalTransitionError | ValidationError
RequestExtensionResult = Annotated[RequestExtensionSuccess | Errors, strawberry.union("RequestExtensionResult")]
DecideExtensionResult = Annotated[DecideExtensionSuccess | Errors, strawberry.union("DecideExtensionResult")]


@strawberry.type
class EscalationMutations:
    @strawberry.mutation(description="Ask to extend a referral's legal deadline (once, 1–30 days).",
                         permission_classes=OFFICERS)
    async def request_extension(self, info: Info, referral_id: strawberry.ID, days: int,
                                reason: str) -> RequestExtensionResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await service.request_extension(uow, ctx.user, id_or_nil(referral_id), days, reason,
                                                  ctx.now(), ctx.calendar)
        return RequestExtensionSuccess(extension=DeadlineExtension.of(row))

    @strawberry.mutation(description="Approve or refuse a requested extension (approvers only).",
                         permission_classes=[IsAuthenticated])
    async def decide_extension(self, info: Info, referral_id: strawberry.ID, approve: bool,
                               note: str | None = None) -> DecideExtensionResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row, referral = await service.decide_extension(uow, ctx.user, id_or_nil(referral_id), approve, note,
                                                           ctx.now(), ctx.calendar)
        return DecideExtensionSuccess(extension=DeadlineExtension.of(row), legal_due_at=referral.legal_due_at)
