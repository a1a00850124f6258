"""An office's desk table (issue 12): its referrals narrowed by problem type, district or
sub-district, escalation, "assigned to me" or unassigned, and text; sorted by deadline, age or
escalation; only what the officer may see either way."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import update

from domain.cases.models import Referral
from domain.db import Database
from tests.api.cases_api import ACCEPT_REFERRAL, current_referral, open_case, sign_in, succeeded
from tests.helpers import gql

DESK = """
query($f: ReferralFilterInput, $after: String) {
  referrals(filter: $f, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id case { reference } } }
  }
}
"""


async def test_the_desk_filters_and_sorts_the_office_referrals(client: httpx.AsyncClient,
                                                               db: Database) -> None:
    naimueang, michai = await sign_in(client, "vol.naimueang"), await sign_in(client, "vol.michai")
    officer = await sign_in(client, "dlpw.nongkhai")
    cases = {
        "A": await open_case(naimueang, "UNPAID_WAGES", "430101"),
        "B": await open_case(michai, "UNFAIR_DISMISSAL", "430102"),
        "C": await open_case(michai, "UNPAID_WAGES", "430102"),
        "D": await open_case(naimueang, "WORK_INJURY", "430101"),  # SSO-43's, not this desk's
    }
    ids = {k: current_referral(c, "DLPW-43")["id"] for k, c in cases.items() if k != "D"}
    succeeded(await officer.mutate(ACCEPT_REFERRAL, referralId=ids["A"]), "AcceptReferralSuccess")
    async with db.write_sessions() as session, session.begin():  # C's deadline long passed
        await session.execute(update(Referral).where(Referral.case_id == uuid.UUID(cases["C"]["id"]))
                              .values(escalation_level=2, next_due_at=datetime(2026, 1, 5, tzinfo=UTC)))
    name = {c["reference"]: k for k, c in cases.items()}

    async def desk(**f: Any) -> list[str]:
        found, after = [], None
        while True:  # through every page, two at a time
            body = await gql(client, DESK, {"f": {"orgUnitCode": "DLPW-43", **f}, "after": after},
                             officer.token)
            assert "errors" not in body, body
            page = body["data"]["referrals"]
            found += [name[e["node"]["case"]["reference"]] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                assert page["totalCount"] == len(found)
                return found
            after = page["pageInfo"]["endCursor"]

    assert sorted(await desk()) == ["A", "B", "C"]
    assert await desk(assignedToMe=True) == ["A"]
    assert sorted(await desk(unassigned=True)) == ["B", "C"]
    assert await desk(categoryCode=["UNFAIR_DISMISSAL"]) == ["B"]
    assert sorted(await desk(subdistrictCode="430102")) == ["B", "C"]
    assert sorted(await desk(districtCode="4301")) == ["A", "B", "C"]
    assert await desk(escalated=True) == ["C"]
    assert await desk(overdue=True) == ["C"]
    assert sorted(await desk(overdue=False)) == ["A", "B"]
    assert sorted(await desk(overdue=True, escalated=False)) == []
    assert sorted(await desk(escalated=False)) == ["A", "B"]
    assert await desk(text=cases["A"]["reference"]) == ["A"]
    assert await desk(text="100%_") == []  # wildcards are text
    assert await desk(sort="NEWEST") == ["C", "B", "A"]
    assert await desk(sort="OLDEST") == ["A", "B", "C"]
    assert (await desk(sort="ESCALATION"))[0] == "C"
    # Another office's officer sees none of them, whatever the filter.
    sso = await sign_in(client, "sso.nongkhai")
    body = await gql(client, DESK, {"f": {"orgUnitCode": "DLPW-43", "sort": "NEWEST"}}, sso.token)
    assert body["data"]["referrals"]["totalCount"] == 0
