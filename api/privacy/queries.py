"""The access log (admins) and lookups by national ID (staff, within a quota)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from api.cases.types import Case, PageInfo
from api.context import Info
from api.cases.inputs import instant_problem
from api.errors import TooManyLookupsError, ValidationError, bad_input
from api.ids import id_or_nil, optional_code
from api.pagination import offset_cursor, page_size, read_offset_cursor
from api.permissions import IsAuthenticated, roles
from api.privacy.types import (AccessActionEnum, AccessLogConnection, AccessLogEdge, AccessLogEntry,
                               CitizenCases)
from domain.privacy import service
from domain.privacy.models import AccessAction
from domain.privacy.repository import AccessFilter
from domain.users.models import Role

ADMINS = [IsAuthenticated, roles(Role.ADMIN)]
LOOKERS = [IsAuthenticated, roles(*service.LOOKUP_ROLES)]

CasesOfCitizenResult = Annotated[CitizenCases | TooManyLookupsError | ValidationError,
                                 strawberry.union("CasesOfCitizenResult")]


@strawberry.input(description="Narrow the access log.")
class AccessLogFilterInput:
    case_id: strawberry.ID | None = strawberry.field(default=None, description="Only this case.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Only this user.")
    action: AccessAction | None = strawberry.field(default=None, description="Only this action.")
    request_id: str | None = strawberry.field(default=None, description="Only this request.")
    since: datetime | None = strawberry.field(default=None, description="At or after this time.")
    until: datetime | None = strawberry.field(default=None, description="Before this time.")

    def command(self) -> AccessFilter:
        """The filter; a time without a zone or out of range is BAD_USER_INPUT."""
        for name, value in (("since", self.since), ("until", self.until)):
            problem = instant_problem(value)
            if problem:
                raise bad_input(f"`filter.{name}` {problem[0]}.", f"`filter.{name}` {problem[1]}")
        return AccessFilter(case_id=_uuid(self.case_id), user_id=_uuid(self.user_id),
                            action=self.action.value if self.action else None,
                            request_id=optional_code(self.request_id),
                            since=self.since, until=self.until)


def _uuid(value: strawberry.ID | None) -> uuid.UUID | None:
    return None if value is None else id_or_nil(value)  # text that is no id matches nothing


@strawberry.type
class PrivacyQueries:
    @strawberry.field(description="Who read or changed personal data, newest first (admins).",
                      permission_classes=ADMINS)
    async def access_log(self, info: Info, filter: AccessLogFilterInput | None = None,
                         first: int | None = None, after: str | None = None) -> AccessLogConnection:
        size = page_size(first, default=50)
        before = read_offset_cursor(after) if after else None
        rows, more = await service.access_log(info.context.db, info.context.user,
                                              (filter or AccessLogFilterInput()).command(), size,
                                              before)
        edges = [AccessLogEdge(node=AccessLogEntry.of(r), cursor=offset_cursor(r.id or 0)) for r in rows]
        return AccessLogConnection(edges=edges, page_info=PageInfo(
            has_next_page=more, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="The cases of one citizen that you may see, by national ID. "
                                  "Each lookup is logged and counts against an hourly quota.",
                      permission_classes=LOOKERS)
    async def cases_of_citizen(self, info: Info, national_id: str) -> CasesOfCitizenResult:
        ctx = info.context
        async with ctx.uow() as uow:
            rows = await service.cases_of_citizen(uow, ctx.user, ctx.settings.vault, national_id,
                                                  ctx.now(), ctx.settings.lookup_quota_per_hour)
        return CitizenCases(cases=[Case.of(r) for r in rows])


__all__ = ["AccessActionEnum", "PrivacyQueries"]
