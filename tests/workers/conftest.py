"""Fixtures for the workers' tests: clean-up of the tables issue 3 adds, and helpers to
file cases through the real domain services at a chosen instant (the clock is the only fake)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import pytest
from sqlalchemy import delete, select

from domain.calendar.models import CalendarDay
from domain.cases import service
from domain.settings import Settings
from domain.cases.commands import CitizenDetails, OpenCase, ReferralChange
from domain.cases.models import Case, Referral
from domain.cases.state import ReferralAction
from domain.db import Database
from domain.escalations.models import DeadlineExtension, Escalation
from domain.notifications.models import Delivery, Notification
from domain.outbox.models import OutboxJob
from domain.uow import UnitOfWork
from domain.users.models import User
from domain.users.principal import Principal

WORKER_TABLES = (Delivery, Notification, Escalation, DeadlineExtension, OutboxJob, CalendarDay)


@pytest.fixture
async def _empty_worker_tables(db: Database) -> AsyncIterator[None]:
    yield
    async with UnitOfWork(db) as uow:
        for model in WORKER_TABLES:
            await uow.session.execute(delete(model))


@pytest.fixture(autouse=True)
def _clean_worker_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Runs its clean-up before the shared one (children before their parents)."""
    if "db_url" in request.fixturenames:
        request.getfixturevalue("_empty_worker_tables")
    yield


def national_id(first12: str) -> str:
    check = (11 - sum(int(d) * (13 - i) for i, d in enumerate(first12)) % 11) % 10
    return first12 + str(check)


async def principal(db: Database, username: str) -> Principal:
    async with db.read_sessions() as session:
        user = (await session.execute(select(User).where(User.username == username))).scalar_one()
    return Principal.of(user)


async def file_case(db: Database, now: datetime, calendar: object, *, category: str = "UNPAID_WAGES",
                    client_id: uuid.UUID | None = None, jobs: object = None) -> tuple[Case, Referral]:
    """File a case as vol.naimueang at `now`; returns the case and its referral."""
    volunteer = await principal(db, "vol.naimueang")
    command = OpenCase(client_id=client_id or uuid.uuid4(), category_code=category,
                       subdistrict_code="430101",
                       description="นายจ้างค้างจ่ายค่าจ้างสองเดือน",
                       citizen=CitizenDetails(full_name="สมชาย ทดสอบ", national_id=national_id("110170020345"),
                                              phone="0812345678", consent=True),
                       file_anyway=True)  # one sample citizen files many cases here
    async with UnitOfWork(db, jobs) as uow:  # type: ignore[arg-type]
        case = await service.open_case(uow, volunteer, command, now, calendar,  # type: ignore[arg-type]
                                       Settings().vault)
    async with db.read_sessions() as session:
        referral = (await session.execute(select(Referral).where(Referral.case_id == case.id))).scalar_one()
    return case, referral


async def act(db: Database, username: str, action: ReferralAction, referral_id: uuid.UUID, now: datetime,
              calendar: object, **change: object) -> Referral:
    who = await principal(db, username)
    async with UnitOfWork(db) as uow:
        return await service.act_on_referral(uow, who, action, ReferralChange(referral_id, **change),  # type: ignore[arg-type]
                                             now, calendar)  # type: ignore[arg-type]
