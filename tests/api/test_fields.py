"""Fields that graphql-core resolves without strawberry's wrappers (api/fields.py): the same
answers as through strawberry, and `context_field` refused where strawberry's chain has work
of its own to do."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry.permission import BasePermission

from api.fields import context_field, resolve_directly
from api.schema import schema as khortor_schema

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
        assert fields[type_name].fields[field_name].resolve.__qualname__ == resolver  # type: ignore[union-attr]


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
