"""The demo organisation of SPEC.md section 5, as the shared test database has it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select
from sqlmodel import col

from domain.db import Database
from domain.demo import DEMO_PASSWORD, DEMO_USERNAMES, seed_demo
from domain.errors import InvalidCredentials
from domain.users import repository
from domain.users.models import Role, User
from domain.users.service import authenticate

NOW = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)

# username: (role, area code, org unit code, mentor's username)
EXPECTED = {
    "vol.naimueang": (Role.VOLUNTEER, "430101", None, "mentor.nongkhai"),
    "vol.michai": (Role.VOLUNTEER, "430102", None, "mentor.nongkhai"),
    "mentor.nongkhai": (Role.MENTOR, "43", None, None),
    "ops.nongkhai": (Role.COORDINATOR, "43", "OPS-43", None),
    "dlpw.nongkhai": (Role.OFFICER, None, "DLPW-43", None),
    "sso.nongkhai": (Role.OFFICER, None, "SSO-43", None),
    "doe.nongkhai": (Role.OFFICER, None, "DOE-43", None),
    "sup.nongkhai": (Role.SUPERVISOR, "43", None, None),
    "sup.national": (Role.SUPERVISOR, None, None, None),
    "admin": (Role.ADMIN, None, None, None),
}


async def _demo_user_count(db: Database) -> int:
    async with db.read_sessions() as session:
        query = select(func.count()).select_from(User).where(
            col(User.username).in_(sorted(DEMO_USERNAMES))
        )
        return int((await session.execute(query)).scalar_one())


def test_the_demo_users_are_those_of_the_spec() -> None:
    assert DEMO_USERNAMES == set(EXPECTED)


async def test_seeding_again_adds_nobody_and_keeps_passwords(db: Database) -> None:
    async with db.write_sessions() as session:
        assert await seed_demo(session, "another-password", NOW) == []
        await session.commit()  # a no-op seed commits nothing
    assert await _demo_user_count(db) == len(EXPECTED)
    async with db.read_sessions() as session:
        await authenticate(session, "admin", DEMO_PASSWORD)


async def test_seeding_adds_only_the_missing_users(db: Database) -> None:
    async with db.write_sessions() as session:
        await session.execute(delete(User).where(col(User.username) == "vol.michai"))
        assert await seed_demo(session, DEMO_PASSWORD, NOW) == ["vol.michai"]
        await session.rollback()
    assert await _demo_user_count(db) == len(EXPECTED)


@pytest.mark.parametrize("username", sorted(EXPECTED))
async def test_each_demo_user_signs_in_with_the_demo_password(db: Database, username: str) -> None:
    async with db.read_sessions() as session:
        user = await authenticate(session, username, DEMO_PASSWORD)
        assert user.username == username
        with pytest.raises(InvalidCredentials):
            await authenticate(session, username, DEMO_PASSWORD + "x")


async def test_demo_users_have_the_scopes_of_the_spec(db: Database) -> None:
    async with db.read_sessions() as session:
        for username, (role, area, org_unit, mentor) in EXPECTED.items():
            user = await repository.by_username(session, username)
            assert user is not None, username
            assert (user.role, user.area_code, user.org_unit_code) == (role, area, org_unit)
            assert user.email == f"{username}@demo.khortor.example"
            assert user.display_name
            found = await repository.by_id(session, user.mentor_id) if user.mentor_id else None
            assert (found.username if found else None) == mentor, username
