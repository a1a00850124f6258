"""The log of a real `khortor serve` (uvicorn) process: every line is JSON, request lines carry
their request id, and no national ID, phone number or token reaches it (issue 6)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.cases_api import OPEN_CASE
from tests.helpers import LOGIN
from tests.servers import khortor_env, khortor_server

SECRETS = ("1101700230705", "1-1017-00230-70-5", "1101700230706", "0812345678", "081-234-5678",
           "+66812345678", "66812345678")
ACCESS_KEYS = {"event", "method", "path", "status", "duration_ms", "request_id", "logger", "level",
               "timestamp"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`khortor seed-demo`, then `khortor serve` on a free loopback port; its output in a file."""
    tmp = tmp_path_factory.mktemp("logs-e2e")
    env = khortor_env(f"sqlite+aiosqlite:///{tmp / 'khortor.db'}",
                      KHORTOR_WEB_DIST=str(tmp / "no-web-client"), KHORTOR_SWEEP_SECONDS="3600")
    with khortor_server(env, tmp / "server.log") as base:
        yield base, tmp / "server.log"


def _requests(base: str) -> dict[str, httpx.Response]:
    """Requests full of personal data, each with a request id of ours."""
    answers: dict[str, httpx.Response] = {}
    with httpx.Client(base_url=base, timeout=30) as http:
        def post(rid: str, query: str, variables: dict[str, object], token: str | None = None) -> None:
            headers = {"X-Request-ID": rid, **({"Authorization": f"Bearer {token}"} if token else {})}
            answers[rid] = http.post("/graphql", json={"query": query, "variables": variables},
                                     headers=headers)

        post("e2e-login-nid", LOGIN, {"username": "1-1017-00230-70-5", "password": "0812345678"})
        post("e2e-login", LOGIN, {"username": "vol.naimueang", "password": "khortor-demo"})
        token = answers["e2e-login"].json()["data"]["login"]["token"]
        post("e2e-open-bad", OPEN_CASE, {"input": {
            "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101",
            "description": "นายจ้างค้างจ่ายค่าจ้าง โทร 081-234-5678 เลขบัตร 1101700230705",
            "citizen": {"fullName": "สมชาย ทดสอบ", "nationalId": "1101700230706",
                        "phone": "+66812345678", "consent": True}}}, token)
        answers["e2e-path"] = http.get("/cases/1101700230705?phone=0812345678",
                                       headers={"X-Request-ID": "e2e-path"})
        answers["nid-as-id"] = http.get("/healthz", headers={"X-Request-ID": "1101700230705"})
        answers["e2e-413"] = http.post("/graphql", content=b"{" + b" " * 300_000 + b"}",
                                       headers={"content-type": "application/json",
                                                "X-Request-ID": "e2e-413"})
    return answers


def test_every_line_is_json_with_request_ids_and_no_personal_data(server: tuple[str, Path]) -> None:
    base, log_path = server
    answers = _requests(base)
    assert answers["e2e-login-nid"].json()["data"]["login"]["code"] == "INVALID_CREDENTIALS"
    assert answers["e2e-open-bad"].json()["data"]["openCase"]["__typename"] == "ValidationError"
    assert (answers["e2e-path"].status_code, answers["e2e-413"].status_code) == (404, 413)
    replaced = answers["nid-as-id"].headers["x-request-id"]
    assert replaced != "1101700230705" and len(replaced) == 32

    time.sleep(0.5)  # the access line is written after the response
    text = log_path.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text, secret
    assert "Bearer" not in text and "eyJ" not in text and "?phone" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # uvicorn's own, as JSON
    access = [line for line in lines if line["logger"] == "khortor.access"]
    assert all(set(line) == ACCESS_KEYS and line["event"] == "request" for line in access)
    by_id = {line["request_id"]: line for line in access}
    for rid, answer in answers.items():
        rid = answer.headers["x-request-id"]
        assert rid in by_id, rid
        assert by_id[rid]["status"] == answer.status_code
        assert by_id[rid]["duration_ms"] >= 0
    assert by_id["e2e-path"]["path"] == "/cases/[redacted]"
    assert (by_id["e2e-login"]["method"], by_id["e2e-login"]["path"]) == ("POST", "/graphql")
    for line in lines:
        assert str(line["timestamp"]).endswith("Z") and line["level"] in {"debug", "info", "warning",
                                                                          "error", "critical"}
