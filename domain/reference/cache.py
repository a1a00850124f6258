"""Reference data kept in memory by a long-running process: areas, agencies, offices, problem types.

Nearly every answer names a sub-district, an office or a problem type; reading them from the
database on each request cost a session and a query per kind. The API keeps what it has read
(rows filled in by its loaders on a miss, so nothing is read at start-up and nothing is ever
missing) and drops it all every refresh period (`api/app.py`, a minute), so an admin's change reaches every process
within that period. The rows are detached and only read: never add one to a session.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.areas.models import Area
from domain.categories.models import Category, SlaPolicy
from domain.org_units.models import Agency, OrgUnit

class ReferenceCache:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything: the next reads go to the database again."""
        self.areas: dict[str, Area] = {}
        self.org_units: dict[str, OrgUnit] = {}
        self.agencies: dict[str, Agency] = {}
        self.categories: dict[str, tuple[Category, SlaPolicy | None]] = {}

    def keep_areas(self, rows: Iterable[Area]) -> None:
        self.areas.update((a.code, a) for a in rows)

    def keep_org_units(self, rows: Iterable[OrgUnit]) -> None:
        self.org_units.update((o.code, o) for o in rows)

    def keep_agencies(self, rows: Iterable[Agency]) -> None:
        self.agencies.update((a.code, a) for a in rows)

    def keep_categories(self, rows: Iterable[tuple[Category, SlaPolicy | None]]) -> None:
        self.categories.update((c.code, (c, s)) for c, s in rows)
