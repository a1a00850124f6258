"""A document is validated once, however often it is sent: the validation cache must hit
(it keys on the rule classes, so limits built per request would make every request a miss).
The limits still apply to documents served from the cache."""

from __future__ import annotations

import httpx
from strawberry.extensions.validation_cache import _get_validate_cache

from api.schema import MAX_ALIASES, MAX_DEPTH, VALIDATION_CACHE_SIZE
from tests.helpers import gql, login

CASES = "query Mine { cases(first: 5) { totalCount edges { node { id reference } } } }"


async def test_the_same_document_is_validated_once(client: httpx.AsyncClient) -> None:
    token = await login(client, "vol.naimueang")
    cache = _get_validate_cache(VALIDATION_CACHE_SIZE)
    first = await gql(client, CASES, token=token)
    assert "errors" not in first
    before = cache.cache_info()
    for _ in range(3):
        again = await gql(client, CASES, token=token)
        assert again == first
    after = cache.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 3


async def test_limits_hold_on_a_cached_document(client: httpx.AsyncClient) -> None:
    token = await login(client, "vol.naimueang")
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(MAX_ALIASES + 1)) + " }"
    shallow = "{ me { id } }"
    nested = "{ cases(first: 1) { edges { node { " + "referrals { case { " * MAX_DEPTH + "id" + " } }" * MAX_DEPTH + " } } } }"
    for _ in range(2):  # the second time from the cache
        assert "alias" in (await gql(client, aliases, token=token))["errors"][0]["message"].lower()
        assert "depth" in (await gql(client, nested, token=token))["errors"][0]["message"].lower()
        assert "errors" not in await gql(client, shallow, token=token)
