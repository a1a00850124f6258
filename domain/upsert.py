"""INSERT ... ON CONFLICT DO NOTHING on both databases: the unique key decides, not luck."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_once(session: AsyncSession, model: type[Any], values: dict[str, Any],
                      conflict_columns: list[str]) -> bool:
    """Insert a row unless one with the same unique key exists; True when this call inserted.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and
    then inserts nothing; on SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    stmt = (insert(table).values(**values)
            .on_conflict_do_nothing(index_elements=conflict_columns)
            .returning(table.c[conflict_columns[0]]))
    return (await session.execute(stmt)).first() is not None
