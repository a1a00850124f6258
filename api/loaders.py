"""Per-request DataLoaders: every relation a list needs costs one query, whatever its length.

The batches of one request share one read session (`SharedReads`), used by one batch at a
time: strawberry runs sibling resolvers concurrently and an AsyncSession cannot serve two
at once (convention 7), but opening a session per batch cost more than the batch's query.
After a unit of work of the request commits, the next batch opens a fresh session (a read
session sees what committed before each statement on both databases; the fresh session also
drops the objects the old one held). Reference data (areas, offices,
agencies, problem types) comes from the process's `ReferenceCache` without any await; only a
code the cache does not hold goes to the database, through its DataLoader, whose batch fills
the cache. The `*_row` methods return the row itself or, on such a miss, an awaitable of it:
a resolver passes the answer through `then`, and graphql-core awaits only what is awaitable.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.areas.models import Area
from domain.attachments import repository as attachments
from domain.attachments.models import Attachment
from domain.cases import policy
from domain.cases import repository as cases
from domain.cases.models import Case, CaseEvent, Referral
from domain.escalations import repository as escalations
from domain.escalations.models import DeadlineExtension
from domain.categories.models import Category, SlaPolicy
from domain.db import Database
from domain.quick_reads import KeyedRows
from domain.org_units.models import Agency, OrgUnit
from domain.reference import repository as reference
from domain.reference.cache import ReferenceCache
from domain.users import repository as users
from domain.users.models import User
from domain.users.principal import Principal

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")
Maybe = V | Awaitable[V]


def _weakly(loaders: Loaders, load: Callable[[Loaders, list[K]], Awaitable[list[V]]]
            ) -> Callable[[list[K]], Awaitable[list[V]]]:
    """`load` of `loaders`, holding them by a weak reference."""
    ref = weakref.ref(loaders)

    def weak_load(keys: list[K]) -> Awaitable[list[V]]:
        owner = ref()
        if owner is None:
            raise RuntimeError("the request's loaders are gone")
        return load(owner, keys)

    return weak_load


def _by_key(reads: SharedReads, rows: KeyedRows[V],
            key: Callable[[V], K]) -> Callable[[list[K]], Awaitable[list[V | None]]]:
    """A loader's batch: the rows of the keys on the request's shared reads, by key."""
    async def load(keys: list[K]) -> list[V | None]:
        async with reads.session() as session:
            found = {key(row): row for row in await rows.read(session, keys)}
        return [found.get(k) for k in keys]

    return load


def then(value: Maybe[V], use: Callable[[V], R]) -> Maybe[R]:
    """`use(value)`, now if the value is here, else once it has been awaited."""
    if inspect.isawaitable(value):
        async def later() -> R:
            return use(await value)

        return later()
    return use(value)  # type: ignore[arg-type]


def _now_or_later(loader: DataLoader[K, V], key: K) -> Maybe[V]:
    """The loader's value for `key` if it is already there (primed or loaded), else its load."""
    known = loader.cache_map.get(key)
    if known is not None and known.done() and not known.cancelled() and known.exception() is None:
        return known.result()  # type: ignore[no-any-return]
    return loader.load(key)


def _prime(loader: DataLoader[K, V], keys: list[K], values: Sequence[V]) -> None:
    for key, value in zip(keys, values, strict=True):
        loader.prime(key, value)


def _by_case(rows: Sequence[R], case_ids: list[uuid.UUID]) -> list[list[R]]:
    """The rows of each case, in the order of `case_ids` (a loader's answer)."""
    grouped: dict[uuid.UUID, list[R]] = defaultdict(list)
    for row in rows:
        grouped[row.case_id].append(row)  # type: ignore[attr-defined]
    return [grouped.get(i, []) for i in case_ids]


class SharedReads:
    """One read session for a request's loader batches, lent to one batch at a time."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._session: AsyncSession | None = None
        self._stale = False

    def after_write(self) -> None:
        """A unit of work committed: the next batch reads in a new session."""
        self._stale = True

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._session is not None and self._stale:
                await self.close()
            if self._session is None:
                self._session, self._stale = self._db.read_sessions(), False
            try:
                yield self._session
            except BaseException:
                await self.close()  # a failed statement may leave the session unusable
                raise

    async def release(self) -> None:
        """Close the session (and give back its connection) once no batch is using it."""
        async with self._lock:
            await self.close()

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


class Loaders:
    def __init__(self, db: Database, principal: Principal | None,
                 reference_cache: ReferenceCache | None = None, reads: SharedReads | None = None) -> None:
        self._db = db
        self.reads = reads or SharedReads(db)
        self._principal = principal
        self._reference = reference_cache or ReferenceCache()
        # Each loader reaches these loaders weakly (`_weakly`), or not at all (`_by_key`): a
        # loader holding them would put the request's loaders, their caches and rows in a
        # reference cycle, left for the cyclic collector (api/fields.py `_helpers`).
        self.referrals_by_case: DataLoader[uuid.UUID, list[Referral]] = DataLoader(
            _weakly(self, Loaders._referrals))
        self.events_by_case: DataLoader[uuid.UUID, list[CaseEvent]] = DataLoader(_weakly(self, Loaders._events))
        self.attachments_by_case: DataLoader[uuid.UUID, list[Attachment]] = DataLoader(
            _weakly(self, Loaders._attachments))
        self._cases = _by_key(self.reads, cases.CASES_BY_IDS, lambda c: c.id)
        self.case: DataLoader[uuid.UUID, Case | None] = DataLoader(self._cases)
        self.user: DataLoader[uuid.UUID, User | None] = DataLoader(_by_key(self.reads, users.BY_IDS, lambda u: u.id))
        self.area: DataLoader[str, Area | None] = DataLoader(_weakly(self, Loaders._areas))
        self.org_unit: DataLoader[str, OrgUnit | None] = DataLoader(_weakly(self, Loaders._org_units))
        self.category: DataLoader[str, tuple[Category, SlaPolicy | None] | None] = DataLoader(
            _weakly(self, Loaders._categories))
        self.agency: DataLoader[str, Agency | None] = DataLoader(_weakly(self, Loaders._agencies))
        self.extension: DataLoader[uuid.UUID, DeadlineExtension | None] = DataLoader(
            _by_key(self.reads, escalations.EXTENSIONS_OF, lambda e: e.referral_id))
        self._shown: dict[tuple[str, str], object] = {}

    def referrals_rows(self, case_id: uuid.UUID) -> Maybe[list[Referral]]:
        """The case's referrals: the rows themselves once read (`prime_referrals`), else an
        awaitable of them (the loader's next batch)."""
        return _now_or_later(self.referrals_by_case, case_id)

    def case_row(self, case_id: uuid.UUID) -> Maybe[Case | None]:
        """The case's row: the row itself once read (`prime_cases`), else an awaitable of it."""
        return _now_or_later(self.case, case_id)

    async def prime_cases(self, case_ids: list[uuid.UUID]) -> None:
        """Read the cases of a page of referrals now, in the loader's statement, as
        `prime_referrals` does for a page of cases."""
        _prime(self.case, case_ids, await self._cases(case_ids))

    async def prime_referrals(self, case_ids: list[uuid.UUID]) -> None:
        """Read the referrals of a page of cases now, in the loader's statement: the page's
        cases then resolve them without awaiting (one future per case cost more than the
        statement's rows, in a list of 20 cases)."""
        _prime(self.referrals_by_case, case_ids, await self._referrals(case_ids))

    def shown(self, kind: str, code: str, row: Callable[[str], Maybe[V]], of: Callable[[V], R]) -> Maybe[R]:
        """`of(row(code))` made once a request for each reference row (`kind` and `code`): the
        problem type, area or office a list's cases share is one object, which the executor
        then completes once (api.fields.value_type). An answer still awaited, or None, is
        not kept."""
        key = (kind, code)
        known = self._shown.get(key)
        if known is None:
            known = then(row(code), of)
            if known is not None and not inspect.isawaitable(known):
                self._shown[key] = known
        return known  # type: ignore[no-any-return]

    def area_row(self, code: str) -> Maybe[Area | None]:
        return self._reference.areas.get(code) or self.area.load(code)

    def org_unit_row(self, code: str) -> Maybe[OrgUnit | None]:
        return self._reference.org_units.get(code) or self.org_unit.load(code)

    def agency_row(self, code: str) -> Maybe[Agency | None]:
        return self._reference.agencies.get(code) or self.agency.load(code)

    def category_row(self, code: str) -> Maybe[tuple[Category, SlaPolicy | None] | None]:
        return self._reference.categories.get(code) or self.category.load(code)

    async def _referrals(self, case_ids: list[uuid.UUID]) -> list[list[Referral]]:
        async with self.reads.session() as session:
            rows = await cases.REFERRALS_OF_CASES.read(session, case_ids)
        return _by_case(rows, case_ids)

    async def _events(self, case_ids: list[uuid.UUID]) -> list[list[CaseEvent]]:
        internal = self._principal is not None and policy.may_see_internal_notes(self._principal)
        async with self.reads.session() as session:
            rows = await cases.EVENTS_OF_CASES[internal].read(session, case_ids)
        return _by_case(rows, case_ids)

    async def _attachments(self, case_ids: list[uuid.UUID]) -> list[list[Attachment]]:
        async with self.reads.session() as session:
            rows = await attachments.OF_CASES.read(session, case_ids)
        return _by_case(rows, case_ids)

    async def _areas(self, codes: list[str]) -> list[Area | None]:
        generation = self._reference.generation
        async with self.reads.session() as session:
            rows = await reference.areas_with_parents(session, codes)
        found = {a.code: a for a in rows}
        for code, area in found.items():  # parents come along: no second round trip
            self.area.prime(code, area)
        if self._reference.still(generation):
            self._reference.keep_areas(rows)
        return [found.get(c) for c in codes]

    async def _org_units(self, codes: list[str]) -> list[OrgUnit | None]:
        generation = self._reference.generation
        async with self.reads.session() as session:
            rows = await reference.org_units(session, codes)
        if self._reference.still(generation):
            self._reference.keep_org_units(rows)
        found = {o.code: o for o in rows}
        return [found.get(c) for c in codes]

    async def _categories(self, codes: list[str]) -> list[tuple[Category, SlaPolicy | None] | None]:
        generation = self._reference.generation
        async with self.reads.session() as session:
            rows = await reference.categories(session)
        if self._reference.still(generation):
            self._reference.keep_categories(rows)
        found = {c.code: (c, s) for c, s in rows}
        return [found.get(c) for c in codes]

    async def _agencies(self, codes: list[str]) -> list[Agency | None]:
        generation = self._reference.generation
        async with self.reads.session() as session:
            rows = await reference.agencies(session)
        if self._reference.still(generation):
            self._reference.keep_agencies(rows)
        found = {a.code: a for a in rows}
        return [found.get(c) for c in codes]
