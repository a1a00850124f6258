"""Fields that graphql-core resolves without strawberry's wrappers (api/fields.py): the same
answers as through strawberry, and `context_field` refused where strawberry's chain has work
of its own to do."""

from __future__ import annotations

import asyncio
import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NewType

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.config import StrawberryConfig

from graphql import Undefined

from api.fields import Executor, context_field, resolve_directly, value_type
from api.schema import schema as khortor_schema
from tests.api.unawaited import settle, unawaited

SEEN: list[type] = []  # the type of what each `name` resolver was given as its info


@strawberry.type
class Office:
    code: str
    province: str | None = None

    @context_field(description="The office's name in the asker's language.")
    def name(self, info: strawberry.Info) -> str:
        SEEN.append(type(info))
        names: dict[str, str] = info.context["names"]
        return names[self.code]

    @context_field(description="Whether the asker works there.")
    async def mine(self, info: strawberry.Info) -> bool:
        return bool(info.context["mine"] == self.code)

    @context_field(description="The code in lower case.")
    def lower(self) -> str:
        return self.code.lower()


class NotYou(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Query:
    secret: str = strawberry.field(default="hidden", permission_classes=[NotYou])

    @strawberry.field
    def offices(self) -> list[Office]:
        return [Office(code="DLPW-43", province="43"), Office(code="SSO-10")]


QUERY = "{ offices { code province name mine lower } }"
ANSWER = {"offices": [
    {"code": "DLPW-43", "province": "43", "name": "สวัสดิการ หนองคาย", "mine": True, "lower": "dlpw-43"},
    {"code": "SSO-10", "province": None, "name": "ประกันสังคม กทม.", "mine": False, "lower": "sso-10"}]}


async def _ask(schema: strawberry.Schema) -> dict[str, Any] | None:
    SEEN.clear()
    result = await schema.execute(QUERY, context_value={
        "names": {"DLPW-43": "สวัสดิการ หนองคาย", "SSO-10": "ประกันสังคม กทม."}, "mine": "DLPW-43"})
    assert not result.errors, result.errors
    return result.data


async def test_fields_resolved_directly_answer_as_through_strawberry() -> None:
    schema = strawberry.Schema(query=Query)
    assert await _ask(schema) == ANSWER
    assert SEEN and all(issubclass(t, strawberry.Info) for t in SEEN)

    # code, province (no resolver) and name, mine, lower (context_field); not `offices`
    assert resolve_directly(schema._schema) == 5
    assert await _ask(schema) == ANSWER
    assert SEEN and not any(issubclass(t, strawberry.Info) for t in SEEN)  # graphql-core's info
    assert resolve_directly(schema._schema) == 5  # once more: the same fields
    assert await _ask(schema) == ANSWER


async def test_a_field_with_permission_classes_keeps_them() -> None:
    """An attribute with permission classes is no basic field: strawberry's chain checks them."""
    schema = strawberry.Schema(query=Query)
    resolve_directly(schema._schema)
    refused = await schema.execute("{ secret }", root_value=Query(), context_value={})
    assert refused.data is None and refused.errors and refused.errors[0].message == "not for you"


def test_the_apps_context_fields_are_resolved_directly() -> None:
    fields = khortor_schema._schema.type_map
    for type_name, field_name, resolver in [("Case", "category", "Case.category"),
                                            ("Case", "referrals", "Case.referrals"),
                                            ("Referral", "orgUnit", "Referral.org_unit"),
                                            ("Area", "province", "Area.province")]:
        assert fields[type_name].fields[field_name].resolve.function.__qualname__ == resolver  # type: ignore[union-attr]


@strawberry.type
class Ok:
    done: bool


@strawberry.type
class Refused:
    why: str


@strawberry.type
class WithArgument:
    @context_field(description="-")
    def office(self, info: strawberry.Info, first: int) -> int:
        return first


@strawberry.type
class WithRoot:
    @context_field(description="-")
    def office(root: Any, info: strawberry.Info) -> int:  # noqa: N805
        return 1


@strawberry.type
class WithUnion:
    @context_field(description="-")
    def office(self, info: strawberry.Info) -> Ok | Refused:
        return Ok(done=True)


@pytest.mark.parametrize(("query", "why"), [
    (WithArgument, "has arguments"),
    (WithRoot, "takes \\(self\\) or \\(self, info\\)"),
    (WithUnion, "returns a union"),
])
def test_context_field_is_refused_where_strawberry_has_work_to_do(query: type, why: str) -> None:
    schema = strawberry.Schema(query=query)
    with pytest.raises(TypeError, match=why):
        resolve_directly(schema._schema)


# -- leaves completed in one step (`Executor`) ----------------------------------------------------

@strawberry.enum
class Stage(enum.Enum):
    NEW = "NEW"
    DONE = "DONE"


Blank = NewType("Blank", str)
Raw = NewType("Raw", object)
SCALARS = StrawberryConfig(scalar_map={
    Blank: strawberry.scalar(name="Blank", serialize=lambda v: v or None, parse_value=str),
    Raw: strawberry.scalar(name="Raw", serialize=lambda v: v.upper() if isinstance(v, str) else v,
                           parse_value=lambda v: v)})


class Later:
    """An attribute's value that is awaited for the field's value (any number of times)."""

    def __await__(self) -> Any:
        yield from ()
        return "referred"


class Refusal(Exception):  # noqa: N818 - not a builtin: String would coerce it with str()
    pass


class Row:
    """A stored row as the API's types hold it: attributes, one of which fails when read."""

    def __init__(self, n: Any, stage: Any, note: str | None, must: str | None) -> None:
        self.n, self.stage, self.note, self.must = n, stage, note, must
        self.at = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
        self.amount = Decimal("1500.50")
        self.blank = ""  # a scalar whose output is null: an error, not a null
        self.later = Later()
        self.failure: Any = Refusal("held, not raised")  # an exception as the value: an error
        self.unset: Any = Undefined  # graphql-core's Undefined: null

    @property
    def broken(self) -> str:
        raise RuntimeError("the row is gone")


@strawberry.type
class Item:
    n: int
    stage: Stage
    note: str | None
    must: str
    at: datetime
    amount: Decimal
    broken: str | None
    blank: Blank | None
    later: Raw
    failure: str | None
    unset: str | None


@strawberry.type
class Listing:
    @strawberry.field
    def items(self, info: strawberry.Info) -> list[Item]:
        return info.context["rows"]  # type: ignore[no-any-return]

    @strawberry.field
    def strict(self, info: strawberry.Info) -> list[Item] | None:
        return info.context["rows"]  # type: ignore[no-any-return]


class Counting(Executor):
    infos = 0

    def build_resolve_info(self, *args: Any, **kwargs: Any) -> Any:
        Counting.infos += 1
        return super().build_resolve_info(*args, **kwargs)


def _listing(direct: bool, executor: type | None = None) -> strawberry.Schema:
    schema = strawberry.Schema(query=Listing, execution_context_class=executor, config=SCALARS)
    if direct:
        resolve_directly(schema._schema)
    return schema


async def _listed(schema: strawberry.Schema, query: str, rows: list[Row]) -> tuple[Any, list[Any]]:
    result = await schema.execute(query, root_value=Listing(), context_value={"rows": rows})
    return result.data, [(e.message, e.path) for e in result.errors or []]


@pytest.mark.parametrize(("query", "rows"), [
    ("{ items { n stage note must at amount } }",
     [Row(1, Stage.NEW, None, "x"), Row(2, Stage.DONE, "ส่งต่อแล้ว", "y")]),
    ("{ items { n broken } }", [Row(1, Stage.NEW, None, "x")]),  # an attribute that raises
    ("{ strict { n must } }", [Row(1, Stage.NEW, None, None)]),  # null where none may be
    ("{ strict { n } }", [Row("not a number", Stage.NEW, None, "x")]),  # a value that cannot be an Int
    ("{ strict { stage } }", [Row(1, "LOST", None, "x")]),  # nor a Stage
    ("{ items { n blank } }", [Row(1, Stage.NEW, None, "x")]),
    ("{ items { later } }", [Row(1, Stage.NEW, None, "x")]),  # awaited, not given as it is
    ("{ items { n failure unset } }", [Row(1, Stage.NEW, None, "x")]),
    ("{ items { n ... on Item { n stage } __typename } }", [Row(3, Stage.DONE, None, "x")]),
])
async def test_leaves_completed_in_one_step_answer_as_graphql_core(query: str, rows: list[Row]) -> None:
    """The same data and the same errors, at the same paths, as graphql-core's own completion."""
    expected = await _listed(_listing(direct=True), query, rows)
    assert bool(expected[1]) == all(ok not in query for ok in ("{ items { n stage note", "__typename", "later"))
    assert "later" not in query or expected == ({"items": [{"later": "REFERRED"}]}, [])
    assert await _listed(_listing(direct=True, executor=Executor), query, rows) == expected
    assert await _listed(_listing(direct=False, executor=Executor), query, rows) == expected


async def test_leaves_read_from_attributes_build_no_resolve_info() -> None:
    rows = [Row(i, Stage.NEW, None, "x") for i in range(10)]
    Counting.infos = 0
    data, errors = await _listed(_listing(direct=True, executor=Counting),
                                 "{ items { n stage note must at amount } }", rows)
    assert not errors and len(data["items"]) == 10
    assert Counting.infos == 1  # `items` only: its 60 leaves were read and coerced in one step
    Counting.infos = 0
    await _listed(_listing(direct=False, executor=Counting), "{ items { n stage } }", rows)
    assert Counting.infos == 21  # not resolved directly: graphql-core's way for each


class Shout(SchemaExtension):
    """Middleware: every field's text in capitals."""

    def resolve(self, _next: Any, root: Any, info: strawberry.Info, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


async def test_middleware_sees_every_leaf() -> None:
    schema = strawberry.Schema(query=Listing, execution_context_class=Executor, config=SCALARS,
                               extensions=[Shout])
    resolve_directly(schema._schema)
    assert await _listed(schema, "{ items { must note } }", [Row(1, Stage.NEW, "ok", "x")]) == (
        {"items": [{"must": "X", "note": "OK"}]}, [])


def test_the_app_executes_with_leaves_completed_in_one_step() -> None:
    assert khortor_schema.execution_context_class is Executor


# -- value objects completed once an answer (`value_type`) ----------------------------------------

LABELS: list[str] = []  # each time a Place's label was resolved


@value_type
@strawberry.type
class Place:
    code: str

    @context_field(description="-")
    def label(self) -> str:
        LABELS.append(self.code)
        return f"สำนักงาน {self.code}"

    @context_field(description="-")
    def broken(self) -> str | None:
        raise RuntimeError(f"no {self.code}")

    @context_field(description="-")
    async def later(self) -> str:
        LABELS.append(self.code)
        return self.code.lower()


@strawberry.type
class Holder:
    n: int
    place: Place


@strawberry.type
class Holders:
    @strawberry.field
    def holders(self, info: strawberry.Info) -> list[Holder]:
        return info.context["holders"]  # type: ignore[no-any-return]


async def _held(executor: type | None, query: str) -> tuple[Any, list[Any], list[str]]:
    schema = strawberry.Schema(query=Holders, execution_context_class=executor)
    resolve_directly(schema._schema)
    shared, other = Place(code="DLPW-43"), Place(code="SSO-10")
    LABELS.clear()
    result = await schema.execute(query, root_value=Holders(), context_value={
        "holders": [Holder(n=1, place=shared), Holder(n=2, place=other), Holder(n=3, place=shared),
                    Holder(n=4, place=shared)]})
    return result.data, [(e.message, e.path) for e in result.errors or []], sorted(LABELS)


async def test_a_value_object_shared_in_an_answer_is_completed_once() -> None:
    query = "{ holders { n place { code label } again: place { label } } }"
    data, errors, labels = await _held(Executor, query)
    assert (data, errors) == (await _held(None, query))[:2]  # graphql-core's own answer
    assert data["holders"][2] == {"n": 3, "place": {"code": "DLPW-43", "label": "สำนักงาน DLPW-43"},
                                  "again": {"label": "สำนักงาน DLPW-43"}}
    # once per object and selection: `place` and `again` select differently
    assert labels == ["DLPW-43", "DLPW-43", "SSO-10", "SSO-10"]
    assert (await _held(None, query))[2] == ["DLPW-43"] * 6 + ["SSO-10"] * 2


@pytest.mark.parametrize("query", ["{ holders { place { code broken } } }", "{ holders { place { later } } }"])
async def test_a_value_completed_with_an_error_or_later_is_completed_each_time(query: str) -> None:
    data, errors, labels = await _held(Executor, query)
    assert (data, errors) == (await _held(None, query))[:2]
    assert len(errors) == (4 if "broken" in query else 0)  # each at its own path
    assert len(labels) == (4 if "later" in query else 0)


# -- context fields of plain functions: answered without graphql-core's resolve info --------------

@strawberry.type
class Spot:
    code: str

    @context_field(description="-")
    def name(self, info: strawberry.Info) -> str:
        names: dict[str, str] = info.context["names"]
        return names[self.code]

    @context_field(description="-")
    def missing(self) -> str:
        return None  # type: ignore[return-value]  # null where none may be

    @context_field(description="-")
    def raising(self) -> str | None:
        raise RuntimeError(f"no {self.code}")

    @context_field(description="-")
    def failure(self) -> str | None:
        return Refusal(f"held {self.code}")  # type: ignore[return-value]  # an exception as the value

    @context_field(description="-")
    def later(self) -> Raw:
        return Later()  # type: ignore[return-value]  # a plain function's awaitable value

    @context_field(description="-")
    def place(self, info: strawberry.Info) -> Place:
        places: dict[str, Place] = info.context["places"]
        return places[self.code[:4]]

    @context_field(description="-")
    def nosy(self, info: strawberry.Info) -> str | None:
        return info.field_name  # more than info.context: not what a context_field may read


@strawberry.type
class Spots:
    @strawberry.field
    def spots(self) -> list[Spot]:
        return [Spot(code="DLPW-43"), Spot(code="SSO-10"), Spot(code="DLPW-10")]


async def _spotted(executor: type | None, query: str) -> tuple[Any, list[Any], list[str]]:
    schema = strawberry.Schema(query=Spots, execution_context_class=executor, config=SCALARS)
    resolve_directly(schema._schema)
    LABELS.clear()
    result = await schema.execute(query, root_value=Spots(), context_value={
        "names": {"DLPW-43": "สวัสดิการ หนองคาย", "SSO-10": "ประกันสังคม กทม.", "DLPW-10": "สวัสดิการ กทม."},
        "places": {"DLPW": Place(code="DLPW"), "SSO-": Place(code="SSO")}})
    return result.data, [(e.message, e.path) for e in result.errors or []], sorted(LABELS)


@pytest.mark.parametrize("query", [
    "{ spots { code name } }",
    "{ spots { code missing } }",
    "{ spots { code raising failure } }",
    "{ spots { later } }",
    "{ spots { place { code label } other: place { label } } }",
])
async def test_context_fields_answer_as_through_graphql_core(query: str) -> None:
    """The same data and the same errors, at the same paths, as graphql-core's own way; a value
    object met again under the same selection is completed once."""
    data, errors, labels = await _spotted(Executor, query)
    assert (data, errors) == (await _spotted(None, query))[:2]
    assert bool(errors) == any(name in query for name in ("missing", "raising"))
    if "place" in query:
        assert data["spots"][2]["place"] == {"code": "DLPW", "label": "สำนักงาน DLPW"}
        assert labels == ["DLPW", "DLPW", "SSO", "SSO"]  # once per object and selection
        assert (await _spotted(None, query))[2] == ["DLPW"] * 4 + ["SSO"] * 2
    if "later" in query:
        assert data == {"spots": [{"later": "REFERRED"}] * 3}


async def test_a_plain_context_field_builds_no_resolve_info_and_may_read_only_the_context() -> None:
    schema = strawberry.Schema(query=Spots, execution_context_class=Counting, config=SCALARS)
    resolve_directly(schema._schema)
    Counting.infos = 0
    result = await schema.execute("{ spots { code name } }", root_value=Spots(), context_value={
        "names": {"DLPW-43": "-", "SSO-10": "-", "DLPW-10": "-"}})
    assert not result.errors and Counting.infos == 1  # `spots` only
    Counting.infos = 0
    result = await schema.execute("{ spots { place { code } } }", root_value=Spots(), context_value={
        "places": {"DLPW": Place(code="DLPW"), "SSO-": Place(code="SSO")}})
    assert not result.errors and Counting.infos == 3  # `spots`, and each place the first time it is met
    result = await schema.execute("{ spots { nosy } }", root_value=Spots(), context_value={})
    assert result.data == {"spots": [{"nosy": None}] * 3}
    assert {e.message for e in result.errors or []} == {
        "a context_field reads only info.context, not info.field_name"}
    assert (await _spotted(None, "{ spots { nosy } }"))[0] == {"spots": [{"nosy": "nosy"}] * 3}


# -- siblings of a failed field: cancelled, never left unawaited -----------------------------------

@strawberry.type
class Pair:
    @context_field(description="-")
    async def left(self) -> str:
        await asyncio.sleep(0)
        return "left"

    @context_field(description="-")
    async def right(self) -> str:
        await asyncio.sleep(0)
        return "right"


@strawberry.type
class Failing:
    @strawberry.field
    async def broken(self) -> str:
        raise RuntimeError("broken")

    @strawberry.field
    async def pair(self) -> Pair:
        await asyncio.sleep(0)  # its fields begin only after `broken` failed
        return Pair()

    @strawberry.field
    async def pairs(self) -> list[Pair]:
        await asyncio.sleep(0)
        return [Pair(), Pair()]


@pytest.mark.parametrize("query", ["{ broken pair { left right } }", "{ broken pairs { left } }",
                                   "{ pair { left right } broken pairs { right } }"])
async def test_a_failed_field_cancels_its_siblings_without_leaving_a_resolver_unawaited(query: str) -> None:
    """A non-null field's error nulls its parent, and graphql-core cancels the siblings still
    running. A sibling cancelled before it had begun dropped its resolver's coroutine unawaited
    ("coroutine ... was never awaited": in production a warning in the log, in the tests an
    error). Each cancelled sibling still begins, so its resolver is awaited and cancelled."""
    schema = strawberry.Schema(query=Failing, execution_context_class=Executor)
    resolve_directly(schema._schema)
    with unawaited() as found:
        result = await schema.execute(query, root_value=Failing())
        await settle()  # the cancelled siblings finish
    assert result.data is None and [e.message for e in result.errors or []] == ["broken"]
    assert found == []
