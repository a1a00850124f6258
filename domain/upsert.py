"""INSERT ... ON CONFLICT DO NOTHING on both databases: the unique key decides, not luck."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

MAX_PARAMETERS = 30_000  # bound values per statement (SQLite allows 32,766, PostgreSQL 65,535)


async def insert_once(session: AsyncSession, model: type[Any], values: dict[str, Any],
                      conflict_columns: list[str]) -> bool:
    """Insert a row unless one with the same unique key exists; True when this call inserted.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and
    then inserts nothing; on SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    return bool(await insert_each_once(session, model, [values], conflict_columns))


async def insert_each_once(session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]],
                           conflict_columns: list[str]) -> set[tuple[Any, ...]]:
    """`insert_once` for many rows in one statement: the unique keys (values of
    `conflict_columns`) of the rows this call inserted."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    per_statement = max(1, MAX_PARAMETERS // len(rows[0]))
    inserted: set[tuple[Any, ...]] = set()
    for start in range(0, len(rows), per_statement):
        stmt = (insert(table).values(list(rows[start:start + per_statement]))
                .on_conflict_do_nothing(index_elements=conflict_columns)
                .returning(*(table.c[name] for name in conflict_columns)))
        inserted.update(tuple(row) for row in (await session.execute(stmt)).all())
    return inserted
