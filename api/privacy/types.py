"""The access log and PDPA results in the schema."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from api.cases.types import Case, PageInfo
from api.context import Info
from api.users.types import User
from domain.privacy.models import AccessAction, AccessLogEntry as EntryRow

AccessActionEnum = strawberry.enum(AccessAction, name="AccessAction",
                                   description="What was done with a citizen's personal data.")


@strawberry.type(description="One access to personal data (ประวัติการเข้าถึงข้อมูลส่วนบุคคล).")
class AccessLogEntry:
    id: strawberry.ID = strawberry.field(description="Increasing in writing order.")
    at: datetime = strawberry.field(description="When (UTC).")
    action: AccessAction = strawberry.field(description="What was done.")
    request_id: str | None = strawberry.field(description="The request it happened in (X-Request-ID).")
    detail: str | None = strawberry.field(description="For changes, the history event written.")
    reason: str | None = strawberry.field(description="The reason given, where one is asked.")
    case_id: strawberry.ID | None = strawberry.field(description="The case concerned, if any.")
    user_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def of(cls, row: EntryRow) -> AccessLogEntry:
        return cls(id=strawberry.ID(str(row.id)), at=row.at, action=AccessAction(row.action),
                   request_id=row.request_id, detail=row.detail, reason=row.reason,
                   case_id=strawberry.ID(str(row.case_id)) if row.case_id else None,
                   user_id=row.user_id)

    @strawberry.field(description="Who; null for the system (the retention job).")
    async def user(self, info: Info) -> User | None:
        if self.user_id is None:
            return None
        row = await info.context.loaders.user.load(self.user_id)
        return User.of(row) if row else None


@strawberry.type(description="An access-log entry in a list.")
class AccessLogEdge:
    node: AccessLogEntry = strawberry.field(description="The entry.")
    cursor: str = strawberry.field(description="Opaque position in the list.")


@strawberry.type(description="A page of the access log, newest first.")
class AccessLogConnection:
    edges: list[AccessLogEdge] = strawberry.field(description="The entries on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")


@strawberry.type(description="The citizen's cases you may see.")
class CitizenCases:
    cases: list[Case] = strawberry.field(description="Oldest first.")


@strawberry.type(description="A case that was not anonymised, and why.")
class AnonymiseSkipped:
    reference: str = strawberry.field(description="The case's reference.")
    why: str = strawberry.field(description="OPEN (not closed yet) or LEGAL_HOLD.")


@strawberry.type(description="The citizen's closed cases were anonymised.")
class AnonymiseCitizenSuccess:
    anonymised: list[str] = strawberry.field(description="References of the cases anonymised now.")
    skipped: list[AnonymiseSkipped] = strawberry.field(description="Cases kept, and why.")
