"""After a whole case lifecycle through a real `khortor serve`, the citizen's name, national ID
and phone appear in plain text neither in the database (the SQLite file with its journal, or a
`pg_dump` of the PostgreSQL database) nor in the server's log (issue 6)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url

from tests.api.cases_api import (ACCEPT_REFERRAL, CLOSE_CASE, COMPLETE_REFERRAL, HOLD_REFERRAL,
                                 OPEN_CASE, RECORD_SATISFACTION, RESUME_REFERRAL)
from tests.api.test_privacy import EXPORT, LOOKUP, REVEAL
from tests.databases import BACKENDS, fresh_database
from tests.helpers import LOGIN
from tests.servers import khortor_env, khortor_server

NAME = "นางสาวพิมพ์ใจ ลับเฉพาะ"
NATIONAL_ID = "3401200456786"
PHONE = "0867654321"
PLAIN = [NAME.encode(), NATIONAL_ID.encode(), b"3-4012-00456-78-6", PHONE.encode(),
         b"+66867654321", b"867654321", "พิมพ์ใจ".encode(), "ลับเฉพาะ".encode()]


@pytest.fixture(params=BACKENDS)
async def served(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str, Path]]:
    """(base URL, database URL, log file) of a fresh `khortor serve` with the demo users."""
    async with fresh_database(request.param, tmp_path) as url:
        env = khortor_env(url, KHORTOR_WEB_DIST=str(tmp_path / "no-web"), KHORTOR_SWEEP_SECONDS="1",
                          KHORTOR_RELAY_SECONDS="0.5")
        with khortor_server(env, tmp_path / "server.log") as base:
            yield base, url, tmp_path / "server.log"


class Session:
    def __init__(self, http: httpx.Client, username: str) -> None:
        self.http = http
        body = http.post("/graphql", json={"query": LOGIN, "variables": {
            "username": username, "password": "khortor-demo"}}).json()
        self.token = body["data"]["login"]["token"]

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.http.post("/graphql", json={"query": query, "variables": variables},
                              headers={"Authorization": f"Bearer {self.token}"}).json()
        assert "errors" not in body, body
        (result,) = body["data"].values()
        return result  # type: ignore[no-any-return]


def _lifecycle(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        volunteer, officer, admin = (Session(http, u) for u in ("vol.naimueang", "dlpw.nongkhai", "admin"))
        case = volunteer(OPEN_CASE, input={
            "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101",
            "description": "นายจ้างค้างจ่ายค่าจ้างสองเดือน",
            "citizen": {"fullName": NAME, "nationalId": NATIONAL_ID, "phone": PHONE, "consent": True,
                        "contactPreference": "PHONE"}})["case"]
        assert volunteer(REVEAL, case=case["id"], reason="ยืนยันตัวตน")["citizen"]["phone"] == "+66867654321"
        (referral,) = case["referrals"]
        version = officer(ACCEPT_REFERRAL, referralId=referral["id"])["referral"]["version"]
        assert officer(REVEAL, case=case["id"], reason="โทรนัดหมาย")["citizen"]["nationalId"] == "3-4012-00456-78-6"
        version = officer(HOLD_REFERRAL, referralId=referral["id"], expectedVersion=version,
                          reason="รอเอกสารจากนายจ้าง")["referral"]["version"]
        version = officer(RESUME_REFERRAL, referralId=referral["id"], expectedVersion=version)["referral"]["version"]
        officer(COMPLETE_REFERRAL, referralId=referral["id"], expectedVersion=version,
                outcome="RESOLVED", note="นายจ้างจ่ายครบ", amountRecoveredThb="24000.00")
        assert officer(LOOKUP, id=NATIONAL_ID)["cases"][0]["id"] == case["id"]
        volunteer(RECORD_SATISFACTION, caseId=case["id"], score=5)
        volunteer(CLOSE_CASE, caseId=case["id"])
        exported = admin(EXPORT, id=NATIONAL_ID)["data"]
        assert exported["cases"][0]["citizen"]["fullName"] == NAME
        failed = volunteer(OPEN_CASE, input={  # a bad phone: the error must not echo it
            "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101", "description": "ทดสอบ",
            "citizen": {"fullName": NAME, "nationalId": NATIONAL_ID, "phone": "08676543", "consent": True}})
        assert failed["__typename"] == "ValidationError" and PHONE not in str(failed)
    time.sleep(2.5)  # a few embedded sweeps and relays, whose lines the log must hold too


def _database_bytes(url: str, tmp: Path) -> bytes:
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    target = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(["pg_dump", "--data-only", "--dbname", target], check=True,
                          capture_output=True)
    return dump.stdout


def test_no_personal_data_in_plain_text_in_the_database_or_the_log(
        served: tuple[str, str, Path], tmp_path: Path) -> None:
    base, url, log_path = served
    _lifecycle(base)
    stored = _database_bytes(url, tmp_path)
    assert b"UNPAID_WAGES" in stored and "นายจ้างค้างจ่ายค่าจ้างสองเดือน".encode() in stored  # it is all there
    for plain in PLAIN:
        assert plain not in stored, plain.decode()
    log = log_path.read_bytes()
    assert b'"request_id"' in log  # the server did log the lifecycle
    for plain in PLAIN:
        assert plain not in log, plain.decode()
