"""The per-request context: who asks, factories for sessions and units of work, loaders.

It holds factories, never a session: strawberry resolves sibling fields concurrently and
one AsyncSession cannot be shared between them (convention 7).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types.info import Info as StrawberryInfo

from api.loaders import Loaders, SharedReads
from domain.attachments.storage import BlobStore, blob_store
from domain.clock.business import BusinessCalendar
from domain.db import Database
from domain.errors import AccessDenied
from domain.jobs import JobSink
from domain.reference.cache import ReferenceCache
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.users.principal import Principal

@dataclass
class Context:
    request: Request
    response: Response | None
    settings: Settings
    db: Database
    clock: Callable[[], datetime]
    calendar: BusinessCalendar
    jobs: JobSink
    principal: Principal | None
    reference: ReferenceCache = field(default_factory=ReferenceCache)
    # The request's read session for the loaders (closed by the view when the request ends).
    reads: SharedReads | None = None
    blobs: BlobStore | None = None  # where attachments live (api/app.py gives the process's own)
    loaders: Loaders = field(init=False)
    # Cases whose citizen was shown with the name whole; logged once the operation is done.
    viewed_citizens: set[uuid.UUID] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.principal, self.reference, self.reads)

    @property
    def store(self) -> BlobStore:
        if self.blobs is None:
            self.blobs = blob_store(self.settings)
        return self.blobs

    def reads_session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The request's shared read session, for a top-level query: the principal, the
        query and the loaders' batches then read on one connection, one at a time (each
        statement on its own: domain/db.py `read_sessions`)."""
        return self.loaders.reads.session()

    def uow(self) -> UnitOfWork:
        return _UnitOfWork(self.db, self.jobs, self.loaders.reads)

    def now(self) -> datetime:
        return self.clock()

    @property
    def user(self) -> Principal:
        """The signed-in principal; resolvers behind `IsAuthenticated` may rely on it."""
        if self.principal is None:
            raise AccessDenied("Please sign in.")
        return self.principal


class _UnitOfWork(UnitOfWork):
    """A unit of work of this request. It first gives back the request's read connection (a
    request never holds two connections: twenty filings at once would drain the pool), and
    once it is over the loaders read afresh, in a session that sees what it wrote."""

    def __init__(self, db: Database, jobs: JobSink, reads: SharedReads) -> None:
        super().__init__(db, jobs)
        self._reads = reads

    async def __aenter__(self) -> UnitOfWork:
        await self._reads.release()
        return await super().__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await super().__aexit__(*exc)
        finally:
            self._reads.after_write()


Info = StrawberryInfo[Context, None]
