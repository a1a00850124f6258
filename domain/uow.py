"""The unit of work: the caller owns the transaction (convention 3)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import told as telling
from domain.db import Database
from domain.errors import StaleVersion
from domain.jobs import DiscardJobs, Job, JobSink
from domain.outbox import repository as outbox_rows
from domain.outbox import service as outbox
from domain.unavailable import sqlstate, transaction_conflict

T = TypeVar("T")
log = logging.getLogger("khortor.uow")
CONFLICT_ATTEMPTS = 3  # how often work the database ends to break a deadlock is run in all


class ConcurrentUpdate(StaleVersion):
    """Two writers changed the same row at once; the later one loses and changes nothing."""

    def __init__(self) -> None:
        super().__init__(0, 0)
        self.message = "Someone else changed this at the same moment. Reload and try again."
        self.message_th = "มีผู้อื่นแก้ไขข้อมูลนี้ในเวลาเดียวกัน กรุณาโหลดใหม่แล้วลองอีกครั้ง"
        self.args = (self.message,)


@dataclass
class OutboxRun:
    """An outbox job being run: the unit of work that does it marks its row done in the same
    transaction (`marked` once that committed), instead of a transaction of its own after."""

    outbox_id: int
    now: datetime
    marked: bool = False


class UnitOfWork:
    """`async with uow:` commits on a clean exit and rolls back otherwise.

    Repositories and services never commit. Jobs queued with `enqueue` are written to the
    outbox in the same transaction (so a rolled-back one never exists and a committed one
    is relayed even when the broker was down); after the commit the sink is told, so a
    relay can hand them over at once. A job's unit of work given its `OutboxRun` marks the
    job done in its transaction: done exactly when its work committed.

    Work the database does as the transaction commits (a deferred trigger: the case's reference
    number, migration 0016) can refuse the commit with a SQLSTATE of its own, which
    `refuse_at_commit` turns into the error a client is shown; what the work needs to know of
    the committed rows it reads `after_commit`.
    """

    session: AsyncSession

    def __init__(self, db: Database, jobs: JobSink | None = None, running: OutboxRun | None = None) -> None:
        self._db = db
        self._sink = jobs or DiscardJobs()
        self._pending: list[Job] = []
        self._running = running
        self._refusals: dict[str, Callable[[], Exception]] = {}
        self._after: list[Callable[[Database], Awaitable[None]]] = []
        self._doomed: BaseException | None = None  # the error of a part of it (`PartOfWork`)
        self._told: tuple[Any, dict[str, str]] | None = None  # (the driver's connection, its box)
        self.committed = False

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._db.write_sessions()
        self.committed = False
        self._pending = []
        self._refusals, self._after = {}, []  # what a previous use of this unit of work asked
        self._doomed, self._told = None, None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None or self._doomed is not None:
                outbox.written_jobs(self.session)
                await self.session.rollback()
                if exc_type is None and self._doomed is not None:
                    raise self._doomed  # a part failed, and its caller went on: nothing commits
                return
            running = self._running
            try:
                if running is not None and not running.marked:
                    await outbox_rows.mark_done(self.session, running.now, running.outbox_id)
                await self.session.commit()
                self.committed = True
                self._pending = outbox.written_jobs(self.session)
                if running is not None:
                    running.marked = True
            except StaleDataError as error:
                await self.session.rollback()
                raise ConcurrentUpdate() from error
            except DBAPIError as error:
                refusal = self._refusals.get(sqlstate(error) or "")
                if refusal is None:
                    raise
                await self.session.rollback()
                raise refusal() from None
        finally:
            if self._told is not None:
                telling.stop(self._told[0])
            await self.session.close()
        jobs, self._pending = self._pending, []
        if jobs:
            self._sink.deliver(jobs)
        after, self._after = self._after, []
        for then in after:
            await then(self._db)

    def refuse_at_commit(self, sqlstate: str, refusal: Callable[[], Exception]) -> None:
        """If the database refuses the commit with `sqlstate`, roll back and raise `refusal()`."""
        self._refusals[sqlstate] = refusal

    def after_commit(self, then: Callable[[Database], Awaitable[None]]) -> None:
        """Await `then(db)` once this unit of work has committed and given its connection back
        (never after a rollback); in the order given."""
        self._after.append(then)

    async def told(self) -> dict[str, str]:
        """What the database tells this unit of work's transaction as it commits, by key (a
        deferred trigger's `RAISE NOTICE 'khortor:KEY VALUE'` on PostgreSQL: domain/told.py),
        filled by the time the callbacks of `after_commit` run. Only a shortcut: a key may be
        missing, and SQLite tells nothing."""
        if self._told is None:
            self._told = await telling.listen(self.session)
        return self._told[1]

    def enqueue(self, name: str, **ids: str) -> None:
        outbox.enqueue(self.session, name, **ids)

    async def flush(self) -> None:
        try:
            await self.session.flush()
        except StaleDataError as error:
            raise ConcurrentUpdate() from error


async def in_transaction(new_uow: Callable[[], UnitOfWork], work: Callable[[UnitOfWork], Awaitable[T]],
                         attempts: int = CONFLICT_ATTEMPTS) -> T:
    """`work(uow)` in a unit of work of its own, committed. When the database ends the transaction
    to break a deadlock or a serialization conflict (domain/unavailable.py `CONFLICTS`), nothing
    of it was kept, and the work is run again in a new one, `attempts` times in all; the last
    attempt's conflict is raised (the API answers it 503, try again). Work with effects outside
    the database must not be run so; the outbox carries a job's (jobs commit with the work)."""
    for attempt in range(1, attempts + 1):
        uow = new_uow()
        try:
            async with uow:
                return await work(uow)
        except DBAPIError as error:
            if uow.committed or attempt == attempts or not transaction_conflict(error):
                raise
            log.info("the database ended a transaction to let another go on (SQLSTATE %s): "
                     "run again, attempt %d of %d", sqlstate(error), attempt + 1, attempts)
    raise AssertionError("unreachable")


class PartOfWork(UnitOfWork):
    """A piece of work done inside another unit of work (`whole`), in its session and
    transaction: leaving it commits nothing (it flushes, so a part's own rows fail in the part).
    A part that fails dooms the whole: the whole rolls everything back, and raises that error
    even if the part's caller went on. Its jobs, refusals and what follows the commit are the
    whole's. (The relay runs a claim's short jobs as parts of one transaction:
    workers/handlers.py `run_together`.)"""

    def __init__(self, whole: UnitOfWork) -> None:
        super().__init__(whole._db, whole._sink)
        self._whole = whole

    async def __aenter__(self) -> PartOfWork:
        self.session = self._whole.session
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self._whole._doomed = self._whole._doomed or exc
            return
        try:
            await self.flush()
        except BaseException as error:
            self._whole._doomed = self._whole._doomed or error
            raise

    def refuse_at_commit(self, sqlstate: str, refusal: Callable[[], Exception]) -> None:
        self._whole.refuse_at_commit(sqlstate, refusal)

    def after_commit(self, then: Callable[[Database], Awaitable[None]]) -> None:
        self._whole.after_commit(then)

    async def told(self) -> dict[str, str]:
        return await self._whole.told()
