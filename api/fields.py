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
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLNamedType, GraphQLObjectType, GraphQLSchema, GraphQLUnionType, get_named_type
from strawberry.types.field import StrawberryField

F = TypeVar("F", bound=Callable[..., Any])
_DIRECT = "_khortor_resolved_directly"
_DEFINITION = "strawberry-definition"  # strawberry's back-reference on each GraphQLField


def context_field(*, description: str) -> Callable[[F], Any]:
    """`strawberry.field(description=...)` for a resolver of `self` and `info` that reads only
    `info.context`: graphql-core calls it directly (`resolve_directly`)."""
    def field(resolver: F) -> Any:
        setattr(resolver, _DIRECT, True)
        return strawberry.field(description=description)(resolver)

    return field


def _attribute(name: str) -> Callable[[Any, Any], Any]:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    setattr(resolve, _DIRECT, True)
    return resolve


def _basic(resolve: Any, field: StrawberryField) -> bool:
    """Whether strawberry resolves the field with its basic resolver: `getattr`, nothing else
    (no resolver, no permission classes or extensions, no exception handler: strawberry marks
    other resolvers `_is_default` too, a field of its own with permission classes among them)."""
    return (getattr(resolve, "__name__", "") == "_get_basic_result" and getattr(resolve, "_is_default", False)
            and field.is_basic_field and field.default_resolver is getattr)


def _refuse(where: str, why: str) -> TypeError:
    return TypeError(f"{where}: context_field {why}")


def _direct(where: str, field: StrawberryField, named: GraphQLNamedType, has_args: bool) -> Callable[..., Any]:
    resolver = field.base_resolver
    assert resolver is not None
    function = resolver.wrapped_func
    if has_args or field.extensions:
        raise _refuse(where, "has arguments, permission classes or extensions")
    parameters = list(inspect.signature(function).parameters)
    if parameters not in (["self"], ["self", "info"]):
        raise _refuse(where, f"takes (self) or (self, info), not {tuple(parameters)}")
    if isinstance(named, GraphQLUnionType):
        raise _refuse(where, "returns a union (exception handlers may apply)")
    if parameters == ["self"]:
        return lambda source, _info: function(source)
    return function


def resolve_directly(schema: GraphQLSchema) -> int:
    """Give graphql-core the direct resolvers of `schema`'s fields (see the module's text);
    returns how many of its fields it now resolves directly."""
    direct = 0
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, graphql_field in graphql_type.fields.items():
            field = (graphql_field.extensions or {}).get(_DEFINITION)
            if not isinstance(field, StrawberryField):
                continue
            if getattr(graphql_field.resolve, _DIRECT, False):
                pass  # done already
            elif _basic(graphql_field.resolve, field):
                graphql_field.resolve = _attribute(field.python_name)
            elif field.base_resolver is not None and getattr(field.base_resolver.wrapped_func, _DIRECT, False):
                graphql_field.resolve = _direct(f"{graphql_type.name}.{name}", field,
                                                get_named_type(graphql_field.type), bool(graphql_field.args))
            else:
                continue
            direct += 1
    return direct
