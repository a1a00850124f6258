"""The admin audit log: every change to people and reference data, for admins (issue 13)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strawberry

from api.cases.inputs import instant_problem
from api.cases.types import PageInfo
from api.context import Info
from api.errors import bad_input
from api.ids import optional_code
from api.loaders import then
from api.pagination import offset_cursor, page_size, read_offset_cursor
from api.permissions import IsAuthenticated, roles
from api.users.types import User
from domain.audit import repository
from domain.audit.models import AdminAuditEntry as EntryRow
from domain.users.models import Role

ADMINS = [IsAuthenticated, roles(Role.ADMIN)]


@strawberry.type(description="One field of a change: its value before and after, as JSON text.")
class AuditChange:
    field: str = strawberry.field(description="The field.")
    before: str | None = strawberry.field(description="Its value before (JSON), null when it had none.")
    after: str | None = strawberry.field(description="Its value after (JSON), null when removed.")


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[AuditChange]:
    keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
    text = lambda side, k: None if side is None or k not in side else json.dumps(side[k], ensure_ascii=False)  # noqa: E731
    return [AuditChange(field=k, before=text(before, k), after=text(after, k)) for k in keys]


@strawberry.type(description="One change an admin or coordinator made (append-only).")
class AdminAuditEntry:
    id: strawberry.ID = strawberry.field(description="Increasing in writing order.")
    at: datetime = strawberry.field(description="When (UTC).")
    request_id: str | None = strawberry.field(description="The request that made it.")
    action: str = strawberry.field(description="What was done, e.g. USER_DEACTIVATED.")
    target_type: str = strawberry.field(description="USER, CATEGORY, ROUTING_RULE, ORG_UNIT, HOLIDAY…")
    target_id: str = strawberry.field(description="Which one (a username, a code, a day).")
    changes: list[AuditChange] = strawberry.field(description="Each field changed, before → after.")
    actor_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: EntryRow) -> AdminAuditEntry:
        return cls(id=strawberry.ID(str(row.id)), at=row.at, request_id=row.request_id, action=row.action,
                   target_type=row.target_type, target_id=row.target_id,
                   changes=_changes(row.before, row.after), actor_id=row.actor_id)

    @strawberry.field(description="Who made it; null when the system did.")
    def actor(self, info: Info) -> User | None:
        if self.actor_id is None:
            return None
        return then(info.context.loaders.user.load(self.actor_id),  # type: ignore[return-value]
                    lambda row: User.of(row) if row else None)


@strawberry.type(description="A page of the admin audit log, the newest first.")
class AdminAuditConnection:
    entries: list[AdminAuditEntry] = strawberry.field(description="The entries on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")


@strawberry.input(description="Narrow the admin audit log.")
class AdminAuditFilterInput:
    action: str | None = strawberry.field(default=None, description="Only this action.")
    target_type: str | None = strawberry.field(default=None, description="Only this kind of target.")
    target_id: str | None = strawberry.field(default=None, description="Only this target (a username, a code).")
    since: datetime | None = strawberry.field(default=None, description="At or after this time.")
    until: datetime | None = strawberry.field(default=None, description="Before this time.")

    def command(self) -> repository.AuditFilter:
        for name, value in (("since", self.since), ("until", self.until)):
            problem = instant_problem(value)
            if problem:
                raise bad_input(f"`filter.{name}` {problem[0]}.", f"`filter.{name}` {problem[1]}")
        target = (self.target_id or "").strip()[:80] or None
        return repository.AuditFilter(action=optional_code(self.action), target_type=optional_code(self.target_type),
                                      target_id=target, since=self.since, until=self.until)


@strawberry.type
class AuditQueries:
    @strawberry.field(description="Every change to people and reference data, the newest first (admins).",
                      permission_classes=ADMINS)
    async def admin_audit_log(self, info: Info, filter: AdminAuditFilterInput | None = None,
                              first: int | None = None, after: str | None = None) -> AdminAuditConnection:
        f = (filter or AdminAuditFilterInput()).command()
        before = read_offset_cursor(after) if after else None
        async with info.context.db.read_sessions() as session:
            rows, more = await repository.entries(session, f, page_size(first, default=50), before)
        entries = [AdminAuditEntry.of(r) for r in rows]
        return AdminAuditConnection(entries=entries, page_info=PageInfo(
            has_next_page=more, end_cursor=offset_cursor(rows[-1].id or 0) if rows and more else None))
