"""Query cost: an upper bound on the work an operation asks for, refused before it runs.

Each field costs 1. A field with a `first` argument (a connection, a page of rows such as
`networkCoverage.uncovered`) multiplies the cost of its selection by the `first` the resolver
will get: the argument's value as execution coerces it (a literal, a variable — `1000.0` for
an Int is 1000 — the variable's default, the argument's default), or the default page size
when it is null. The list that *is* the page of its parent (`edges` of a connection,
`volunteers` of `volunteerActivity`) is already counted by the parent's `first`. Any other
list multiplies its selection by its real upper bound where one is known (`LIST_SIZES`: the
districts and provinces of the coverage report, the offices, a year's days), else by the
default page. Multiplications compound with nesting. Fragments and inline fragments are
followed (every alternative counted: an upper bound; a fragment's cost is computed once per
place, so no pattern of spreads makes the estimate slow).
Introspection (`__schema`, `__type`) reads the static schema and costs 1.

The limit depends on the variables, so it cannot be a validation rule (validation results
are cached by document text): it runs at the start of execution. It coerces the variables
as execution would; when they do not coerce (a date that does not exist, 2**70 for an Int)
the operation is refused with those errors marked BAD_USER_INPUT (clear, and not masked in
production), and when it is over budget with QUERY_TOO_COSTLY; no resolver runs either way.
An estimate is kept for the document and the values of the variables it reads (`Estimates`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (ExecutionResult, FieldNode, FragmentDefinitionNode, FragmentSpreadNode,
                     GraphQLError, GraphQLField, GraphQLInterfaceType, GraphQLList,
                     GraphQLNonNull, GraphQLObjectType, GraphQLSchema, InlineFragmentNode,
                     ListValueNode, ObjectValueNode, OperationDefinitionNode, SelectionSetNode,
                     ValueNode, VariableNode, get_named_type, get_operation_ast)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.language import DocumentNode
from strawberry.extensions import SchemaExtension

from api.errors import BAD_USER_INPUT
from api.pagination import DEFAULT_PAGE
from api.reference.queries import MAX_AREAS
from domain.reference.data import AGENCIES

CODE = "QUERY_TOO_COSTLY"
MAX_VARIABLE_ERRORS = 10

# The country (geothai 3.2.1; tests/api/test_cost_limit.py checks these against it).
PROVINCES, DISTRICTS = 77, 928
DISTRICTS_PER_PROVINCE = 50  # the most in one province: Bangkok's 50 khet
ORG_UNITS = len(AGENCIES) * PROVINCES
MAX_GROUP_BY = 4

Arguments = Mapping[str, Any]


@dataclass(frozen=True)
class ByArgument:
    """A list's size as a function of one argument (its value, None when not given) of the
    nearest field at or above the list that takes arguments."""

    argument: str
    size: Callable[[Any], int]


def _in_province(one: int, country: int) -> ByArgument:
    return ByArgument("provinceCode", lambda code: one if code else country)


# The most items an unpaged list field holds, by (type, field): a number, or a function of
# the arguments of the nearest field at or above it that takes arguments (`networkCoverage`'s
# province for its lists, `caseStats`' groupBy for a row's keys). Any other list counts as
# the default page: reference lists of up to 20 rows, a case's referrals and history, and
# the statistics rows (`caseStats.rows`, `routingAccuracy`), which grow with the data: their
# bounds by dimension (7,437 rows grouped by sub-district, 1,001 category-province pairs)
# would refuse the statistics a national supervisor asks for today (tests/api/test_stats.py)
# under MAX_COST.
LIST_SIZES: dict[tuple[str, str], int | ByArgument] = {
    ("Query", "orgUnits"): _in_province(len(AGENCIES), ORG_UNITS),
    ("Query", "areas"): MAX_AREAS,
    ("Query", "holidays"): 366,
    ("CaseStatsRow", "keys"): ByArgument(
        "groupBy", lambda group_by: MAX_GROUP_BY if group_by is None else len(set(group_by))),
    ("NetworkCoverage", "provinces"): _in_province(1, PROVINCES),
    ("NetworkCoverage", "districts"): _in_province(DISTRICTS_PER_PROVINCE, DISTRICTS),
}
# Every argument an estimate reads: the only variables its result depends on (`Estimates`).
COST_ARGUMENTS = frozenset({"first"} | {s.argument for s in LIST_SIZES.values() if isinstance(s, ByArgument)})


def estimate_cost(schema: GraphQLSchema, document: DocumentNode,
                  variables: Mapping[str, Any] | None = None,
                  operation_name: str | None = None) -> int | None:
    """The cost of the operation to run; None when there is no single such operation.

    Variables that do not coerce count as not given (execution refuses them anyway)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    return _cost(schema, document, operation, _coercible(schema, operation, dict(variables or {})))


def _cost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
          variables: VariableValues) -> int | None:
    return _estimate(schema, document, operation, variables)[0]


def _estimate(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
              variables: VariableValues) -> tuple[int | None, bool]:
    """The cost, and whether every field's arguments could be read."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None, True
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    estimator = _Estimator(schema, variables, fragments)
    cost = estimator.selection(operation.selection_set, root, paged=False, args={}, seen=frozenset())
    return cost, not estimator.unread


def _coercible(schema: GraphQLSchema, operation: OperationDefinitionNode,
               inputs: dict[str, Any]) -> VariableValues:
    """The variables that coerce, each on its own (with the defaults of the others)."""
    sources: dict[str, Any] = {}
    coerced: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        one = get_variable_values(schema, [definition], {name: inputs[name]} if name in inputs else {})
        if not isinstance(one, list):
            sources.update(one.sources)
            coerced.update(one.coerced)
    return VariableValues(sources=sources, coerced=coerced)


class Estimates:
    """Estimates already made, by schema, document and operation, then by the values of the
    variables given to the arguments an estimate reads (`COST_ARGUMENTS`): the same document
    sent again with other ids or other input costs the same (an estimate in which some field's
    arguments could not be read, where the default page stood in, is not kept: whether they
    can be read depends on other variables too), and estimating the case page's
    document again took a twentieth of its request (bench/requests.py, issue 11). Documents
    are held (an id is never taken for another's); at most `DOCUMENTS` of them, the least
    recently used forgotten first, each with at most `VALUES` sets of values of at most
    `LONGEST` characters (what a client sends cannot fill the memory)."""

    DOCUMENTS, VALUES, LONGEST = 512, 64, 400

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[int, int, str | None], _Entry] = OrderedDict()

    def cost(self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
             variables: VariableValues) -> int | None:
        key = (id(schema), id(document), operation.name.value if operation.name else None)
        entry = self._entries.get(key)
        if entry is None or entry.schema is not schema or entry.document is not document:
            entry = _Entry(schema, document, _cost_variables(document, operation))
            self._entries[key] = entry
            while len(self._entries) > self.DOCUMENTS:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        values = repr(tuple(variables.coerced.get(name, _NOT_GIVEN) for name in entry.variables))
        if len(values) > self.LONGEST:  # a long list of dimensions, say: estimated, not kept
            return _cost(schema, document, operation, variables)
        found = entry.costs.get(values, _NOT_GIVEN)
        if found is _NOT_GIVEN:
            found, read_all = _estimate(schema, document, operation, variables)
            if read_all:  # else the estimate depends on other values too: not kept
                if len(entry.costs) >= self.VALUES:
                    entry.costs.clear()
                entry.costs[values] = found
        return found  # type: ignore[return-value]


_NOT_GIVEN = object()


@dataclass
class _Entry:
    schema: GraphQLSchema
    document: DocumentNode
    variables: tuple[str, ...]  # those the estimate depends on
    costs: dict[str, int | None] = field(default_factory=dict)  # by the values' text


def _cost_variables(document: DocumentNode, operation: OperationDefinitionNode) -> tuple[str, ...]:
    """The variables given, in `operation` or any fragment, to an argument named in
    `COST_ARGUMENTS` (within lists and input objects too)."""
    names: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        for node in selection_set.selections if selection_set is not None else ():
            if isinstance(node, FieldNode):
                for argument in node.arguments or ():
                    if argument.name.value in COST_ARGUMENTS:
                        names.update(_variables_in(argument.value))
            visit(getattr(node, "selection_set", None))

    visit(operation.selection_set)
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            visit(definition.selection_set)
    return tuple(sorted(names))


def _variables_in(value: ValueNode) -> Iterator[str]:
    if isinstance(value, VariableNode):
        yield value.name.value
    elif isinstance(value, ListValueNode):
        for item in value.values:
            yield from _variables_in(item)
    elif isinstance(value, ObjectValueNode):
        for field_node in value.fields:
            yield from _variables_in(field_node.value)


ESTIMATES = Estimates()


class _Estimator:
    def __init__(self, schema: GraphQLSchema, variables: VariableValues,
                 fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.schema, self.variables, self.fragments = schema, variables, fragments
        self.spread_costs: dict[tuple[str, bool, int], int] = {}
        self.arguments: list[Arguments] = []  # alive while their ids key `spread_costs`
        self.unread = False  # some field's arguments could not be read

    def selection(self, selection_set: SelectionSetNode, parent: Any, *, paged: bool,
                  args: Arguments, seen: frozenset[str]) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent, paged=paged, args=args, seen=seen)
            elif isinstance(node, InlineFragmentNode):
                on = self._type(node.type_condition.name.value) if node.type_condition else parent
                total += self.selection(node.selection_set, on, paged=paged, args=args, seen=seen)
            elif isinstance(node, FragmentSpreadNode):
                total += self.spread(node.name.value, paged=paged, args=args, seen=seen)
        return total

    def spread(self, name: str, *, paged: bool, args: Arguments, seen: frozenset[str]) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in seen:  # cycles fail validation anyway
            return 0
        key = (name, paged, id(args))  # the same place in the document costs the same
        if key not in self.spread_costs:
            self.spread_costs[key] = self.selection(
                fragment.selection_set, self._type(fragment.type_condition.name.value),
                paged=paged, args=args, seen=seen | {name})
        return self.spread_costs[key]

    def field(self, node: FieldNode, parent: Any, *, paged: bool, args: Arguments,
              seen: frozenset[str]) -> int:
        name = node.name.value
        definition = _field(parent, name)
        if name.startswith("__") or definition is None or node.selection_set is None:
            return 1
        if definition.args:
            args = self._arguments(definition, node)
        has_first = "first" in definition.args
        if has_first:
            multiplier = _first(args)
        elif _is_list(definition.type):
            multiplier = 1 if paged else self._list_size(parent.name, name, args)
        else:
            multiplier = 1
        inner = self.selection(node.selection_set, get_named_type(definition.type),
                               paged=has_first, args=args, seen=seen)
        return 1 + multiplier * inner

    def _arguments(self, definition: GraphQLField, node: FieldNode) -> Arguments:
        """The arguments as the resolver gets them; empty when they cannot be read (a
        required variable not given: execution refuses the operation)."""
        try:
            args: Arguments = get_argument_values(definition, node, self.variables)
        except GraphQLError:
            args, self.unread = {}, True
        self.arguments.append(args)
        return args

    @staticmethod
    def _list_size(type_name: str, field_name: str, args: Arguments) -> int:
        size = LIST_SIZES.get((type_name, field_name), DEFAULT_PAGE)
        return size.size(args.get(size.argument)) if isinstance(size, ByArgument) else size

    def _type(self, name: str) -> Any:
        return self.schema.get_type(name)


def _first(args: Arguments) -> int:
    """The page asked for; the default page when it is null or could not be read."""
    value = args.get("first")
    if isinstance(value, bool) or not isinstance(value, int):
        return DEFAULT_PAGE
    return max(value, 0)


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
                        extensions={"code": CODE, "cost": cost, "limit": limit,
                                    "messageTh": f"คำขอนี้มีต้นทุน {cost} เกินขีดจำกัด {limit} "
                                                 "กรุณาขอรายการให้น้อยลง (`first` ที่เล็กลง) "
                                                 "หรือซ้อนรายการให้น้อยลง"})


def bad_variable(error: GraphQLError) -> GraphQLError:
    """A variable that does not coerce: the client's mistake, said as graphql-core says it."""
    error.extensions = {**(error.extensions or {}), "code": BAD_USER_INPUT,
                        "messageTh": "ค่าของตัวแปรในคำขอไม่ถูกต้อง (รายละเอียดในข้อความภาษาอังกฤษ)"}
    return error


class QueryCostLimiter(SchemaExtension):
    """Refuse an operation whose variables do not coerce or whose estimated cost is over
    `max_cost`, before anything runs."""

    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = (get_operation_ast(document, context.operation_name)
                     if document is not None and context.result is None else None)
        if document is not None and operation is not None:
            schema = context.schema._schema
            variables = get_variable_values(
                schema, operation.variable_definitions or (), dict(context.variables or {}),
                max_errors=MAX_VARIABLE_ERRORS,
                hide_suggestions=context.schema.config.disable_field_suggestions)
            if isinstance(variables, list):
                context.result = ExecutionResult(data=None,
                                                 errors=[bad_variable(e) for e in variables])
            else:
                cost = ESTIMATES.cost(schema, document, operation, variables)
                if cost is not None and cost > self.max_cost:
                    context.result = ExecutionResult(data=None,
                                                     errors=[too_costly(cost, self.max_cost)])
        yield
