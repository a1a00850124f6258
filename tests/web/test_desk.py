"""Issue 12, items 2 and 3 in the browser: an officer at 1280×800 works the desk table (search,
filters kept in the URL, sort, cursor paging, assigning to a colleague and to oneself, a
search by national ID that never reaches the URL), and an approver decides extensions."""

from __future__ import annotations

import re
import subprocess
from typing import Any
from urllib.parse import unquote

from playwright.sync_api import expect

from tests.servers import CLI, ROOT
from tests.web.conftest import Api, axe_violations
from tests.web.test_e2e import sign_in

DESK = {"width": 1280, "height": 800}
MARK = "โต๊ะทำงานทดสอบ"  # in every description filed here: the search that isolates them
COLLEAGUE = ("dlpw.desk", "ปรีชา ขยันงาน")
OFFICER_NAME = "ธนพล แก้วมณี"

OPEN_CASE = """mutation($input: OpenCaseInput!) { openCase(input: $input) {
  __typename ... on OpenCaseSuccess { case { id reference referrals { id } } } } }"""
ASSIGNED = "query($id: ID!) { referral(id: $id) { assignedTo { username } } }"
REQUEST = """mutation($id: ID!, $days: Int!) { requestExtension(referralId: $id, days: $days,
  reason: "รอผลการตรวจสอบข้อเท็จจริงจากสถานประกอบการ") { __typename } }"""
EXTENSION = "query($id: ID!) { referral(id: $id) { legalDueAt extension { status days decisionNote } } }"


def national_id(n: int) -> str:
    """A valid Thai national ID (mod-11 check digit) numbered `n`."""
    first12 = f"3{n:011d}"
    check = (11 - sum(int(d) * (13 - i) for i, d in enumerate(first12)) % 11) % 10
    return first12 + str(check)


def file_case(base: str, i: int, category: str = "UNPAID_WAGES", nid: str | None = None,
              marker: str = MARK) -> dict[str, Any]:
    citizen: dict[str, Any] = {"fullName": f"นายโต๊ะ ลำดับที่{i}", "consent": True}
    if nid:
        citizen["nationalId"] = nid
    opened = Api(base, "vol.naimueang").run(OPEN_CASE, input={
        "categoryCode": category, "subdistrictCode": "430101",
        "description": f"{marker} ลูกจ้างรายที่ {i} ไม่ได้รับค่าจ้าง", "citizen": citizen})["openCase"]
    assert opened["__typename"] == "OpenCaseSuccess", opened
    case: dict[str, Any] = opened["case"]
    return case


def add_colleague(env: dict[str, str]) -> None:
    """A second officer of DLPW-43, added as an administrator would on the server."""
    username, name = COLLEAGUE
    done = subprocess.run([*CLI, "create-user", "--username", username, "--role", "OFFICER",
                           "--display-name", name, "--org-unit", "DLPW-43"], cwd=ROOT,
                          env={**env, "KHORTOR_NEW_USER_PASSWORD": "khortor-demo-colleague"},
                          capture_output=True, text=True)
    assert done.returncode == 0 or "exists" in (done.stderr + done.stdout), done.stderr


def desk_page(new_context: Any) -> Any:
    page = new_context().new_page()
    page.set_viewport_size(DESK)
    return page


def caption(page: Any) -> Any:
    return page.locator("table.desk-table caption")


def test_an_officer_searches_filters_pages_and_assigns_on_the_desk(
        live_server: str, live_env: dict[str, str], new_context: Any, shots: Any) -> None:
    add_colleague(live_env)
    nid = national_id(4301_0001)
    cases = [file_case(live_server, i, nid=nid if i == 0 else None) for i in range(24)]
    cases += [file_case(live_server, 24 + i, "UNFAIR_DISMISSAL") for i in range(3)]
    officer = Api(live_server, "dlpw.nongkhai")

    page = desk_page(new_context)
    sign_in(page, live_server, "dlpw.nongkhai")
    expect(page.locator("table.desk-table")).to_be_visible()  # a desk: the table, not the list

    # search by text: the route keeps it, 27 found, 25 a page
    page.get_by_label("เลขที่เรื่อง ข้อความ หรือเลขประจำตัวประชาชน").fill(MARK)
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    expect(caption(page)).to_have_text("การส่งต่อ 1–25 จาก 27 รายการ")
    assert MARK in unquote(page.url)
    rows = page.locator("table.desk-table tbody tr")
    expect(rows).to_have_count(25)
    expect(page.get_by_role("cell", name="นายโต๊ะ ลำดับที่0", exact=True)).to_be_visible()  # the office serves the citizen
    page.get_by_role("button", name="หน้าถัดไป").click()
    expect(caption(page)).to_have_text("การส่งต่อ 26–27 จาก 27 รายการ")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="หน้าก่อน").click()
    expect(caption(page)).to_have_text("การส่งต่อ 1–25 จาก 27 รายการ")

    # newest first: the last one filed heads the list
    page.get_by_label("เรียงตาม").select_option("NEWEST")
    expect(rows.first.get_by_role("rowheader")).to_have_text(cases[-1]["reference"])

    # a filter by problem type, in the URL: the same view opens from a bookmark
    page.get_by_label("ประเภทปัญหา").select_option("UNFAIR_DISMISSAL")
    expect(caption(page)).to_have_text("การส่งต่อ 1–3 จาก 3 รายการ")
    bookmark = page.url
    assert "category=UNFAIR_DISMISSAL" in bookmark and "sort=NEWEST" in bookmark
    shots(page, "issue12-desk-officer-filtered")
    assert axe_violations(page) == []

    other = desk_page(new_context)
    sign_in(other, live_server, "dlpw.nongkhai")
    other.goto(bookmark)
    expect(caption(other)).to_have_text("การส่งต่อ 1–3 จาก 3 รายการ")
    expect(other.get_by_label("ประเภทปัญหา")).to_have_value("UNFAIR_DISMISSAL")

    # assign one to the colleague (who is told) and one to oneself, each from its row
    first, second = cases[-1], cases[-2]
    page.get_by_label(f"มอบหมายเรื่อง {first['reference']} ให้").select_option(label=COLLEAGUE[1])
    expect(page.get_by_text(f"มอบหมายเรื่อง {first['reference']} ให้ {COLLEAGUE[1]} แล้ว")).to_be_visible()
    assigning = page.get_by_label(f"มอบหมายเรื่อง {second['reference']} ให้")
    expect(assigning.locator("option", has_text=OFFICER_NAME)).to_have_count(1)
    assigning.select_option("dlpw.nongkhai")
    expect(page.get_by_label(f"มอบหมายเรื่อง {second['reference']} ให้")).to_have_value("dlpw.nongkhai")
    assert officer.run(ASSIGNED, id=first["referrals"][0]["id"])["referral"]["assignedTo"] == {"username": COLLEAGUE[0]}
    assert officer.run(ASSIGNED, id=second["referrals"][0]["id"])["referral"]["assignedTo"] == {"username": "dlpw.nongkhai"}

    page.get_by_label("ยังไม่มีผู้รับผิดชอบ").check()
    expect(caption(page)).to_have_text("การส่งต่อ 1–1 จาก 1 รายการ")
    page.get_by_label("มอบหมายให้ฉัน").check()  # replaces "not assigned"
    expect(page.get_by_label("ยังไม่มีผู้รับผิดชอบ")).not_to_be_checked()
    expect(caption(page)).to_have_text("การส่งต่อ 1–1 จาก 1 รายการ")
    expect(rows.first.get_by_role("rowheader")).to_have_text(second["reference"])
    shots(page, "issue12-desk-officer-assigned")

    # a national ID: looked up apart (logged, counted), never written to the URL
    # typed at once after clearing the filters, before the route has changed: the route's
    # change must not wipe what is being typed (it did under CI's load)
    typed = f"{nid[0]}-{nid[1:5]}-{nid[5:10]}-{nid[10:12]}-{nid[12]}"
    page.evaluate("""typed => {
        [...document.querySelectorAll("button")].find(b => b.textContent === "ล้างตัวกรอง").click();
        const box = document.getElementById("desk-q");
        box.value = typed;
        box.dispatchEvent(new Event("input", { bubbles: true }));
    }""", typed)
    expect(page.get_by_label("ประเภทปัญหา")).to_have_value("")
    expect(page.get_by_role("button", name="ล้างตัวกรอง")).to_have_count(0)
    page.wait_for_timeout(300)  # the route's effects have run
    expect(page.get_by_label("เลขที่เรื่อง ข้อความ หรือเลขประจำตัวประชาชน")).to_have_value(typed)
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    found = page.get_by_role("region", name=re.compile("เรื่องของผู้ขอรับบริการรายนี้"))
    expect(found.get_by_role("link", name=cases[0]["reference"])).to_be_visible()
    expect(found.get_by_role("heading")).to_have_text("เรื่องของผู้ขอรับบริการรายนี้ (1 เรื่อง)")
    assert nid not in page.url and nid[1:5] not in unquote(page.url)
    shots(page, "issue12-desk-national-id")
    assert axe_violations(page) == []

    # a phone keeps the list, with the same filters from the URL
    phone = new_context().new_page()
    sign_in(phone, live_server, "dlpw.nongkhai")
    phone.goto(bookmark)
    expect(phone.locator("ul.list li")).to_have_count(3)
    expect(phone.locator("table.desk-table")).to_have_count(0)


def test_an_approver_approves_and_refuses_extensions(live_server: str, new_context: Any,
                                                      shots: Any) -> None:
    officer = Api(live_server, "dlpw.nongkhai")
    approve, refuse = (file_case(live_server, 100 + i, marker="ขอขยายเวลาทดสอบ") for i in range(2))
    for case, days in ((approve, 20), (refuse, 7)):
        assert officer.run(REQUEST, id=case["referrals"][0]["id"], days=days)["requestExtension"][
            "__typename"] == "RequestExtensionSuccess"
    before = officer.run(EXTENSION, id=approve["referrals"][0]["id"])["referral"]["legalDueAt"]

    page = new_context().new_page()
    sign_in(page, live_server, "sup.national")
    page.locator("nav.tabs").get_by_role("button", name="เพิ่มเติม").click()
    page.locator("nav.tabs").get_by_role("link", name="คำขอขยายเวลา").click()
    expect(page.get_by_role("heading", name="คำขอขยายกำหนดเวลาตามกฎหมายที่รอพิจารณา")).to_be_visible()
    card = page.locator("li.card", has=page.get_by_role("link", name=approve["reference"]))
    expect(card.get_by_text("ขอขยาย 20 วัน")).to_be_visible()
    expect(card.get_by_text("รอผลการตรวจสอบข้อเท็จจริงจากสถานประกอบการ")).to_be_visible()
    shots(page, "issue12-extensions-phone")
    assert axe_violations(page) == []
    card.get_by_label("หมายเหตุถึงเจ้าหน้าที่ (ไม่บังคับ)").fill("อนุมัติตามเหตุผล")
    card.get_by_role("button", name="อนุมัติ", exact=True).click()
    expect(page.get_by_text(re.compile(f"อนุมัติการขยายเรื่อง {approve['reference']} แล้ว กำหนดใหม่"))).to_be_visible()
    expect(card).to_have_count(0)
    after = officer.run(EXTENSION, id=approve["referrals"][0]["id"])["referral"]
    assert after["extension"] == {"status": "APPROVED", "days": 20, "decisionNote": "อนุมัติตามเหตุผล"}
    assert after["legalDueAt"] > before

    # the other one, refused from the referral's own page at a desk
    desk = desk_page(new_context)
    sign_in(desk, live_server, "sup.national")
    desk.goto(f"{live_server}/#/referral/{refuse['referrals'][0]['id']}")
    expect(desk.get_by_role("heading", name="การขอขยายเวลา: ขอขยาย 7 วัน")).to_be_visible()
    shots(desk, "issue12-extension-decision-desk")
    assert axe_violations(desk) == []
    desk.get_by_role("button", name="ไม่อนุมัติ").click()
    expect(desk.get_by_text(f"ไม่อนุมัติการขยายเรื่อง {refuse['reference']} แล้ว")).to_be_visible()
    expect(desk.get_by_text("ไม่อนุมัติการขยาย", exact=True)).to_be_visible()  # the card says so now
    refused = officer.run(EXTENSION, id=refuse["referrals"][0]["id"])["referral"]
    assert refused["extension"]["status"] == "REJECTED"
