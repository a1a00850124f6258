"""The schema: every feature's queries and mutations, the error handlers and the limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
import logging
import traceback
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (AddValidationRules, DisableIntrospection, MaskErrors, MaxTokensLimiter,
                                   SchemaExtension)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api.cases.mutations import CaseMutations
from api.cases.queries import CaseQueries
from api.cases.types import DuplicateCaseHandler
from api.privacy.extension import LogCitizenViews
from api.privacy.mutations import PrivacyMutations
from api.privacy.queries import PrivacyQueries
from api.cost import QueryCostLimiter
from api.documents import KnownDocuments, TrustedDocuments
from api import unavailable
from api.errors import EXCEPTION_HANDLERS
from api.fields import Executor, resolve_directly
from api.observability import OperationMetrics
from domain.unavailable import DatabaseUnavailable, database_unavailable
from domain.errors import AccessDenied
from api.calendar.mutations import CalendarMutations, CalendarQueries
from api.escalations.mutations import EscalationMutations
from api.escalations.queries import EscalationQueries
from api.audit.queries import AuditQueries
from api.notifications.mutations import NotificationMutations
from api.notifications.queries import NotificationQueries
from api.outreach.mutations import OutreachMutations
from api.outreach.queries import OutreachQueries
from api.reference.admin import ReferenceAdminMutations, ReferenceAdminQueries
from api.reference.queries import ReferenceQueries
from api.stats.queries import StatsMutations, StatsQueries
from api.users.people import PeopleMutations, PeopleQueries
from api.users.resolvers import UserMutations, UserQueries

logger = logging.getLogger("khortor.graphql")
MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 3000
# Estimated fields resolved (api/cost.py). The web client's costliest query, its case list
# at 50 a page, costs 10,051 (20,101 at the largest page, 100).
MAX_COST = 25_000
# The depth and alias limits as validation rules, made once (`QueryDepthLimiter(...)` and
# `MaxAliasesLimiter(...)` would build new rule classes per request).
LIMIT_RULES = [depth_rule(MAX_DEPTH, None), aliases_rule(MAX_ALIASES)]
SUGGESTION = " Did you mean"
EXPECTED_CODES = {"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT"}


@strawberry.type(description="Everything you can read.")
class Query(UserQueries, CaseQueries, ReferenceQueries, StatsQueries, NotificationQueries, CalendarQueries,
            PrivacyQueries, EscalationQueries, AuditQueries, PeopleQueries,
            ReferenceAdminQueries, OutreachQueries):
    pass


@strawberry.type(description="Everything you can change.")
class Mutation(UserMutations, CaseMutations, StatsMutations, NotificationMutations, CalendarMutations,
               EscalationMutations, PrivacyMutations, PeopleMutations,
               ReferenceAdminMutations, OutreachMutations):
    pass


def _is_unexpected(error: GraphQLError) -> bool:
    """Mask bugs, not the errors we raise on purpose (permissions, limits, bad cursors)."""
    if error.original_error is None:
        return False  # parse and validation errors: about the query, never about data
    code = (error.extensions or {}).get("code")
    return code not in EXPECTED_CODES and not isinstance(error.original_error, AccessDenied)


class AccessDeniedCode(SchemaExtension):
    """A refusal decided in the domain is a top-level FORBIDDEN error (convention 5)."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or []:
            if isinstance(error.original_error, AccessDenied):
                error.extensions = {**(error.extensions or {}), "code": "FORBIDDEN"}


def extensions(production: bool, trusted: TrustedDocuments
               ) -> Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    chosen: list[Any] = [
        OperationMetrics,
        AccessDeniedCode,
        LogCitizenViews,
        lambda: KnownDocuments(trusted),
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: QueryCostLimiter(max_cost=MAX_COST),
    ]
    if production:
        chosen.append(DisableIntrospection)
        chosen.append(lambda: MaskErrors(should_mask_error=_is_unexpected,
                                         error_message="Unexpected error."))
    return chosen


class Schema(strawberry.Schema):
    """Logs errors without their text: an exception's message may carry personal data.

    In production no error suggests names ("Did you mean ...?"): with introspection off,
    suggestions would give the schema away one guess at a time.
    """

    production: bool = False

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        """An operation whose resolvers met an unavailable database is not answered at all:
        it ends with DatabaseUnavailable, which api/unavailable.py turns into a 503."""
        met = unavailable.watch()
        result = await super().execute(*args, **kwargs)
        if met:
            raise DatabaseUnavailable() from met[0]
        return result

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if self.production and SUGGESTION in error.message:
                error.message = error.message.split(SUGGESTION)[0].strip()
            original = error.original_error
            if database_unavailable(original):
                assert original is not None
                unavailable.note(original)  # the whole request is answered 503 (`execute`)
                continue
            if (original is None or isinstance(original, AccessDenied)
                    or (error.extensions or {}).get("code") in EXPECTED_CODES):
                continue  # the client's own mistake, already told to the client
            path = ".".join(str(p) for p in error.path or [])
            frames = traceback.extract_tb(original.__traceback__)
            where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
            logger.error("unexpected %s at %s (%s)", type(original).__name__, path, where)


# Built schemas by (production, only registered documents, their ids): building one takes
# about 50 ms and an app is made per process, or per test; the schema holds no state.
_BUILT: dict[tuple[bool, bool, frozenset[str]], strawberry.Schema] = {}


def build_schema(production: bool = False, trusted: TrustedDocuments | None = None) -> strawberry.Schema:
    """The schema; with `trusted`, its registered documents are parsed and validated now."""
    trusted = trusted or TrustedDocuments({})
    key = (production, trusted.only, frozenset(trusted.by_id))
    built = _BUILT.get(key)
    if built is None:
        built = Schema(
            query=Query,
            mutation=Mutation,
            extensions=extensions(production, trusted),
            exception_handlers=(*EXCEPTION_HANDLERS, DuplicateCaseHandler()),
            config=StrawberryConfig(disable_field_suggestions=production),
            execution_context_class=Executor,
        )
        built.production = production
        resolve_directly(built._schema)
        _BUILT[key] = built
    trusted.prepare(built._schema, LIMIT_RULES)
    return built


schema = build_schema()
