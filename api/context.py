"""The per-request context: who asks, factories for sessions and units of work, loaders.

It holds factories, never a session: strawberry resolves sibling fields concurrently and
one AsyncSession cannot be shared between them (convention 7).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types.info import Info as StrawberryInfo

from domain.clock.business import BusinessCalendar
from domain.db import Database
from domain.errors import AccessDenied
from domain.jobs import JobSink
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.users.principal import Principal

if TYPE_CHECKING:
    from api.loaders import Loaders


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
    loaders: Loaders = field(init=False)
    # Cases whose citizen was shown with the name whole; logged once the operation is done.
    viewed_citizens: set[uuid.UUID] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        from api.loaders import Loaders

        self.loaders = Loaders(self.db, self.principal)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.jobs)

    def now(self) -> datetime:
        return self.clock()

    @property
    def user(self) -> Principal:
        """The signed-in principal; resolvers behind `IsAuthenticated` may rely on it."""
        if self.principal is None:
            raise AccessDenied("Please sign in.")
        return self.principal


Info = StrawberryInfo[Context, None]
