"""Migrations up, down and up again match the models; reference data loads once."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, func, inspect, select, text
from sqlmodel import col

from domain.areas.models import Area, AreaLevel
from domain.categories.models import Category, RoutingRuleRow, SlaPolicy
from domain.db import Database
from domain.migrations import downgrade
from domain.models import metadata
from domain.org_units.models import Agency, OrgUnit
from domain.reference.load import LoadReport, load_reference_data
from domain.uow import UnitOfWork
from tests.databases import migrate

REFERENCE_TABLES = ("area", "agency", "org_unit", "category", "sla_policy", "routing_rule")


def _schema_drift(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff: list[Any] = compare_metadata(context, metadata)
    return diff


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _triggers_and_functions(db: Database) -> set[str]:
    """Our triggers (and functions, on PostgreSQL), which the models cannot compare: by name."""
    if db.dialect != "postgresql":
        async with db.engine.connect() as connection:
            triggers = await connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            return {f"trigger {name}" for (name,) in triggers}
    async with db.engine.connect() as connection:
        triggers = await connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        functions = await connection.execute(text(
            "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace"))
        return {f"trigger {name}" for (name,) in triggers} | {f"function {name}" for (name,) in functions}


async def test_upgrade_downgrade_upgrade_leaves_no_drift(fresh_db_url: str) -> None:
    await migrate(fresh_db_url)
    db = Database(fresh_db_url)
    try:
        upgraded = await _triggers_and_functions(db)
        if db.dialect == "postgresql":
            assert {"trigger case_file_numbered", "function khortor_number_case",
                    "trigger app_user_changed", "function khortor_user_changed"} <= upgraded, upgraded
        else:  # every change of reference data raises its version (migration 0017)
            assert {f"trigger {table}_{change}_version" for table in REFERENCE_TABLES
                    for change in ("insert", "update", "delete")} == upgraded, upgraded
        await asyncio.to_thread(downgrade, fresh_db_url)
        async with db.engine.connect() as connection:
            assert await connection.run_sync(_table_names) <= {"alembic_version"}
        assert await _triggers_and_functions(db) == set()
        await migrate(fresh_db_url)
        async with db.engine.connect() as connection:
            assert await connection.run_sync(_table_names) >= set(metadata.tables)
            assert await connection.run_sync(_schema_drift) == []
        assert await _triggers_and_functions(db) == upgraded
    finally:
        await db.dispose()


async def _load(db: Database) -> LoadReport:
    async with UnitOfWork(db) as uow:
        return await load_reference_data(uow.session)


async def _count(db: Database, model: Any, *where: Any) -> int:
    async with db.read_sessions() as session:
        result = await session.execute(select(func.count()).select_from(model).where(*where))
        return int(result.scalar_one())


async def test_reference_data_loads_everything_once(fresh_db_url: str) -> None:
    await migrate(fresh_db_url)
    db = Database(fresh_db_url)
    try:
        first = await _load(db)
        assert first == LoadReport(areas=77 + 928 + 7_436, agencies=5, org_units=385,
                                   categories=13, routing_rules=13)
        level = col(Area.level)
        assert await _count(db, Area, level == AreaLevel.PROVINCE) == 77
        assert await _count(db, Area, level == AreaLevel.DISTRICT) == 928
        assert await _count(db, Area, level == AreaLevel.SUBDISTRICT) == 7_436
        assert await _count(db, Agency) == 5
        assert await _count(db, OrgUnit) == 5 * 77
        assert await _count(db, Category) == 13
        assert await _count(db, SlaPolicy) == 13
        assert await _count(db, RoutingRuleRow) == 13

        assert await _load(db) == LoadReport()
        assert await _count(db, Area) == 77 + 928 + 7_436
        assert await _count(db, OrgUnit) == 385
    finally:
        await db.dispose()
