"""People as their managers see them (issue 13): contact details, status, last sign-in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from api.cases.types import PageInfo
from api.context import Info
from api.errors import NotFoundError, ValidationError
from api.loaders import then
from api.reference.types import OrgUnit
from api.users.types import User
from domain.users.models import Role
from domain.users.models import User as UserRow


@strawberry.type(description="A person, as an admin or their coordinator sees them.")
class Person:
    id: strawberry.ID = strawberry.field(description="Stable id.")
    username: str = strawberry.field(description="Sign-in name.")
    display_name: str = strawberry.field(description="Name shown to others.")
    role: Role = strawberry.field(description="Role.")
    area_code: str | None = strawberry.field(description="The area they serve or oversee.")
    org_unit_code: str | None = strawberry.field(description="Their office, if any.")
    phone: str | None = strawberry.field(description="Phone in national form.")
    email: str | None = strawberry.field(description="E-mail address.")
    is_active: bool = strawberry.field(description="False once deactivated: they cannot sign in.")
    is_unit_head: bool = strawberry.field(description="Head of their office (told at escalation level 1).")
    is_extension_approver: bool = strawberry.field(description="Approves extensions of legal deadlines.")
    must_change_password: bool = strawberry.field(description="Has a one-time code or just used one.")
    has_open_code: bool = strawberry.field(description="A one-time code was issued and not used yet.")
    last_sign_in_at: datetime | None = strawberry.field(description="When they last signed in.")
    deactivated_at: datetime | None = strawberry.field(description="When they were deactivated.")
    created_at: datetime = strawberry.field(description="When the account was made.")
    mentor_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def of(cls, row: UserRow) -> Person:
        return cls(id=strawberry.ID(str(row.id)), username=row.username, display_name=row.display_name,
                   role=Role(row.role), area_code=row.area_code, org_unit_code=row.org_unit_code,
                   phone=row.phone, email=row.email, is_active=row.is_active, is_unit_head=row.is_unit_head,
                   is_extension_approver=row.is_extension_approver,
                   must_change_password=row.must_change_password,
                   has_open_code=row.reset_code_hash is not None, last_sign_in_at=row.last_sign_in_at,
                   deactivated_at=row.deactivated_at, created_at=row.created_at, mentor_id=row.mentor_id)

    @strawberry.field(description="Their mentor (volunteers).")
    async def mentor(self, info: Info) -> User | None:
        if self.mentor_id is None:
            return None
        row = await info.context.loaders.user.load(self.mentor_id)
        return User.of(row) if row else None

    @strawberry.field(description="Their office, if any.")
    def org_unit(self, info: Info) -> OrgUnit | None:
        if not self.org_unit_code:
            return None
        return then(info.context.loaders.org_unit_row(self.org_unit_code),  # type: ignore[return-value]
                    lambda row: OrgUnit.of(row) if row else None)


@strawberry.type(description="A page of people.")
class PersonConnection:
    people: list[Person] = strawberry.field(description="The people on this page.")
    total_count: int = strawberry.field(description="How many match in all.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")


@strawberry.type(description="Made: give the one-time code to the person (it is shown only now).")
class CreateUserSuccess:
    person: Person = strawberry.field(description="The new user.")
    one_time_code: str = strawberry.field(description="Sign in with it once, then choose a password.")
    code_expires_at: datetime = strawberry.field(description="The code works until then (24 hours).")


@strawberry.type(description="A new one-time code (shown only now); any earlier code no longer works.")
class IssueResetCodeSuccess:
    person: Person = strawberry.field(description="Whose code it is.")
    one_time_code: str = strawberry.field(description="Sign in with it once, then choose a password.")
    code_expires_at: datetime = strawberry.field(description="The code works until then (24 hours).")


@strawberry.type(description="Changed.")
class UpdateUserSuccess:
    person: Person = strawberry.field(description="The user now.")


@strawberry.type(description="Deactivated or moved, and their work handed over.")
class TurnoverSuccess:
    person: Person = strawberry.field(description="The user now.")
    cases_moved: int = strawberry.field(description="Open cases now followed by `handedOverTo`.")
    referrals_unassigned: int = strawberry.field(description="Referrals back in their office's queue.")
    mentees_moved: int = strawberry.field(description="Volunteers now mentored by `handedOverTo`.")
    handed_over_to: User | None = strawberry.field(description="Who took the work over.")


@strawberry.type(description="Your password is changed.")
class ChangePasswordSuccess:
    me: User = strawberry.field(description="You.")


Errors = ValidationError | NotFoundError
CreateUserResult = Annotated[CreateUserSuccess | Errors, strawberry.union("CreateUserResult")]
IssueResetCodeResult = Annotated[IssueResetCodeSuccess | Errors, strawberry.union("IssueResetCodeResult")]
UpdateUserResult = Annotated[UpdateUserSuccess | Errors, strawberry.union("UpdateUserResult")]
TurnoverResult = Annotated[TurnoverSuccess | Errors, strawberry.union("TurnoverResult")]
ChangePasswordResult = Annotated[ChangePasswordSuccess | Errors, strawberry.union("ChangePasswordResult")]
