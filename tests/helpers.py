"""Helpers for tests that talk to the app over HTTP, as a client would."""

from __future__ import annotations

from typing import Any

import httpx

from domain.demo import DEMO_PASSWORD

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on LoginSuccess { token }
    ... on UserError { message code }
  }
}
"""


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    *,
    expect_status: int = 200,
) -> dict[str, Any]:
    """POST a GraphQL request as JSON; the parsed body (with `data` and/or `errors`)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    response = await client.post("/graphql", json=payload, headers=headers)
    assert response.status_code == expect_status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in and return the bearer token; fails the test when sign-in fails."""
    body = await gql(client, LOGIN, {"username": username, "password": password})
    assert "errors" not in body, body
    result = body["data"]["login"]
    assert result["__typename"] == "LoginSuccess", result
    token: str = result["token"]
    return token
