"""A document is validated once, however often it is sent (api/documents.py remembers the
result by its text); the limits still apply to documents served from that memory."""

from __future__ import annotations

import secrets
from typing import Any

import graphql
import httpx
import pytest

from api import documents
from api.schema import MAX_ALIASES, MAX_DEPTH
from tests.helpers import gql, login

CASES = "query Mine { cases(first: 5) { totalCount edges { node { id reference } } } }"


async def test_the_same_document_is_validated_once(client: httpx.AsyncClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    token = await login(client, "vol.naimueang")
    validated: list[Any] = []

    def counting(schema: Any, document: Any, rules: Any = None) -> Any:
        validated.append(document)
        return graphql.validate(schema, document, rules)

    monkeypatch.setattr(documents, "validate", counting)
    # A text no other test (or backend's run of this one) has sent: the process validates
    # each text once, whichever app asks.
    mine = CASES.replace("query Mine", f"query Mine{secrets.token_hex(4)}")
    first = await gql(client, mine, token=token)
    assert "errors" not in first
    for _ in range(3):
        again = await gql(client, mine, token=token)
        assert again == first
    assert len(validated) == 1


async def test_limits_hold_on_a_cached_document(client: httpx.AsyncClient) -> None:
    token = await login(client, "vol.naimueang")
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(MAX_ALIASES + 1)) + " }"
    shallow = "{ me { id } }"
    nested = "{ cases(first: 1) { edges { node { " + "referrals { case { " * MAX_DEPTH + "id" + " } }" * MAX_DEPTH + " } } } }"
    for _ in range(2):  # the second time from the cache
        assert "alias" in (await gql(client, aliases, token=token))["errors"][0]["message"].lower()
        assert "depth" in (await gql(client, nested, token=token))["errors"][0]["message"].lower()
        assert "errors" not in await gql(client, shallow, token=token)
