"""A volunteer's list of cases: the cases they filed and the cases other volunteers shared with
the volunteers of their sub-district, newest first (received, then id), page after page, with
the count of them all; never another's unshared case, nor one shared in another sub-district.
The page reads each of the two in its own index's order (domain/cases/repository.py
`_cases_page`), so this checks the merge: instants shared by both, the cursor across pages, a
filter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain.cases import filing
from domain.cases.commands import CitizenDetails, OpenCase
from domain.db import Database
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.factories import CAL, national_id, principal
from tests.helpers import gql, login

PAGE = """query($first: Int!, $after: String, $filter: CaseFilterInput) {
  cases(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id category { code } } } } }"""


async def _file(db: Database, username: str, subdistrict: str, shared: bool, at: datetime,
                category: str = "UNPAID_WAGES") -> tuple[str, datetime]:
    volunteer = await principal(db, username)
    command = OpenCase(client_id=uuid.uuid4(), category_code=category, subdistrict_code=subdistrict,
                       description="นายจ้างค้างจ่ายค่าจ้าง", shared_with_volunteers=shared, file_anyway=True,
                       citizen=CitizenDetails(full_name="สมชาย ทดสอบ", national_id=national_id("110170020345"),
                                              phone=None, consent=True))
    async with UnitOfWork(db) as uow:
        case = await filing.open_case(uow, volunteer, command, at, CAL, Settings().vault)
    return str(case.id), at


async def _pages(client: httpx.AsyncClient, token: str, first: int,
                 filter_: dict[str, Any] | None = None) -> tuple[list[str], set[int]]:
    """Every page's case ids in order, and the totalCount each page gave."""
    ids: list[str] = []
    totals: set[int] = set()
    after = None
    for _ in range(100):  # a cursor that does not move on fails, not loops
        body = await gql(client, PAGE, {"first": first, "after": after, "filter": filter_}, token)
        assert "errors" not in body, body
        page = body["data"]["cases"]
        totals.add(page["totalCount"])
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, totals
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"still more after 100 pages of {first}")


async def test_a_volunteers_list_holds_their_cases_and_those_shared_in_their_subdistrict_newest_first(
    client: httpx.AsyncClient, db: Database,
) -> None:
    start = datetime.now(UTC) - timedelta(days=3)
    seen: list[tuple[str, datetime, str]] = []  # what vol.naimueang (sub-district 430101) may see
    michais: set[str] = set()  # what vol.michai (430102) filed
    for i in range(9):
        at = start + timedelta(minutes=10 * (i // 2))  # two rounds at each instant
        category = "UNPAID_WAGES" if i % 2 else "UNFAIR_DISMISSAL"
        own, _ = await _file(db, "vol.naimueang", "430101", shared=i % 3 == 0, at=at)
        seen.append((own, at, "UNPAID_WAGES"))
        shared, _ = await _file(db, "vol.michai", "430101", shared=True, at=at, category=category)
        seen.append((shared, at, category))
        michais |= {shared, (await _file(db, "vol.michai", "430101", shared=False, at=at))[0],
                    (await _file(db, "vol.michai", "430102", shared=True, at=at))[0]}
    newest_first = [case_id for case_id, _, _ in sorted(seen, key=lambda s: (s[1], uuid.UUID(s[0])), reverse=True)]

    token = await login(client, "vol.naimueang")
    for first in (1, 4, 7, 50):
        ids, totals = await _pages(client, token, first)
        assert ids == newest_first, first
        assert totals == {len(seen)}

    wages = {case_id for case_id, _, category in seen if category == "UNPAID_WAGES"}
    ids, totals = await _pages(client, token, 4, {"categoryCode": ["UNPAID_WAGES"]})
    assert ids == [case_id for case_id in newest_first if case_id in wages] and totals == {len(wages)}

    # vol.michai's sub-district (430102) has nothing shared by others: their own cases alone
    ids, totals = await _pages(client, await login(client, "vol.michai"), 5)
    assert set(ids) == michais and len(ids) == 27 and totals == {27}
