"""Issue 12, item 1 in the browser: the volunteer hears each thing an office does to their
case (accepted, on hold with the reason to relay, resumed, completed with the amount,
redirected, declined), one notification each, and each opens the case."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import Api, axe_violations
from tests.web.test_e2e import OPEN_CASE, sign_in

HOLD_REASON = "รอสำเนาสลิปเงินเดือนจากผู้ขอรับบริการ"
STEPS = {
    "accept": "mutation($id: ID!) { acceptReferral(referralId: $id) { __typename } }",
    "hold": """mutation($id: ID!) { holdReferral(referralId: $id, reason: "รอสำเนาสลิปเงินเดือนจากผู้ขอรับบริการ")
               { __typename } }""",
    "resume": "mutation($id: ID!) { resumeReferral(referralId: $id) { __typename } }",
    "complete": """mutation($id: ID!) { completeReferral(referralId: $id, outcome: RESOLVED,
                   amountRecoveredThb: "7500") { __typename } }""",
    "redirect": """mutation($id: ID!) { redirectReferral(referralId: $id, orgUnitCode: "DOE-43",
                   reason: "ส่งต่อหน่วยงานอื่น: หางานทำ") { __typename } }""",
    "reject": """mutation($id: ID!) { rejectReferral(referralId: $id, reason: "ไม่ใช่เรื่องของหน่วยงานนี้")
                 { __typename } }""",
}
CURRENT = "query($id: ID!) { case(id: $id) { referrals { id current orgUnit { code } } } }"
INBOX = "{ notifications(first: 50) { edges { node { kind subject caseId } } } }"
SAID = {  # what the inbox shows of each (the body), by what the office did
    "accept": "รับเรื่องแล้ว", "hold": "พักเรื่องไว้: " + HOLD_REASON, "resume": "ดำเนินการต่อแล้ว",
    "complete": "ดำเนินการเสร็จแล้ว", "redirect": "ส่งต่อเรื่องไปยัง", "reject": "ไม่รับเรื่อง",
}
TOLD = {  # subject of each CASE_UPDATE, by what the office did
    "accept": "รับเรื่องแล้ว", "hold": "รอข้อมูลจากผู้ขอรับบริการ", "resume": "ดำเนินการต่อ",
    "complete": "ดำเนินการเสร็จแล้ว", "redirect": "ส่งต่อหน่วยงานอื่น", "reject": "หน่วยงานไม่รับเรื่อง",
}


def _do(api: Api, step: str, referral_id: str) -> None:
    answer = next(iter(api.run(STEPS[step], id=referral_id).values()))
    assert answer["__typename"].endswith("Success"), (step, answer)


def _file(base: str, description: str) -> dict[str, Any]:
    opened = Api(base, "vol.naimueang").run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101", "description": description,
        "citizen": {"fullName": "นายแจ้ง ความคืบหน้า", "consent": True}})["openCase"]
    assert opened["__typename"] == "OpenCaseSuccess", opened
    case: dict[str, Any] = opened["case"]
    return case


def test_the_volunteer_is_told_each_step_an_office_takes(live_server: str, new_context: Any,
                                                         shots: Any) -> None:
    dlpw, doe = Api(live_server, "dlpw.nongkhai"), Api(live_server, "doe.nongkhai")
    worked = _file(live_server, "ทดสอบแจ้งความคืบหน้าทุกขั้นตอน")
    for step in ("accept", "hold", "resume", "complete"):
        _do(dlpw, step, worked["referrals"][0]["id"])
    moved = _file(live_server, "ทดสอบแจ้งการส่งต่อและไม่รับเรื่อง")
    _do(dlpw, "redirect", moved["referrals"][0]["id"])
    (now_at_doe,) = [r for r in dlpw.run(CURRENT, id=moved["id"])["case"]["referrals"]
                     if r["current"] and r["orgUnit"]["code"] == "DOE-43"]
    _do(doe, "reject", now_at_doe["id"])

    volunteer = Api(live_server, "vol.naimueang")
    expected = {(worked["reference"], TOLD[s]) for s in ("accept", "hold", "resume", "complete")}
    expected |= {(moved["reference"], TOLD[s]) for s in ("redirect", "reject")}
    deadline = time.monotonic() + 30
    while True:  # the embedded worker runs one job per history entry
        told = [n["node"] for n in volunteer.run(INBOX)["notifications"]["edges"]
                if n["node"]["kind"] == "CASE_UPDATE"
                and n["node"]["caseId"] in (worked["id"], moved["id"])]
        found = {(ref, said) for ref in (worked["reference"], moved["reference"]) for said in TOLD.values()
                 if any(ref in n["subject"] and f": {said} /" in n["subject"] for n in told)}
        if found >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert found == expected, sorted(expected - found)
    assert len(told) == len(expected)  # one each, none twice

    page = new_context().new_page()
    sign_in(page, live_server, "vol.naimueang")
    page.get_by_role("link", name=re.compile("การแจ้งเตือน")).click()
    items = page.locator("li", has=page.locator("button.as-link"))
    steps = [(worked, s) for s in ("accept", "hold", "resume", "complete")] + [(moved, s) for s in ("redirect", "reject")]
    for case, step in steps:
        expect(items.filter(has_text=f"เรื่องเลขที่ {case['reference']}").filter(has_text=SAID[step])).to_have_count(1)
    held = items.filter(has_text=f"เรื่องเลขที่ {worked['reference']}").filter(
        has_text=SAID["hold"]).get_by_role("button")
    expect(page.get_by_role("button", name=re.compile(f"{worked['reference']}.*ดำเนินการเสร็จแล้ว.*7,500"))).to_be_visible()
    shots(page, "issue12-volunteer-told-each-step", full_page=True)
    assert axe_violations(page) == []
    held.click()
    expect(page.get_by_role("heading", name=worked["reference"])).to_be_visible()
