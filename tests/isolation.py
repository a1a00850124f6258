"""Per-test isolation of the shared test database, with no list of tables kept by hand.

A transaction rolled back after each test is not possible here: many tests run real servers
and workers on connections of their own. Instead, right after the session's seed,
`SeedSnapshot.take` records every table of the metadata, how many rows each holds and the rows
of the tables the seed wrote to (reference data and demo users). After each test,
`SeedSnapshot.restore` counts the rows of every table in one query and repairs only the
tables whose count moved: a table the seed left empty is emptied; a seeded one loses the rows
the seed did not write and gets back seeded rows a test deleted. Rows are deleted children
first and put back parents first (`sorted_tables`), so foreign keys never stand in the way.

Seeded rows changed in place are put back for the tables in `WATCHED` (the demo users, which
the administration tests deactivate, move and edit: a handful of rows, compared every time).
Not undone elsewhere: changes to seeded rows in place, a seeded row deleted while another is
added to the same table (the count does not move), and the rows of the tables in `KEPT`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, func, insert, inspect, select, tuple_, update

from domain.db import Database
from domain.models import metadata
from domain.uow import UnitOfWork

# Tables of the migrations that no model maps and no test writes.
NOT_MAPPED = frozenset({"alembic_version"})
# Rows the app derives from code, writes once per database and remembers per process that it
# did; production never deletes them, so neither does the clean-up: domain/stats/service.py
# `ensure_calendar` stores each business calendar in `stats_calendar_day` and then trusts it.
# (Deleting them left later dashboard tests with no calendar: their figures came back empty.)
KEPT = frozenset({"stats_calendar_day"})
# Seeded tables whose rows tests change in place (small: compared row by row after each test).
WATCHED = frozenset({"app_user", "stats_coverage"})  # stats_coverage: kept with app_user (rollups)
_CHUNK = 500  # keys per statement, well under SQLite's limit on bound parameters

Key = tuple[Any, ...]


@dataclass(frozen=True)
class SeedSnapshot:
    """What every table held right after the seed: counts, and the rows of seeded tables."""

    tables: tuple[Table, ...]  # parents first, as `MetaData.sorted_tables`
    counts: Mapping[str, int]
    rows: Mapping[str, Mapping[Key, Mapping[str, Any]]]  # by primary key; seeded tables only

    @classmethod
    async def take(cls, db: Database) -> SeedSnapshot:
        mapped = metadata.sorted_tables
        tables = tuple(t for t in mapped if t.name not in KEPT)
        async with db.engine.connect() as connection:
            in_database = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            unmapped = in_database - {t.name for t in mapped} - NOT_MAPPED
            assert not unmapped, (f"tables {sorted(unmapped)} exist in the migrated database but "
                                  "no model in domain/models.py maps them: the clean-up cannot "
                                  "see them")
            counts = await _counts(connection, tables)
            rows: dict[str, dict[Key, Mapping[str, Any]]] = {}
            for table in tables:
                if counts[table.name]:
                    result = await connection.execute(select(table))
                    rows[table.name] = {_key(table, row): dict(row) for row in result.mappings()}
        return cls(tables, counts, rows)

    async def restore(self, db: Database) -> list[str]:
        """Put every table back as the seed left it; the names of the tables it touched."""
        async with db.engine.connect() as connection:
            counts = await _counts(connection, self.tables)
        moved = [t for t in self.tables if counts[t.name] != self.counts[t.name]]
        edited = await self._put_back_edited(db)
        if not moved:
            return edited
        async with UnitOfWork(db) as uow:
            missing: dict[str, list[Key]] = {}
            for table in reversed(moved):  # children first
                seeded = self.rows.get(table.name)
                if not seeded:
                    await uow.session.execute(delete(table))
                    continue
                present = {_key(table, row)
                           for row in await uow.session.execute(select(*_pk(table)))}
                for chunk in _chunks(sorted(present - seeded.keys(), key=repr)):
                    await uow.session.execute(delete(table).where(_in(table, chunk)))
                missing[table.name] = sorted(seeded.keys() - present, key=repr)
            for table in moved:  # parents first
                for chunk in _chunks(missing.get(table.name, [])):
                    await uow.session.execute(insert(table),
                                              [dict(self.rows[table.name][k]) for k in chunk])
        return sorted({*edited, *(t.name for t in moved)})

    async def _put_back_edited(self, db: Database) -> list[str]:
        """Seeded rows of the `WATCHED` tables changed in place get their seeded values back
        (first: a foreign key may point at a row the repair then deletes)."""
        touched: list[str] = []
        async with UnitOfWork(db) as uow:
            for table in self.tables:
                seeded = self.rows.get(table.name)
                if table.name not in WATCHED or not seeded:
                    continue
                for row in (await uow.session.execute(select(table))).mappings():
                    key = _key(table, row)
                    if key in seeded and dict(row) != dict(seeded[key]):
                        values = {k: v for k, v in seeded[key].items() if row[k] != v}
                        await uow.session.execute(update(table).where(_in(table, [key])).values(values))
                        touched.append(table.name)
        return sorted(set(touched))


async def _counts(connection: Any, tables: Sequence[Table]) -> dict[str, int]:
    """The number of rows of every table, in one query."""
    query = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name)
                     for t in tables))
    row = (await connection.execute(query)).one()
    return {t.name: int(n) for t, n in zip(tables, row, strict=True)}


def _pk(table: Table) -> tuple[Any, ...]:
    return tuple(table.primary_key.columns)


def _key(table: Table, row: Any) -> Key:
    mapping = row._mapping if hasattr(row, "_mapping") else row
    return tuple(mapping[c.name] for c in _pk(table))


def _in(table: Table, keys: Sequence[Key]) -> Any:
    columns = _pk(table)
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    return tuple_(*columns).in_(keys)


def _chunks(items: Sequence[Key]) -> Iterable[Sequence[Key]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
