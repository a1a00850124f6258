"""Helpers for the access, bad-input and query-count tests: signed-in users, snapshots that
show whether anything changed. Citizens, extra users and cases come from tests/factories.py.

Everything goes over HTTP as a client would, except creating extra users (no mutation for
that yet) and bulk filing (`tests.factories.file_cases_directly`).
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from domain.cases.models import Case as CaseRow
from domain.cases.models import CaseEvent as CaseEventRow
from domain.cases.models import Referral as ReferralRow
from domain.db import Database
from tests.factories import EXTRA_USERS, ensure_user
from tests.helpers import gql, login

# tests.factories.NATIONAL_ID, written whole and masked
NATIONAL_ID_WHOLE = "1-1017-00207-36-6"
NATIONAL_ID_MASKED = "x-xxxx-xxxxx-36-6"

FILER = "vol.naimueang"  # files every case in these tests, in sub-district 430101


class Tokens:
    """Bearer tokens by username, signing in once per user per test database.

    Tokens stay valid across tests (same secret, demo users are kept), and argon2 makes
    every sign-in cost tens of milliseconds; extra users are made and signed in afresh.
    """

    _cache: dict[tuple[str, str], str] = {}

    def __init__(self, client: httpx.AsyncClient, db: Database) -> None:
        self.client, self.db = client, db

    async def __call__(self, username: str) -> str:
        if username in EXTRA_USERS:
            await ensure_user(self.db, username)
            return await login(self.client, username)
        key = (self.db.url, username)
        if key not in self._cache:
            self._cache[key] = await login(self.client, username)
        return self._cache[key]


CASE_SNAPSHOT = """
query Snapshot($id: ID!) {
  case(id: $id) {
    status version satisfaction closedAt
    events { id type }
    referrals { id status version current reason orgUnit { code } }
  }
}
"""


async def snapshot(client: httpx.AsyncClient, admin_token: str, case_id: str) -> dict[str, Any]:
    """Everything a change would touch, read by the admin (who sees every case whole)."""
    body = await gql(client, CASE_SNAPSHOT, {"id": case_id}, admin_token)
    assert "errors" not in body, body
    case: dict[str, Any] | None = body["data"]["case"]
    assert case is not None, f"the admin cannot see case {case_id}"
    return case


async def row_counts(db: Database) -> tuple[int, int, int]:
    """(cases, referrals, events) in the database."""
    async with db.read_sessions() as session:
        counts = []
        for model in (CaseRow, ReferralRow, CaseEventRow):
            stmt = select(func.count()).select_from(model)
            counts.append(int((await session.execute(stmt)).scalar_one()))
    return counts[0], counts[1], counts[2]
