"""Signing in and `me`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.errors import InvalidCredentialsError, TooManyAttemptsError
from api.permissions import IsAuthenticated, IsSignedIn
from api.users.client_address import client_address
from api.users.types import User
from domain.users import repository, service


@strawberry.type(description="Signed in: send the token as `Authorization: Bearer <token>`.")
class LoginSuccess:
    token: str = strawberry.field(description="A bearer token; it expires.")
    user: User = strawberry.field(description="Who signed in.")
    must_change_password: bool = strawberry.field(
        description="Signed in with a one-time code: choose a password (`changePassword`) before anything else.")


LoginResult = Annotated[LoginSuccess | InvalidCredentialsError | TooManyAttemptsError,
                        strawberry.union("LoginResult")]


@strawberry.type
class UserQueries:
    @strawberry.field(description="The signed-in user.", permission_classes=[IsSignedIn])
    async def me(self, info: Info) -> User:
        row = await info.context.loaders.user.load(info.context.user.user_id)  # the request's signer: primed
        assert row is not None
        return User.of(row)

    @strawberry.field(description="The active colleagues of your office (you included) to whom its "
                                  "referrals may be assigned; empty when you work in no office.",
                      permission_classes=[IsAuthenticated])
    async def colleagues(self, info: Info) -> list[User]:
        me = info.context.user
        if me.org_unit_code is None:
            return []
        async with info.context.db.read_sessions() as session:
            rows = await repository.unit_staff(session, me.org_unit_code)
        return [User.of(r) for r in rows]


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Sign in with a username and password. Repeated failures "
                                     "lock the username for a while (sooner for one client "
                                     "address, without locking others out).")
    async def login(self, info: Info, username: str, password: str) -> LoginResult:
        ctx = info.context
        peer = ctx.request.client
        address = client_address(peer.host if peer else None,
                                 ctx.request.headers.getlist("x-forwarded-for"),
                                 ctx.settings.trusted_proxies)
        attempt = service.SignIn(username, password, address)
        row, token = await service.sign_in(ctx.db, ctx.uow, attempt, ctx.now(), ctx.settings.secret_key,
                                           int(ctx.settings.token_lifetime.total_seconds()))
        return LoginSuccess(token=token, user=User.of(row), must_change_password=row.must_change_password)
