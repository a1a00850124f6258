"""The shared database fixture empties what a test wrote (these two run in this order)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from domain.cases.models import CaseSequence
from domain.db import Database
from domain.demo import DEMO_USERNAMES
from domain.uow import UnitOfWork
from domain.users.models import Role, User
from domain.users.service import NewUser, create_user


async def _counts(db: Database) -> tuple[int, int]:
    async with db.read_sessions() as session:
        users = (await session.execute(select(func.count()).select_from(User))).scalar_one()
        sequences = (
            await session.execute(select(func.count()).select_from(CaseSequence))
        ).scalar_one()
    return int(users), int(sequences)


async def test_a_test_writes_rows(db: Database) -> None:
    async with UnitOfWork(db) as uow:
        await create_user(uow.session, NewUser(
            username="extra.volunteer", password="long-enough", display_name="อสร. ทดสอบ",
            role=Role.VOLUNTEER, area_code="430103", mentor_username="mentor.nongkhai",
        ), datetime.now(UTC))
        uow.session.add(CaseSequence(province_code="43", fiscal_year=2569, last_value=7))
    assert await _counts(db) == (len(DEMO_USERNAMES) + 1, 1)


async def test_the_next_test_finds_only_the_demo_organisation(db: Database) -> None:
    assert await _counts(db) == (len(DEMO_USERNAMES), 0)
