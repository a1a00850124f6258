"""The shared database fixture deletes what a test wrote and keeps the seed, in any test order."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select

from domain.calendar.models import CalendarDay
from domain.cases.models import CaseSequence
from domain.categories.models import RoutingRuleRow
from domain.db import Database
from domain.demo import DEMO_USERNAMES
from domain.uow import UnitOfWork
from domain.users.models import LoginThrottle, Role, User
from domain.users.service import NewUser, create_user
from tests.isolation import SeedSnapshot


async def _count(db: Database, model: type) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _counts(db: Database) -> tuple[int, int, int]:
    return (await _count(db, User), await _count(db, CaseSequence), await _count(db, CalendarDay))


async def test_every_test_starts_from_the_seed(db: Database, seed_snapshot: SeedSnapshot) -> None:
    """Whichever tests ran before this one, only the demo organisation is left."""
    assert await _counts(db) == (len(DEMO_USERNAMES), 0, 0)
    assert await seed_snapshot.restore(db) == []  # nothing to clean


async def test_a_test_writes_rows_and_the_clean_up_deletes_only_those(
        db: Database, seed_snapshot: SeedSnapshot) -> None:
    now = datetime.now(UTC)
    async with UnitOfWork(db) as uow:
        await create_user(uow.session, NewUser(
            username="extra.volunteer", password="long-enough", display_name="อสร. ทดสอบ",
            role=Role.VOLUNTEER, area_code="430103", mentor_username="mentor.nongkhai",
        ), now)
        uow.session.add(CaseSequence(province_code="43", fiscal_year=2569, last_value=7))
        # tables no clean-up list ever named: found from the metadata
        uow.session.add(CalendarDay(day=date(2099, 12, 1), is_holiday=True, name="วันหยุดพิเศษ",
                                    changed_at=now))
        uow.session.add(LoginThrottle(key="extra.volunteer", failures=1, window_started_at=now))
    assert await _counts(db) == (len(DEMO_USERNAMES) + 1, 1, 1)

    cleaned = await seed_snapshot.restore(db)

    # stats_coverage: the new volunteer's sub-district counted by the rollups' upkeep
    assert set(cleaned) == {"app_user", "case_sequence", "calendar_day", "login_throttle", "stats_coverage"}
    assert await _counts(db) == (len(DEMO_USERNAMES), 0, 0)
    assert await _count(db, LoginThrottle) == 0
    async with db.read_sessions() as session:
        usernames = set((await session.execute(select(User.username))).scalars())
    assert usernames == DEMO_USERNAMES


async def test_seeded_rows_a_test_deleted_are_put_back(db: Database,
                                                       seed_snapshot: SeedSnapshot) -> None:
    table = RoutingRuleRow.__table__  # type: ignore[attr-defined]
    async with db.read_sessions() as session:
        before = [dict(r) for r in (await session.execute(
            select(table).order_by(table.c.id))).mappings()]
    async with UnitOfWork(db) as uow:
        await uow.session.execute(delete(table).where(table.c.id.in_([r["id"] for r in before[:2]])))

    assert await seed_snapshot.restore(db) == ["routing_rule"]

    async with db.read_sessions() as session:
        after = [dict(r) for r in (await session.execute(
            select(table).order_by(table.c.id))).mappings()]
    assert after == before
