"""Per-request DataLoaders: every relation a list needs costs one query, whatever its length.

Each batch opens its own short session (convention 7).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from domain.areas.models import Area
from domain.cases import policy
from domain.cases import repository as cases
from domain.cases.models import Case, CaseEvent, Referral
from domain.categories.models import Category, SlaPolicy
from domain.db import Database
from domain.org_units.models import Agency, OrgUnit
from domain.reference import repository as reference
from domain.users import repository as users
from domain.users.models import User
from domain.users.principal import Principal

K = TypeVar("K")
V = TypeVar("V")


class Loaders:
    def __init__(self, db: Database, principal: Principal | None) -> None:
        self._db = db
        self._principal = principal
        self.referrals_by_case: DataLoader[uuid.UUID, list[Referral]] = DataLoader(self._referrals)
        self.events_by_case: DataLoader[uuid.UUID, list[CaseEvent]] = DataLoader(self._events)
        self.case: DataLoader[uuid.UUID, Case | None] = DataLoader(
            self._by_key(cases.cases_by_ids, lambda c: c.id))
        self.user: DataLoader[uuid.UUID, User | None] = DataLoader(
            self._by_key(users.by_ids, lambda u: u.id))
        self.area: DataLoader[str, Area | None] = DataLoader(self._areas)
        self.org_unit: DataLoader[str, OrgUnit | None] = DataLoader(
            self._by_key(lambda s, codes: reference.org_units(s, codes), lambda o: o.code))
        self.category: DataLoader[str, tuple[Category, SlaPolicy | None] | None] = DataLoader(
            self._categories)
        self.agency: DataLoader[str, Agency | None] = DataLoader(self._agencies)

    def _by_key(self, fetch: Callable[..., Awaitable[Sequence[V]]],
                key: Callable[[V], K]) -> Callable[[list[K]], Awaitable[list[V | None]]]:
        async def load(keys: list[K]) -> list[V | None]:
            async with self._db.read_sessions() as session:
                found = {key(row): row for row in await fetch(session, keys)}
            return [found.get(k) for k in keys]

        return load

    async def _referrals(self, case_ids: list[uuid.UUID]) -> list[list[Referral]]:
        async with self._db.read_sessions() as session:
            rows = await cases.referrals_of(session, case_ids)
        grouped: dict[uuid.UUID, list[Referral]] = defaultdict(list)
        for row in rows:
            grouped[row.case_id].append(row)
        return [grouped.get(i, []) for i in case_ids]

    async def _events(self, case_ids: list[uuid.UUID]) -> list[list[CaseEvent]]:
        internal = self._principal is not None and policy.may_see_internal_notes(self._principal)
        async with self._db.read_sessions() as session:
            rows = await cases.events_of(session, case_ids, include_internal=internal)
        grouped: dict[uuid.UUID, list[CaseEvent]] = defaultdict(list)
        for row in rows:
            grouped[row.case_id].append(row)
        return [grouped.get(i, []) for i in case_ids]

    async def _areas(self, codes: list[str]) -> list[Area | None]:
        async with self._db.read_sessions() as session:
            rows = await reference.areas_with_parents(session, codes)
        found = {a.code: a for a in rows}
        for code, area in found.items():  # parents come along: no second round trip
            self.area.prime(code, area)
        return [found.get(c) for c in codes]

    async def _categories(self, codes: list[str]) -> list[tuple[Category, SlaPolicy | None] | None]:
        async with self._db.read_sessions() as session:
            found = {c.code: (c, s) for c, s in await reference.categories(session)}
        return [found.get(c) for c in codes]

    async def _agencies(self, codes: list[str]) -> list[Agency | None]:
        async with self._db.read_sessions() as session:
            found = {a.code: a for a in await reference.agencies(session)}
        return [found.get(c) for c in codes]
