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

from domain.cases import filing, repository
from domain.cases.commands import CaseFilter, CitizenDetails, OpenCase
from domain.cases.models import Case
from domain.cases.state import CaseStatus
from domain.db import Database
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.factories import CAL, national_id, principal
from tests.helpers import gql, login

PAGE = """query($first: Int!, $after: String, $filter: CaseFilterInput) {
  cases(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id category { code } } } } }"""


async def _file(db: Database, username: str, subdistrict: str, shared: bool, at: datetime,
                category: str = "UNPAID_WAGES", description: str = "นายจ้างค้างจ่ายค่าจ้าง") -> tuple[str, datetime]:
    volunteer = await principal(db, username)
    command = OpenCase(client_id=uuid.uuid4(), category_code=category, subdistrict_code=subdistrict,
                       description=description, shared_with_volunteers=shared, file_anyway=True,
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


FILTERS = [CaseFilter(), CaseFilter(category_codes=("UNPAID_WAGES",)), CaseFilter(filed_by_me=True),
           CaseFilter(text="ล่วงเวลา"), CaseFilter(area_code="4301"), CaseFilter(area_code="430101"),
           CaseFilter(org_unit_code="SSO-43"), CaseFilter(statuses=(CaseStatus.ROUTED,)),
           CaseFilter(statuses=(CaseStatus.CLOSED,)), CaseFilter(category_codes=("WORK_INJURY",), filed_by_me=True)]


async def test_every_filter_pages_a_volunteers_list_as_one_condition_would(db: Database) -> None:
    """The two arms, merged page by page (cursor 3 by 3), give what the volunteer's visibility
    as one condition (`repository.visibility`: own OR shared in their area) with the same filter
    gives, newest first, for every kind of filter."""
    start = datetime.now(UTC) - timedelta(days=2)
    for i in range(8):
        at = start + timedelta(minutes=5 * (i // 3))
        category = ("UNPAID_WAGES", "WORK_INJURY", "UNFAIR_DISMISSAL")[i % 3]
        await _file(db, "vol.naimueang", "430101", shared=i % 4 == 0, at=at, category=category,
                    description="ไม่จ่ายค่าล่วงเวลา" if i % 2 else "นายจ้างค้างจ่ายค่าจ้าง")
        await _file(db, "vol.michai", "430101", shared=i % 2 == 0, at=at, category=category,
                    description="ไม่จ่ายค่าล่วงเวลา" if i % 3 else "นายจ้างค้างจ่ายค่าจ้าง")
        await _file(db, "vol.michai", "430102", shared=True, at=at, category=category)
    volunteer = await principal(db, "vol.naimueang")
    sizes = []
    for f in FILTERS:
        async with db.read_sessions() as session:
            expected = (await session.execute(
                repository.filtered(repository.visible_to(volunteer), f, volunteer)
                .order_by(Case.received_at.desc(), Case.id.desc()))).scalars().all()  # type: ignore[attr-defined]
            pages: list[Case] = []
            after = None
            for _ in range(50):
                rows, more = await repository.list_cases(session, volunteer, f, 3, after)
                pages += rows
                if not more:
                    break
                after = (rows[-1].received_at, rows[-1].id)
            _, _, counted = await repository.first_cases_counted(session, volunteer, f, 3)
        assert [c.id for c in pages] == [c.id for c in expected], f
        assert counted == len(expected), f
        sizes.append(len(expected))
    # 8 own and 4 shared by the other in 430101; every filter but CLOSED finds some
    assert sizes[0] == 12 and all(sizes[:8]) and sizes[8] == 0 and sizes[9] > 0, sizes
