"""Fields that graphql-core resolves without strawberry's per-field wrappers.

Strawberry reaches each field's value through a chain of its own functions: a field with no
resolver through three calls to `getattr`; a field with a resolver also builds an `Info`,
converts arguments it does not have and checks for permissions and exception handlers it does
not have. The web client's list of 20 cases asks for about 500 fields, and that chain was a
tenth of the request (bench/requests.py, issue 11). Once the schema is built, `resolve_directly`
gives graphql-core, for

- a field with no resolver, a function reading the attribute (strawberry's default resolver,
  `getattr`, called directly);
- a field made with `context_field`, its resolver itself: it takes `self` (the object the field
  belongs to) and, if it wants it, `info`, and reads nothing of `info` but `info.context`
  (graphql-core's `GraphQLResolveInfo` carries the same context object as strawberry's `Info`).

Fields with arguments, permission classes, field extensions or a union result (where exception
handlers turn errors into results) keep strawberry's chain; `context_field` on one of them is
refused when the schema is built.

graphql-core itself still builds each field's resolve info and walks its value's completion
(non-null, list, leaf) step by step: for a leaf (a scalar or an enum) read from an attribute, four
fifths of a list's fields, that was most of what is left of the field's cost. `Executor` (the
schema's execution context) reads such a field and coerces its value in one step; anything out of
the ordinary (an error, a null where none may be, an exception or an awaitable as the value,
middleware) goes graphql-core's own way from the start, so errors and their paths are
graphql-core's.

A `context_field` whose resolver is a plain function (not a coroutine function) is called by
`Executor` with the request's context alone in place of the resolve info (reading anything else
of it is an error): an ordinary leaf value is coerced at once, and an object of a `value_type`
completed before under the same selection is answered with that completion (the office of each
referral of a list, the problem type and sub-district of each case: the list of 20 cases -4 %
CPU). Any other value is completed, and any error located, as graphql-core's `execute_field`
does after its call of the resolver (`Executor._complete`).
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from api.siblings import gather_with_cancel, use_in_graphql_core

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T", bound=type)
_DIRECT = "_khortor_resolved_directly"
_VALUE = "khortor-value"  # on a value type's class, then in its GraphQLObjectType's extensions
_DEFINITION = "strawberry-definition"  # strawberry's back-reference on each GraphQLField


def context_field(*, description: str) -> Callable[[F], Any]:
    """`strawberry.field(description=...)` for a resolver of `self` and `info` that reads only
    `info.context`: graphql-core calls it directly (`resolve_directly`)."""
    def field(resolver: F) -> Any:
        setattr(resolver, _DIRECT, True)
        return strawberry.field(description=description)(resolver)

    return field


def value_type(cls: T) -> T:
    """Marks a strawberry type whose objects are values: each field a function of the object
    and of the request alone (a problem type, an area, an office). Where one such object shows
    at several places of one answer under the same selection (the office of each of a list's
    referrals, shared through `Loaders.shown`), `Executor` completes it once."""
    setattr(cls, _VALUE, True)
    return cls


class _Attribute:
    """Strawberry's default resolver, `getattr`, called directly. For a leaf field it also
    keeps what `Executor` needs to complete the value in one step: the leaf type's coercion and
    whether the field may be null."""

    __slots__ = ("coerce", "name", "non_null")

    def __init__(self, name: str, field_type: GraphQLOutputType) -> None:
        self.name = name
        self.non_null = is_non_null_type(field_type)
        inner = field_type.of_type if is_non_null_type(field_type) else field_type  # type: ignore[union-attr]
        self.coerce = inner.coerce_output_value if is_leaf_type(inner) else None

    def __call__(self, source: Any, _info: Any) -> Any:
        return getattr(source, self.name)


setattr(_Attribute, _DIRECT, True)


class _Context:
    """A `context_field`'s resolver, called directly. For one that is a plain function (not a
    coroutine function) it also keeps what `Executor` needs to answer the field without
    graphql-core's resolve info: the leaf type's coercion, or whether its type is a
    `value_type` (set once every type is marked: `resolve_directly`). A null goes graphql-core's
    way, which knows whether the field may be null."""

    __slots__ = ("coerce", "function", "plain", "takes_info", "value_type")

    def __init__(self, function: Callable[..., Any], takes_info: bool, field_type: GraphQLOutputType) -> None:
        self.function, self.takes_info = function, takes_info
        self.plain = not inspect.iscoroutinefunction(function)
        inner = field_type.of_type if is_non_null_type(field_type) else field_type  # type: ignore[union-attr]
        self.coerce = inner.coerce_output_value if is_leaf_type(inner) else None
        self.value_type = False

    def __call__(self, source: Any, info: Any) -> Any:
        return self.function(source, info) if self.takes_info else self.function(source)


setattr(_Context, _DIRECT, True)


class _ContextOnly:
    """What a `context_field` resolver is given as `info` when `Executor` calls it itself: the
    request's context, the one thing such a resolver may read of it."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"a context_field reads only info.context, not info.{name}")


_OTHERWISE = object()  # `_leaf`: not a leaf field read from an attribute, or not an ordinary value


def _leaf(field: GraphQLField | None, source: Any, is_awaitable: Callable[[Any], bool]) -> Any:
    """The completed value of `field` on `source` if the field is a leaf read from an attribute
    and its value is ordinary (not awaitable, not an exception or Undefined, coerced without
    error, not null where it may not be), else `_OTHERWISE`: graphql-core then resolves and
    completes it its own way, errors and their paths included (an attribute is read without
    side effects, so reading it twice is harmless)."""
    resolve = field.resolve if field is not None else None
    if type(resolve) is not _Attribute or resolve.coerce is None:
        return _OTHERWISE
    try:
        value = getattr(source, resolve.name)
        if value is None:
            return _OTHERWISE if resolve.non_null else None
        if value is Undefined or isinstance(value, Exception) or is_awaitable(value):
            return _OTHERWISE  # graphql-core: null, an error, the value awaited
        coerced = resolve.coerce(value)
    except Exception:  # noqa: BLE001 - graphql-core's way reports it
        return _OTHERWISE
    return _OTHERWISE if coerced is None or coerced is Undefined else coerced


use_in_graphql_core()  # a list's items too: see api/siblings.py


class Executor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with a leaf field read from an attribute completed in
    one step (see the module's text): no resolve info, no path, no completion walk for it; and a
    plain `context_field` called with the context alone (`_context_field`). `execute_fields` is
    graphql-core 3.3's, with those steps first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _helpers(self)
        manager = self.middleware_manager
        self._no_middleware = manager is None or not manager.middlewares
        # A value object's completion by (object, selection), each kept alive with it so that
        # neither id is reused while the answer is made.
        self._values: dict[tuple[int, int], tuple[Any, Any, dict[str, Any]]] = {}
        self._context_only = _ContextOnly(self.context_value)

    def complete_object_value(self, return_type: GraphQLObjectType, field_details_list: Any, info: Any,
                              path: Path, result: Any, position_context: Any) -> Any:
        """graphql-core's, but an object of a `value_type` completed before under the same
        selection is answered with that completion: only when it was complete at once and
        added no error (an error is located at one path), and without middleware (which may
        differ by path)."""
        if not self._no_middleware or not return_type.extensions.get(_VALUE):
            return super().complete_object_value(return_type, field_details_list, info, path, result,
                                                 position_context)
        key = (id(result), id(field_details_list))
        known = self._values.get(key)
        if known is not None:
            return known[2]
        collected = self.collected_errors
        errors = len(collected.errors)
        completed = super().complete_object_value(return_type, field_details_list, info, path, result,
                                                  position_context)
        # Not kept: a completion with an error (or one dropped because a parent was nulled
        # already), or one with incremental delivery's context.
        if (not self.is_awaitable(completed) and len(collected.errors) == errors and position_context is None
                and not collected.has_nulled_position(path)):
            self._values[key] = (result, field_details_list, completed)
        return completed

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                       grouped_field_set: Any, position_context: Any) -> Any:
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        fields = parent_type.fields if self._no_middleware else {}
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field = fields.get(field_details_list[0].node.name.value)
                leaf = _leaf(field, source_value, is_awaitable)
                if leaf is not _OTHERWISE:
                    results[response_name] = leaf
                    continue
                if field is not None and type(field.resolve) is _Context and field.resolve.plain:
                    result = self._context_field(field, parent_type, source_value, field_details_list,
                                                 path, response_name, position_context)
                else:
                    result = self.execute_field(parent_type, source_value, field_details_list,
                                                Path(path, response_name, parent_type.name), position_context)
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:  # settle the other fields' awaitables: they may fail too
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                results[awaitable_fields[0]] = await results[awaitable_fields[0]]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()


    def _context_field(self, field: GraphQLField, parent_type: GraphQLObjectType, source: Any,
                       field_details_list: Any, path: Path | None, response_name: str,
                       position_context: Any) -> Any:
        """`execute_field` for a plain `context_field`: its resolver called with the context
        alone (`_ContextOnly`), and its value answered at once when it is an ordinary leaf or an
        object of a `value_type` completed before under this selection; anything else is
        completed, and an error handled, as graphql-core does (`_complete`)."""
        resolve: _Context = field.resolve  # type: ignore[assignment]
        try:
            value = resolve(source, self._context_only)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list,
                                    Path(path, response_name, parent_type.name))
            return None
        if value is not None and value is not Undefined and not isinstance(value, Exception) \
                and not self.is_awaitable(value):
            if resolve.coerce is not None:
                try:
                    coerced = resolve.coerce(value)
                except Exception:  # noqa: BLE001 - graphql-core's way reports it
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
            elif resolve.value_type:
                known = self._values.get((id(value), id(field_details_list)))
                if known is not None:
                    return known[2]
        return self._complete(field, parent_type, field_details_list, Path(path, response_name, parent_type.name),
                              value, position_context)

    def _complete(self, field: GraphQLField, parent_type: GraphQLObjectType, field_details_list: Any, path: Path,
                  result: Any, position_context: Any) -> Any:
        """graphql-core's `execute_field` after its call of the resolver, for `result`."""
        return_type = field.type
        info = self.build_resolve_info(field, to_nodes(field_details_list), parent_type, path)
        try:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(return_type, field_details_list, info, path, result,
                                                     position_context)
            completed = self.complete_value(return_type, field_details_list, info, path, result, position_context)
            if self.is_awaitable(completed):
                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, return_type, field_details_list, path)
                        return None

                return await_completed()
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed


def _helpers(executor: Executor) -> GraphQLResolveInfoHelpers:
    """graphql-core's helpers for resolvers (`info.async_helpers`), reaching the executor
    through a weak reference. graphql-core's hold its bound methods, so every executor was in a
    reference cycle, and with it everything the request made (the context, the loaders and
    their rows, the answer): freed only by the cyclic collector, whose collections then had
    all of it to scan."""
    ref = weakref.ref(executor)

    def gather(values: Any) -> Any:
        return gather_with_cancel(*values)  # graphql-core's `gather_async_work`

    def track(values: Any) -> None:
        tracking = ref()
        if tracking is None:
            raise RuntimeError("the operation's executor is gone")
        tracking.track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


def _basic(resolve: Any, field: StrawberryField) -> bool:
    """Whether strawberry resolves the field with its basic resolver: `getattr`, nothing else
    (no resolver, no permission classes or extensions, no exception handler: strawberry marks
    other resolvers `_is_default` too, a field of its own with permission classes among them)."""
    return (getattr(resolve, "__name__", "") == "_get_basic_result" and getattr(resolve, "_is_default", False)
            and field.is_basic_field and field.default_resolver is getattr)


def _refuse(where: str, why: str) -> TypeError:
    return TypeError(f"{where}: context_field {why}")


def _direct(where: str, field: StrawberryField, field_type: GraphQLOutputType, has_args: bool) -> _Context:
    resolver = field.base_resolver
    assert resolver is not None
    function = resolver.wrapped_func
    if has_args or field.extensions:
        raise _refuse(where, "has arguments, permission classes or extensions")
    parameters = list(inspect.signature(function).parameters)
    if parameters not in (["self"], ["self", "info"]):
        raise _refuse(where, f"takes (self) or (self, info), not {tuple(parameters)}")
    named = get_named_type(field_type)
    if isinstance(named, GraphQLUnionType):
        raise _refuse(where, "returns a union (exception handlers may apply)")
    return _Context(function, parameters == ["self", "info"], field_type)


def resolve_directly(schema: GraphQLSchema) -> int:
    """Give graphql-core the direct resolvers of `schema`'s fields (see the module's text);
    returns how many of its fields it now resolves directly."""
    direct = 0
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        definition = (graphql_type.extensions or {}).get(_DEFINITION)
        if getattr(getattr(definition, "origin", None), _VALUE, False):
            graphql_type.extensions = {**graphql_type.extensions, _VALUE: True}
        for name, graphql_field in graphql_type.fields.items():
            field = (graphql_field.extensions or {}).get(_DEFINITION)
            if not isinstance(field, StrawberryField):
                continue
            if getattr(graphql_field.resolve, _DIRECT, False):
                pass  # done already
            elif _basic(graphql_field.resolve, field):
                graphql_field.resolve = _Attribute(field.python_name, graphql_field.type)
            elif field.base_resolver is not None and getattr(field.base_resolver.wrapped_func, _DIRECT, False):
                graphql_field.resolve = _direct(f"{graphql_type.name}.{name}", field,
                                                graphql_field.type, bool(graphql_field.args))
            else:
                continue
            direct += 1
    for graphql_type in schema.type_map.values():  # every value type is marked by now
        if isinstance(graphql_type, GraphQLObjectType):
            for graphql_field in graphql_type.fields.values():
                if type(graphql_field.resolve) is _Context:
                    named = get_named_type(graphql_field.type)
                    graphql_field.resolve.value_type = bool((named.extensions or {}).get(_VALUE))
    return direct
