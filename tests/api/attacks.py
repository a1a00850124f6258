"""Attacks on the API over HTTP and the judge of their answers (tests/api/test_malformed_input.py).

An attack is one raw request body and what a correct answer looks like; the test module's
`send` posts it and captures the log lines it caused; `judge` says what is wrong with the
answer, if anything; `run` sends a list of attacks and fails naming every wrong answer.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from domain.db import Database
from tests.api.access_helpers import row_counts

MASKED = "Unexpected error."


@dataclass
class Attack:
    """One request and what a correct answer to it looks like."""

    name: str
    body: bytes
    expect: str  # "400", "bad_input", "user_error" (a ValidationError member) or "graphql_error"
    who: str = "admin"
    text: str = ""  # in the 400 body or the error message (case-insensitive)


def as_json(query: str, variables: dict[str, Any] | None = None) -> bytes:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return json.dumps(payload).encode()  # ensure_ascii: "\ud800" travels as a JSON escape


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@dataclass
class Answer:
    response: httpx.Response | None
    crash: str = ""
    logs: list[str] = field(default_factory=list)


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """Log records that carry a traceback or span several lines."""
    found = []
    for record in records:
        message = record.getMessage()
        if record.exc_info or record.stack_info or "\n" in message or "Traceback" in message:
            found.append(f"{record.name}: {message[:200]!r}")
    return found


def judge(attack: Attack, answer: Answer) -> str | None:
    """What is wrong with the answer to the attack; None when it is right."""
    if answer.logs:
        return f"a traceback in the log: {answer.logs}"
    response = answer.response
    if response is None:
        return f"the app crashed (HTTP 500): {answer.crash}"
    if response.status_code >= 500:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if attack.expect == "400":
        if response.status_code != 400:
            return f"expected 400, got {response.status_code}: {response.text[:200]}"
        return _missing(attack.text, response.text)
    if response.status_code != 200:
        return f"expected a GraphQL answer, got {response.status_code}: {response.text[:200]}"
    body = response.json()
    errors = body.get("errors") or []
    if any(e.get("message") == MASKED for e in errors):
        return f"a masked error (a bug, not a clear message): {errors}"
    if attack.expect == "user_error":
        if errors:
            return f"expected a ValidationError member, got top-level errors: {errors}"
        (result,) = body["data"].values()
        if result.get("__typename") != "ValidationError" or not result.get("messageTh"):
            return f"expected a ValidationError in Thai and English, got {result}"
        return _missing(attack.text, result["message"])
    if not errors:
        return f"expected an error, got {body}"
    if any(v is not None for v in (body.get("data") or {}).values()):
        return f"an error, but data came back too: {body}"
    if attack.expect == "bad_input":
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        if codes != {"BAD_USER_INPUT"}:
            return f"expected BAD_USER_INPUT, got {errors}"
        if not all((e.get("extensions") or {}).get("messageTh") for e in errors):
            return f"no Thai message: {errors}"
    elif any("path" in e for e in errors):  # graphql_error: about the document, before execution
        return f"expected a validation error about the document, got {errors}"
    return _missing(attack.text, " ".join(e["message"] for e in errors))


def _missing(expected: str, text: str) -> str | None:
    return None if expected.lower() in text.lower() else f"{expected!r} not in {text[:300]!r}"


async def run(send: Callable[[bytes, str | None], Any], db: Database,
              attacks: list[Attack]) -> None:
    """Every attack, then one failure naming each that was answered wrongly."""
    before = await row_counts(db)
    problems = []
    for attack in attacks:
        problem = judge(attack, await send(attack.body, attack.who))
        if problem is not None:
            problems.append(f"{attack.name}: {problem}")
    assert not problems, "\n".join(problems)
    assert await row_counts(db) == before, "an attack wrote cases, referrals or history"
