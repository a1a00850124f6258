"""Query cost: an upper bound on the work an operation asks for, refused before it runs.

Each field costs 1. A field with a `first` argument (a connection, a page of rows) multiplies
the cost of its selection by `first` — a literal, a variable, the variable's default, the
argument's default, or the default page size when none is given. Any other list field
multiplies its selection by the default page size, except the list that *is* the page of
its parent (`edges` of a connection, `volunteers` of `volunteerActivity`): that one is
already counted by the parent's `first`. Multiplications compound with nesting. Fragments
and inline fragments are followed (every alternative counted: an upper bound).
Introspection (`__schema`, `__type`) reads the static schema and costs 1.

The limit depends on the variables, so it cannot be a validation rule (validation results
are cached by document text): it runs at the start of execution and, when the operation is
over budget, puts the refusal in place of the result so no resolver runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (ExecutionResult, FieldNode, FragmentDefinitionNode, FragmentSpreadNode,
                     GraphQLError, GraphQLField, GraphQLInterfaceType, GraphQLList,
                     GraphQLNonNull, GraphQLObjectType, GraphQLSchema, InlineFragmentNode,
                     IntValueNode, OperationDefinitionNode, SelectionSetNode, VariableNode,
                     get_named_type, get_operation_ast, value_from_ast)
from graphql.language import DocumentNode
from strawberry.extensions import SchemaExtension

from api.pagination import DEFAULT_PAGE

CODE = "QUERY_TOO_COSTLY"


def estimate_cost(schema: GraphQLSchema, document: DocumentNode,
                  variables: Mapping[str, Any] | None = None,
                  operation_name: str | None = None) -> int | None:
    """The cost of the operation to run; None when there is no single such operation."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    return _Estimator(schema, operation, variables or {}, fragments).selection(
        operation.selection_set, root, paged=False, seen=frozenset())


class _Estimator:
    def __init__(self, schema: GraphQLSchema, operation: OperationDefinitionNode,
                 variables: Mapping[str, Any],
                 fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.schema, self.variables, self.fragments = schema, variables, fragments
        self.defaults = {v.variable.name.value: v for v in operation.variable_definitions or ()}

    def selection(self, selection_set: SelectionSetNode, parent: Any, *, paged: bool,
                  seen: frozenset[str]) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent, paged=paged, seen=seen)
            elif isinstance(node, InlineFragmentNode):
                on = self._type(node.type_condition.name.value) if node.type_condition else parent
                total += self.selection(node.selection_set, on, paged=paged, seen=seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:  # cycles fail validation anyway
                    total += self.selection(fragment.selection_set,
                                            self._type(fragment.type_condition.name.value),
                                            paged=paged, seen=seen | {name})
        return total

    def field(self, node: FieldNode, parent: Any, *, paged: bool, seen: frozenset[str]) -> int:
        name = node.name.value
        definition = _field(parent, name)
        if name.startswith("__") or definition is None or node.selection_set is None:
            return 1
        has_first = "first" in definition.args
        if has_first:
            multiplier = self._first(node, definition)
        elif _is_list(definition.type):
            multiplier = 1 if paged else DEFAULT_PAGE
        else:
            multiplier = 1
        inner = self.selection(node.selection_set, get_named_type(definition.type),
                               paged=has_first, seen=seen)
        return 1 + multiplier * inner

    def _first(self, node: FieldNode, definition: GraphQLField) -> int:
        """The `first` asked for; the default page size when it is absent or not a number."""
        argument = next((a for a in node.arguments or () if a.name.value == "first"), None)
        value: Any = None
        if argument is None:
            value = definition.args["first"].default_value
        elif isinstance(argument.value, IntValueNode):
            value = int(argument.value.value)
        elif isinstance(argument.value, VariableNode):
            variable = argument.value.name.value
            if variable in self.variables:
                value = self.variables[variable]
            elif variable in self.defaults and self.defaults[variable].default_value is not None:
                value = value_from_ast(self.defaults[variable].default_value,
                                       definition.args["first"].type)
        if isinstance(value, bool) or not isinstance(value, int):
            return DEFAULT_PAGE  # absent, null or of the wrong type (execution refuses that)
        return max(value, 0)

    def _type(self, name: str) -> Any:
        return self.schema.get_type(name)


def _field(parent: Any, name: str) -> GraphQLField | None:
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        return parent.fields.get(name)
    return None


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def too_costly(cost: int, limit: int) -> GraphQLError:
    return GraphQLError(f"The query costs {cost}, over the limit of {limit}; ask for fewer "
                        "items (a smaller `first`) or fewer nested lists.",
                        extensions={"code": CODE, "cost": cost, "limit": limit})


class QueryCostLimiter(SchemaExtension):
    """Refuse an operation whose estimated cost is over `max_cost`, before anything runs."""

    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            cost = estimate_cost(context.schema._schema, context.graphql_document,
                                 context.variables, context.operation_name)
            if cost is not None and cost > self.max_cost:
                context.result = ExecutionResult(data=None,
                                                 errors=[too_costly(cost, self.max_cost)])
        yield
