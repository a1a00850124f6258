"""Citizens shown with their names whole are written to the access log before the answer leaves.

`Case.citizen` notes each such case in the context; when the operation has run, one
statement writes the VIEW entries on the request's read connection, committed by itself. If
that write fails, the answer is withheld: no one sees personal data that the log does not
record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api import unavailable
from domain.unavailable import database_unavailable
from domain.privacy import service


class LogCitizenViews(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context.context
        viewed = getattr(ctx, "viewed_citizens", None)
        if not viewed or ctx.principal is None:
            return
        try:
            # On the request's read connection: a request never holds two (api/context.py).
            async with ctx.loaders.reads.session() as session:
                await service.record_views(ctx.db, ctx.principal, viewed, ctx.now(), on=session)
        except Exception as error:
            if database_unavailable(error):
                unavailable.note(error)  # the whole answer becomes a 503 (api/unavailable.py)
            result = self.execution_context.result
            if result is not None:
                result.data = None
                result.errors = [GraphQLError("The answer could not be recorded in the access "
                                              "log; try again.",
                                              extensions={"code": "ACCESS_LOG_UNAVAILABLE"})]
