"""N+1 free: a page of 50 cases with everything a list screen shows costs as many SQL
statements as a page of 5."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from domain.cases import queries
from domain.cases.commands import CaseFilter, ReferralFilter
from domain.db import Database
from tests.api.access_helpers import Tokens
from tests.databases import statements_sent
from tests.factories import OPEN_CASE, case_input, file_case, file_cases_directly, principal
from tests.helpers import gql, login

CASES_PAGE = """
query Page($first: Int!) {
  cases(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id reference status version
        category { code nameTh nameEn }
        subdistrict { code nameTh district { code nameTh province { code nameTh } } province { code } }
        citizen { fullName nationalId phone masked }
        employer { name }
        filedBy { username displayName orgUnit { code } }
        referrals {
          id status overdue
          orgUnit { code nameTh agency { code nameTh } }
          assignedTo { username }
        }
        events { type at note actor { username role } }
      }
    }
  }
}
"""

FILED = 55  # more than the larger page


@contextmanager
def counting_statements(app: Starlette) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the block runs."""
    with statements_sent(app.state.db.engine) as statements:
        yield statements


async def _page(client: httpx.AsyncClient, app: Starlette, token: str,
                first: int, cold: bool = True) -> tuple[list[str], dict[str, Any]]:
    if cold:  # the process's reference data forgotten: the page reads what it names
        app.state.reference.clear()
        # and its signer's row, so each page reads it once (kept or not, a notice of the
        # sign-in arriving meanwhile would decide otherwise: domain/users/cache.py)
        app.state.users.clear()
    with counting_statements(app) as statements:
        body = await gql(client, CASES_PAGE, {"first": first}, token)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["cases"]
    return _without_view_log(statements), page


def _without_view_log(statements: list[str]) -> list[str]:
    """The access-log write of the citizens shown whole: at most one INSERT (and its BEGIN)
    per request, whatever the page size; whether it happens depends on the page's cases."""
    writes = [i for i, s in enumerate(statements) if s.startswith("INSERT INTO access_log")]
    assert len(writes) <= 1, writes
    drop = {i for w in writes for i in (w, w - 1) if i == w or statements[i].startswith("BEGIN")}
    return [s for i, s in enumerate(statements) if i not in drop]


@pytest.mark.parametrize("user", ["admin", "ops.nongkhai", "mentor.nongkhai"])
async def test_a_page_of_50_costs_as_many_statements_as_a_page_of_5(
    client: httpx.AsyncClient, app: Starlette, db: Database, user: str,
) -> None:
    # Every case has every relation (an accepted referral with its officer, a note), so the
    # page of 5 needs the same kinds of rows as the page of 50: a relation that happens to
    # be empty on a page costs no statement, and would make the two differ by chance.
    await file_cases_directly(db, FILED, accept_every=1, note_every=1)
    token = await Tokens(client, db)(user)
    await _page(client, app, token, 1)  # warm up: connections, caches

    small, page_of_5 = await _page(client, app, token, 5)
    large, page_of_50 = await _page(client, app, token, 50)

    assert len(page_of_5["edges"]) == 5 and len(page_of_50["edges"]) == 50
    assert page_of_50["totalCount"] == FILED and page_of_50["pageInfo"]["hasNextPage"]
    nodes = [e["node"] for e in page_of_50["edges"]]
    assert {n["category"]["code"] for n in nodes} >= {"UNPAID_WAGES", "WORK_INJURY", "JOB_SEEKING"}
    assert all(r["assignedTo"] for n in nodes for r in n["referrals"])
    assert all(n["events"][-1]["type"] == "NOTE" for n in nodes)
    assert all(n["subdistrict"]["district"]["province"]["code"] == "43" for n in nodes)
    assert small, "no statement was counted: is the listener on the app's engine?"
    assert len(large) == len(small), (
        f"{len(small)} statements for 5 cases but {len(large)} for 50:\n" + "\n".join(large))


async def test_reference_data_is_read_once_per_process(
    client: httpx.AsyncClient, app: Starlette, db: Database,
) -> None:
    """Offices, problem types, agencies and areas come from the process's cache once read:
    the same page again reads none of them, and shows the same names."""
    await file_cases_directly(db, 10, accept_every=2, note_every=3)
    token = await Tokens(client, db)("admin")
    cold, first = await _page(client, app, token, 10)
    warm, again = await _page(client, app, token, 10, cold=False)
    reference_tables = ("FROM org_unit", "FROM category", "FROM agency", "FROM area")
    assert any(t in s for s in cold for t in reference_tables), "\n".join(cold)
    assert not [s for s in warm if any(t in s for t in reference_tables)], "\n".join(warm)
    assert again == first


async def test_a_filing_reads_its_reference_data_once_per_process(
    client: httpx.AsyncClient, app: Starlette, db: Database,
) -> None:
    """The problem type, SLA policy, sub-district and routing rules of a filing come from the
    process's cache once read (on SQLite the filings' own, at the database's reference version:
    tests/api/test_reference_kept.py). The filing that read the first of them here is refused
    (a duplicate: its transaction rolls back), and the rows it kept still serve the next ones."""
    token = await login(client, "vol.naimueang")
    await file_case(client, token)
    app.state.reference.clear()
    body = await gql(client, OPEN_CASE, {"input": case_input(fileAnyway=False)}, token)
    assert body["data"]["openCase"]["code"] == "DUPLICATE_CASE", body
    await file_case(client, token, "UNPAID_WAGES", "430101", description="นายจ้างไม่จ่ายค่าล่วงเวลา")
    with counting_statements(app) as statements:
        filed = await file_case(client, token, "UNPAID_WAGES", "430101", description="ค่าจ้างงวดใหม่ยังไม่ได้รับ")
    assert filed["status"] == "ROUTED" and filed["referrals"][0]["orgUnit"]["code"] == "DLPW-43"
    reference_tables = ("FROM category", "FROM sla_policy", "FROM area", "FROM routing_rule")
    read = {t for s in statements for t in reference_tables if t in s}
    assert statements and read == set(), "\n".join(statements)


COUNTED_CASES = """
query Counted($first: Int!, $after: String) {
  cases(first: $first, after: $after) { ...Told pageInfo { endCursor } edges { node { id } } }
}
fragment Told on CaseConnection { totalCount }
"""

COUNTED_REFERRALS = """
query Queue($first: Int!, $after: String) {
  referrals(first: $first, after: $after) { totalCount pageInfo { endCursor } edges { node { id } } }
}
"""


async def test_a_short_lists_total_is_counted_in_the_pages_own_statement(
    client: httpx.AsyncClient, app: Starlette, db: Database,
) -> None:
    """`totalCount` of a volunteer's or an officer's list (their own cases, their office's
    queue) is a count in the page's statement, not a statement of its own: a case list's first
    page, any page of referrals. Later pages of cases, a page of referrals past the end, and the
    lists of wider scopes are counted apart. The counts are the same either way."""
    await file_cases_directly(db, 14, accept_every=2, note_every=7)
    volunteer, officer = await principal(db, "vol.naimueang"), await principal(db, "dlpw.nongkhai")
    cases_told = await queries.count_cases(db.read_sessions, volunteer, CaseFilter())
    referrals_told = await queries.count_referrals(db.read_sessions, officer, ReferralFilter(), datetime.now(UTC))
    assert cases_told > 3 and referrals_told > 2  # more than a page: the page's length is not the count
    tokens = Tokens(client, db)
    token = await tokens("vol.naimueang")
    await gql(client, COUNTED_CASES, {"first": 3}, token)  # warm up: connections, caches

    def counts(statements: list[str]) -> tuple[int, int]:
        alone = [s for s in statements if s.lstrip().startswith("SELECT count(*)")]
        with_page = [s for s in statements if "count(*)" in s and s not in alone]
        return len(with_page), len(alone)

    with counting_statements(app) as statements:
        first = await gql(client, COUNTED_CASES, {"first": 3}, token)
    assert first["data"]["cases"]["totalCount"] == cases_told and len(first["data"]["cases"]["edges"]) == 3
    assert counts(statements) == (1, 0), statements
    cursor = first["data"]["cases"]["pageInfo"]["endCursor"]
    with counting_statements(app) as statements:
        second = await gql(client, COUNTED_CASES, {"first": 3, "after": cursor}, token)
    assert second["data"]["cases"]["totalCount"] == cases_told and second["data"]["cases"]["edges"]
    assert counts(statements) == (0, 1), statements
    with counting_statements(app) as statements:  # asked for in an inline fragment: as in a named one
        inline = await gql(client, "query { cases(first: 3) { ... on CaseConnection { totalCount } "
                                   "edges { node { id } } } }", None, token)
    assert inline["data"]["cases"]["totalCount"] == cases_told and counts(statements) == (1, 0), statements
    with counting_statements(app) as statements:  # not asked for: not counted
        body = await gql(client, "query { cases(first: 3) { edges { node { id } } } }", None, token)
    assert len(body["data"]["cases"]["edges"]) == 3 and counts(statements) == (0, 0), statements
    with counting_statements(app) as statements:  # the whole country's list: counted apart
        everything = await gql(client, COUNTED_CASES, {"first": 3}, await tokens("admin"))
    assert everything["data"]["cases"]["totalCount"] == 14 and counts(statements) == (0, 1), statements

    token = await tokens("dlpw.nongkhai")
    with counting_statements(app) as statements:
        queue = await gql(client, COUNTED_REFERRALS, {"first": 2}, token)
    assert queue["data"]["referrals"]["totalCount"] == referrals_told and counts(statements) == (1, 0), statements
    cursor, pages = queue["data"]["referrals"]["pageInfo"]["endCursor"], 1
    while True:  # to the page past the end
        with counting_statements(app) as statements:
            page = await gql(client, COUNTED_REFERRALS, {"first": 2, "after": cursor}, token)
        assert page["data"]["referrals"]["totalCount"] == referrals_told, page
        if not page["data"]["referrals"]["edges"]:
            assert counts(statements) == (1, 1), statements  # the empty page, then the count apart
            break
        assert counts(statements) == (1, 0), statements
        cursor, pages = page["data"]["referrals"]["pageInfo"]["endCursor"], pages + 1
    assert pages == (referrals_told + 1) // 2
