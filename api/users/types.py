"""Users in the schema (staff and volunteers; never citizens)."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.fields import context_field
from api.loaders import then
from api.reference.types import OrgUnit
from domain.users.models import Role
from domain.users.models import User as UserRow

RoleEnum = strawberry.enum(Role, name="Role", description="What a user does (SPEC.md section 2).")


@strawberry.type(description="A person who signs in to Khortor.")
class User:
    id: strawberry.ID = strawberry.field(description="Stable id.")
    username: str = strawberry.field(description="Sign-in name.")
    display_name: str = strawberry.field(description="Name shown to others.")
    role: Role = strawberry.field(description="Role.")
    area_code: str | None = strawberry.field(description="The area the user is scoped to, if any.")
    org_unit_code: str | None = strawberry.field(description="The office the user works in, if any.")
    is_extension_approver: bool = strawberry.field(
        description="May approve or refuse extensions of legal deadlines.")

    @classmethod
    def of(cls, row: UserRow) -> User:
        return cls(id=strawberry.ID(str(row.id)), username=row.username,
                   display_name=row.display_name, role=Role(row.role), area_code=row.area_code,
                   org_unit_code=row.org_unit_code, is_extension_approver=row.is_extension_approver)

    @context_field(description="The office the user works in, if any.")
    def org_unit(self, info: Info) -> OrgUnit | None:
        if not self.org_unit_code:
            return None
        return then(info.context.loaders.org_unit_row(self.org_unit_code),  # type: ignore[return-value]
                    lambda row: OrgUnit.of(row) if row else None)
