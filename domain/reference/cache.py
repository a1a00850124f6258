"""Reference data kept in memory by a long-running process: areas, agencies, offices, problem types,
routing rules.

Nearly every answer names a sub-district, an office or a problem type; reading them from the
database on each request cost a session and a query per kind. The API keeps what it has read
(rows filled in by its loaders on a miss, so nothing is read at start-up and nothing is ever
missing). The process that changes reference data drops it all at once; on PostgreSQL every
other process hears of the change and drops it too (domain/watch.py), and all drop it
every refresh period as well (`api/app.py`, a minute). The rows are detached and only read:
never add one to a session.

Filing reads its problem type, SLA policy, sub-district and routing rules here too
(domain/cases/filing.py), while the cache is `exact`. On SQLite, where nothing tells a process of
another's change, filings keep their own (`for_filings`), which follows the database's reference
version.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.areas.models import Area
from domain.categories.models import Category, SlaPolicy
from domain.org_units.models import Agency, OrgUnit

class ReferenceCache:
    channel = "khortor_reference"  # what a change of reference data notifies (domain/watch.py)

    def __init__(self, exact: bool = True) -> None:
        # False while other processes may change reference data unheard (the API's cache
        # while it is not listening, domain/watch.py; always on SQLite): filing
        # then reads the database.
        self.exact = exact
        self.generation = 0
        self.version: int | None = None  # the reference version this holds (`for_filings`)
        self.clear()

    def clear(self) -> None:
        """Forget everything: the next reads go to the database again."""
        self.generation += 1
        self.areas: dict[str, Area] = {}
        self.org_units: dict[str, OrgUnit] = {}
        self.agencies: dict[str, Agency] = {}
        self.categories: dict[str, tuple[Category, SlaPolicy | None]] = {}
        self.routing_rules: dict[str, list[Any]] = {}  # by problem type: domain/cases' RoutingRule values
        self._filings: ReferenceCache | None = None

    def for_filings(self, version: int) -> ReferenceCache:
        """SQLite: a cache of this process's filings alone, at the database's reference `version`
        (`ReferenceVersion`, which a trigger sets anew at every change of reference data). A filing
        reads the version in its own transaction, whose BEGIN IMMEDIATE keeps every other writer
        out until it ends, and is given a cache holding only rows read at that version: rows
        read by filings since the version last changed, in transactions like its own (never the
        rows the loaders read into `self`: a read session's snapshot may be older than the
        version). A changed version gets an empty one."""
        own = self._filings
        if own is None or own.version != version:
            own = self._filings = ReferenceCache()
            own.version = version
        return own

    def heard(self, _payload: str) -> None:
        """Reference data changed in some process: forget everything."""
        self.clear()

    def still(self, generation: int) -> bool:
        """Nothing was forgotten since `generation` was read: rows read from the database after
        that may be kept (a change heard while they were on their way may be missing from them)."""
        return self.generation == generation

    def keep_areas(self, rows: Iterable[Area]) -> None:
        self.areas.update((a.code, a) for a in rows)

    def keep_org_units(self, rows: Iterable[OrgUnit]) -> None:
        self.org_units.update((o.code, o) for o in rows)

    def keep_agencies(self, rows: Iterable[Agency]) -> None:
        self.agencies.update((a.code, a) for a in rows)

    def keep_categories(self, rows: Iterable[tuple[Category, SlaPolicy | None]]) -> None:
        self.categories.update((c.code, (c, s)) for c, s in rows)
