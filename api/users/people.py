"""People administration (issue 13): admins for everyone, coordinators for their province's
volunteers and mentors; changing one's own password."""

from __future__ import annotations

import strawberry

from api.cases.types import PageInfo
from api.context import Info
from api.ids import optional_code
from api.pagination import offset_cursor, page_size, read_offset_cursor
from api.permissions import IsAuthenticated, IsSignedIn, roles
from api.users.people_types import (ChangePasswordResult, ChangePasswordSuccess, CreateUserResult,
                                    CreateUserSuccess, IssueResetCodeResult, IssueResetCodeSuccess, Person,
                                    PersonConnection, TurnoverResult, TurnoverSuccess, UpdateUserResult,
                                    UpdateUserSuccess)
from api.users.types import User
from domain.people import turnover
from domain.users import directory, repository
from domain.users.models import Role
from domain.users.repository import UserFilter

MANAGERS = [IsAuthenticated, roles(Role.ADMIN, Role.COORDINATOR)]


@strawberry.input(description="Narrow the list of people.")
class UserFilterInput:
    text: str | None = strawberry.field(default=None, description="In the username, name, phone or e-mail.")
    role: Role | None = strawberry.field(default=None, description="Only this role.")
    area_code: str | None = strawberry.field(default=None, description="Only this area and within it.")
    org_unit_code: str | None = strawberry.field(default=None, description="Only this office.")
    active: bool | None = strawberry.field(default=None, description="Only active (true) or inactive (false).")

    def command(self) -> UserFilter:
        text = (self.text or "").replace("\x00", "").strip()[:100] or None
        return UserFilter(text=text, role=self.role, area_prefix=optional_code(self.area_code) or None,
                          org_unit_code=optional_code(self.org_unit_code) or None, active=self.active)


@strawberry.input(description="A new user; they get a one-time code to sign in and choose a password.")
class CreateUserInput:
    username: str = strawberry.field(description="3–80 of a–z, 0–9, '.', '_', '-'.")
    display_name: str = strawberry.field(description="Full name.")
    role: Role = strawberry.field(description="Role (a coordinator: VOLUNTEER or MENTOR).")
    area_code: str | None = strawberry.field(default=None, description="Their area (volunteers: a sub-district).")
    org_unit_code: str | None = strawberry.field(default=None, description="Their office (officers).")
    mentor_username: str | None = strawberry.field(default=None, description="Their mentor (volunteers).")
    phone: str | None = strawberry.field(default=None, description="Thai phone number.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")


@strawberry.input(description="What to change; a field left out stays as it is, an empty string clears it.")
class UpdateUserInput:
    display_name: str | None = strawberry.field(default=None, description="Full name.")
    phone: str | None = strawberry.field(default=None, description="Thai phone number; empty: none.")
    email: str | None = strawberry.field(default=None, description="E-mail address; empty: none.")
    mentor_username: str | None = strawberry.field(default=None, description="Their mentor; empty: none.")
    org_unit_code: str | None = strawberry.field(default=None, description="Their office (admins).")
    is_unit_head: bool | None = strawberry.field(default=None, description="Head of their office (admins).")
    is_extension_approver: bool | None = strawberry.field(default=None, description="Approves extensions (admins).")

    def command(self) -> directory.PersonChanges:
        clear = tuple(name for name, value in (("phone", self.phone), ("email", self.email),
                                               ("mentor", self.mentor_username)) if value == "")
        blank = lambda v: v if v else None  # noqa: E731
        return directory.PersonChanges(
            display_name=self.display_name, phone=blank(self.phone), email=blank(self.email),
            mentor_username=blank(self.mentor_username), org_unit_code=self.org_unit_code,
            is_unit_head=self.is_unit_head, is_extension_approver=self.is_extension_approver, clear=clear)


def _turnover(done: turnover.Turnover) -> TurnoverSuccess:
    return TurnoverSuccess(person=Person.of(done.user), cases_moved=done.cases_moved,
                           referrals_unassigned=done.referrals_unassigned, mentees_moved=done.mentees_moved,
                           handed_over_to=User.of(done.to) if done.to else None)


@strawberry.type
class PeopleQueries:
    @strawberry.field(description="People you manage (admins: everyone; coordinators: their province's "
                                  "volunteers and mentors), by name.", permission_classes=MANAGERS)
    async def users(self, info: Info, filter: UserFilterInput | None = None, first: int | None = None,
                    after: str | None = None) -> PersonConnection:
        f = directory.scoped(info.context.user, (filter or UserFilterInput()).command())
        start = read_offset_cursor(after)
        async with info.context.db.read_sessions() as session:
            rows, more = await repository.list_users(session, f, page_size(first, default=50), start)
            total = await repository.count_users(session, f)
        return PersonConnection(people=[Person.of(r) for r in rows], total_count=total, page_info=PageInfo(
            has_next_page=more, end_cursor=offset_cursor(start + len(rows)) if more else None))

    @strawberry.field(description="One person you manage, or null.", permission_classes=MANAGERS)
    async def person(self, info: Info, username: str) -> Person | None:
        async with info.context.db.read_sessions() as session:
            user = await repository.by_username(session, username.strip()) if "\x00" not in username else None
        return Person.of(user) if user and directory.may_manage(info.context.user, user) else None


@strawberry.type
class PeopleMutations:
    @strawberry.mutation(description="Add a user; they sign in once with the one-time code returned "
                                     "(shown only now) and choose a password.", permission_classes=MANAGERS)
    async def create_user(self, info: Info, input: CreateUserInput) -> CreateUserResult:
        ctx = info.context
        new = directory.NewPerson(username=input.username, display_name=input.display_name, role=input.role,
                                  area_code=optional_code(input.area_code) or None,
                                  org_unit_code=optional_code(input.org_unit_code) or None,
                                  mentor_username=input.mentor_username, phone=input.phone, email=input.email)
        async with ctx.uow() as uow:
            user, code = await directory.create(uow.session, ctx.user, new, ctx.now())
        return CreateUserSuccess(person=Person.of(user), one_time_code=code.code, code_expires_at=code.expires_at)

    @strawberry.mutation(description="Change a person's details.", permission_classes=MANAGERS)
    async def update_user(self, info: Info, username: str, input: UpdateUserInput) -> UpdateUserResult:
        ctx = info.context
        async with ctx.uow() as uow:
            user = await directory.update(uow.session, ctx.user, username, input.command(), ctx.now())
        return UpdateUserSuccess(person=Person.of(user))

    @strawberry.mutation(description="Deactivate a person (their sign-in stops at once). A volunteer's "
                                     "open cases go to `handoverTo` (an active volunteer or coordinator of "
                                     "the province), a mentor's volunteers to `handoverTo` (a mentor); an "
                                     "officer's referrals return to the office's queue. All or nothing.",
                         permission_classes=MANAGERS)
    async def deactivate_user(self, info: Info, username: str, handover_to: str | None = None) -> TurnoverResult:
        ctx = info.context
        async with ctx.uow() as uow:
            done = await turnover.deactivate(uow, ctx.user, username, handover_to, ctx.now(), ctx.calendar)
        return _turnover(done)

    @strawberry.mutation(description="Let a deactivated person sign in again.", permission_classes=MANAGERS)
    async def reactivate_user(self, info: Info, username: str) -> UpdateUserResult:
        ctx = info.context
        async with ctx.uow() as uow:
            user = await directory.reactivate(uow.session, ctx.user, username, ctx.now())
        return UpdateUserSuccess(person=Person.of(user))

    @strawberry.mutation(description="Move a volunteer or mentor to another area; their open cases (or "
                                     "volunteers) go to `handoverTo` in the old one.", permission_classes=MANAGERS)
    async def move_user(self, info: Info, username: str, area_code: str,
                        handover_to: str | None = None) -> TurnoverResult:
        ctx = info.context
        async with ctx.uow() as uow:
            done = await turnover.move_volunteer(uow, ctx.user, username, area_code, handover_to,
                                                 ctx.now(), ctx.calendar)
        return _turnover(done)

    @strawberry.mutation(description="A one-time code for a person who forgot their password: shown "
                                     "only now, valid 24 hours, stored hashed.", permission_classes=MANAGERS)
    async def issue_reset_code(self, info: Info, username: str) -> IssueResetCodeResult:
        ctx = info.context
        async with ctx.uow() as uow:
            user, code = await directory.issue_reset_code(uow.session, ctx.user, username, ctx.now())
        return IssueResetCodeSuccess(person=Person.of(user), one_time_code=code.code, code_expires_at=code.expires_at)

    @strawberry.mutation(description="Change your own password (after a one-time code: no current one). "
                                     "At least 10 characters, not easy to guess, not your username.",
                         permission_classes=[IsSignedIn])
    async def change_password(self, info: Info, new_password: str,
                              current_password: str | None = None) -> ChangePasswordResult:
        ctx = info.context
        async with ctx.uow() as uow:
            user = await directory.change_password(uow.session, ctx.user, current_password, new_password,
                                                   ctx.now())
        return ChangePasswordSuccess(me=User.of(user))
