"""Issue 12, item 3 in the browser: every action the API has gets its screen. The volunteer
reopens a resolved case, the coordinator declines a NEW case at triage, the officer assigns a
referral to themselves, sees the legal deadline and asks to extend it; refusals in Thai."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import PHONE, Api, axe_violations
from tests.web.test_e2e import OPEN_CASE, REVEAL_LOG, sign_in

DESK = {"width": 1280, "height": 800}
BANGKOK = timezone(timedelta(hours=7))
THAI = re.compile("[\u0e00-\u0e7f]")

CASE_STATE = """query($id: ID!) { case(id: $id) { status version events { type note } } }"""
REFERRAL_STATE = """query($id: ID!) { referral(id: $id) { status legalDueAt assignedTo { username }
  case { events { type note referralId } } } }"""
DO = {
    "accept": "mutation($id: ID!) { acceptReferral(referralId: $id) { __typename } }",
    "complete": """mutation($id: ID!) { completeReferral(referralId: $id, outcome: RESOLVED,
                   amountRecoveredThb: "12000") { __typename } }""",
    "reject": """mutation($id: ID!, $r: String!) { rejectReferral(referralId: $id, reason: $r)
                 { __typename } }""",
    "extend": """mutation($id: ID!) { requestExtension(referralId: $id, days: 10,
                 reason: "ขอขยายจาก API ก่อน") { __typename } }""",
}
REOPEN_REASON = "ผู้ขอรับบริการแจ้งว่ายังไม่ได้รับเงินตามที่ตกลง"
TRIAGE_REASON = "เป็นเรื่องซ้ำกับเรื่องที่แจ้งไว้แล้ว"
EXTENSION_REASON = "รอเอกสารหลักฐานจากนายจ้าง"
TRIAGE_ID = "3100500201017"  # a valid check digit, used by no other test


def _do(api: Api, action: str, **variables: Any) -> None:
    answer = api.run(DO[action], **variables)
    assert next(iter(answer.values()))["__typename"].endswith("Success"), answer


def _file(base: str, description: str, name: str) -> tuple[str, str, str]:
    """A wage case filed by vol.naimueang in Mueang Nong Khai: (case id, reference, referral id)."""
    opened = Api(base, "vol.naimueang").run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101", "description": description,
        "citizen": {"fullName": name, "consent": True},
    })["openCase"]
    assert opened["__typename"] == "OpenCaseSuccess", opened
    case = opened["case"]
    return case["id"], case["reference"], case["referrals"][0]["id"]


def _be_year(instant: str) -> int:
    return datetime.fromisoformat(instant).astimezone(BANGKOK).year + 543


def test_the_volunteer_reopens_a_resolved_case(live_server: str, new_context: Any, shots: Any) -> None:
    officer = Api(live_server, "dlpw.nongkhai")
    case_id, reference, referral_id = _file(live_server, "ทดสอบเปิดเรื่องอีกครั้ง นายจ้างยังไม่จ่าย", "นายเปิด อีกครั้ง")
    _do(officer, "accept", id=referral_id)
    _do(officer, "complete", id=referral_id)
    volunteer = Api(live_server, "vol.naimueang")
    assert volunteer.run(CASE_STATE, id=case_id)["case"]["status"] == "RESOLVED"

    page = new_context().new_page()
    sign_in(page, live_server, "vol.naimueang")
    page.goto(f"{live_server}/#/case/{case_id}")
    expect(page.get_by_role("heading", name=reference)).to_be_visible()
    page.get_by_role("button", name="เปิดเรื่องอีกครั้ง").click()
    form = page.locator("form", has=page.get_by_role("heading", name="เปิดเรื่องอีกครั้ง"))
    # No reason: the form says so and sends nothing.
    form.get_by_role("button", name="เปิดเรื่องอีกครั้ง").click()
    expect(form.get_by_text("กรุณาระบุเหตุผล")).to_be_visible()
    form.get_by_role("button", name=REOPEN_REASON).click()
    expect(form.get_by_label("เหตุผล", exact=True)).to_have_value(REOPEN_REASON)
    expect(form.get_by_role("button", name=REOPEN_REASON)).to_have_attribute("aria-pressed", "true")
    form.scroll_into_view_if_needed()
    shots(page, "issue12-reopen-form")
    assert axe_violations(page) == []
    form.get_by_role("button", name="เปิดเรื่องอีกครั้ง").click()

    expect(page.locator(".card").first.locator(".badge")).to_have_text("ส่งต่อแล้ว")
    expect(page.get_by_role("button", name="เปิดเรื่องอีกครั้ง")).to_have_count(0)
    history = page.locator(".timeline")
    expect(history).to_contain_text("เปิดเรื่องอีกครั้ง")
    expect(history).to_contain_text(REOPEN_REASON)
    state = volunteer.run(CASE_STATE, id=case_id)["case"]
    assert state["status"] == "ROUTED"
    assert any(e["type"] == "REOPENED" and e["note"] == REOPEN_REASON for e in state["events"])


def test_the_coordinator_declines_a_new_case_at_triage(live_server: str, new_context: Any,
                                                       shots: Any) -> None:
    officer = Api(live_server, "dlpw.nongkhai")
    case_id, reference, referral_id = _file(live_server, "ทดสอบไม่รับเรื่องที่คัดกรอง", "นางคัด กรอง")
    _do(officer, "reject", id=referral_id, r="ไม่ใช่เรื่องของหน่วยงานนี้")
    coordinator = Api(live_server, "ops.nongkhai")
    assert coordinator.run(CASE_STATE, id=case_id)["case"]["status"] == "NEW"

    # The volunteer who filed it is not offered the coordinator's form.
    mine = new_context().new_page()
    sign_in(mine, live_server, "vol.naimueang")
    mine.goto(f"{live_server}/#/case/{case_id}")
    expect(mine.get_by_role("heading", name=reference)).to_be_visible()
    expect(mine.get_by_role("button", name="ไม่รับเรื่องและปิดเรื่อง")).to_have_count(0)

    page = new_context().new_page()
    sign_in(page, live_server, "ops.nongkhai")
    page.goto(f"{live_server}/#/case/{case_id}")
    expect(page.get_by_role("heading", name=reference)).to_be_visible()
    page.get_by_role("button", name="ไม่รับเรื่องและปิดเรื่อง").click()
    form = page.locator("form", has=page.get_by_role("heading", name="ไม่รับเรื่องและปิดเรื่อง"))
    form.get_by_role("button", name=TRIAGE_REASON).click()
    reason = form.get_by_label("เหตุผล", exact=True)
    reason.fill(TRIAGE_REASON + " เลขที่เรื่องเดิมอยู่ในประวัติ")
    form.scroll_into_view_if_needed()
    shots(page, "issue12-reject-at-triage-form")
    assert axe_violations(page) == []
    form.get_by_role("button", name="ไม่รับเรื่องและปิดเรื่อง").click()

    expect(page.locator(".card").first.locator(".badge")).to_have_text("ปิดเรื่อง")
    expect(page.locator(".timeline")).to_contain_text(TRIAGE_REASON)
    state = coordinator.run(CASE_STATE, id=case_id)["case"]
    assert state["status"] == "CLOSED"
    assert any(e["type"] == "CASE_REJECTED" and e["note"].startswith(TRIAGE_REASON)
               for e in state["events"])


def test_the_officer_assigns_a_referral_to_themselves(live_server: str, new_context: Any,
                                                      shots: Any) -> None:
    officer = Api(live_server, "dlpw.nongkhai")
    _, _, referral_id = _file(live_server, "ทดสอบรับผิดชอบเรื่อง", "นายรับ ผิดชอบ")

    page = new_context().new_page()
    sign_in(page, live_server, "dlpw.nongkhai")
    page.goto(f"{live_server}/#/referral/{referral_id}")
    card = page.locator(".card").first
    expect(card.locator("dt:has-text('ผู้รับผิดชอบ') + dd")).to_have_text("ยังไม่มีผู้รับผิดชอบ")
    card.get_by_role("button", name="รับผิดชอบเรื่องนี้").click()
    expect(card.get_by_text("เรียบร้อย")).to_be_visible()
    expect(card.locator("dt:has-text('ผู้รับผิดชอบ') + dd")).to_have_text(re.compile(r"ธนพล แก้วมณี.*\(คุณ\)"))
    expect(card.get_by_role("button", name="รับผิดชอบเรื่องนี้")).to_have_count(0)
    assert officer.run(REFERRAL_STATE, id=referral_id)["referral"]["assignedTo"]["username"] == "dlpw.nongkhai"
    shots(page, "issue12-assigned-to-me")
    assert axe_violations(page) == []

    # A request the server refuses (already asked, from elsewhere) is explained in Thai.
    card.get_by_role("button", name="ขอขยายกำหนดเวลา").click()
    _do(officer, "extend", id=referral_id)
    form = card.locator("form")
    form.get_by_label("จำนวนวันที่ขอขยาย").fill("5")
    form.get_by_role("button", name=EXTENSION_REASON).click()
    form.get_by_role("button", name="ส่งคำขอ").click()
    refusal = card.locator("[role=status] .alert")
    expect(refusal).to_be_visible()
    text = refusal.inner_text()
    assert THAI.search(text) and "GraphQL" not in text and "Unexpected" not in text, text
    # The page reloaded: the request made elsewhere shows, and the form is gone.
    expect(card.get_by_text("รออนุมัติขยาย 10 วัน")).to_be_visible()
    expect(card.get_by_role("button", name="ขอขยายกำหนดเวลา")).to_have_count(0)
    refusal.scroll_into_view_if_needed()
    page.mouse.wheel(0, -250)
    page.wait_for_timeout(200)
    shots(page, "issue12-extension-refused")


def test_the_officer_sees_the_legal_deadline_and_asks_for_an_extension(
        live_server: str, new_context: Any, shots: Any) -> None:
    officer = Api(live_server, "dlpw.nongkhai")
    _, _, referral_id = _file(live_server, "ทดสอบกำหนดตามกฎหมาย ค่าจ้างค้างจ่ายสองเดือน", "นางกำหนด กฎหมาย")
    _do(officer, "accept", id=referral_id)
    legal_due = officer.run(REFERRAL_STATE, id=referral_id)["referral"]["legalDueAt"]
    assert legal_due

    page = new_context().new_page()
    sign_in(page, live_server, "dlpw.nongkhai")
    page.goto(f"{live_server}/#/referral/{referral_id}")
    card = page.locator(".card").first
    due = card.locator("dt:has-text('กำหนดตามกฎหมาย') + dd")
    expect(due).to_contain_text(str(_be_year(legal_due)))  # Buddhist Era, like every date
    expect(due).to_contain_text("ไม่หยุดนับระหว่างพักเรื่อง")
    shots(page, "issue12-legal-deadline")

    card.get_by_role("button", name="ขอขยายกำหนดเวลา").click()
    form = card.locator("form")
    days = form.get_by_label("จำนวนวันที่ขอขยาย")
    days.fill("45")
    form.get_by_role("button", name="ส่งคำขอ").click()
    expect(form.get_by_text("ขยายได้ 1 ถึง 30 วัน")).to_be_visible()
    expect(form.get_by_text("กรุณาระบุเหตุผล")).to_be_visible()
    days.fill("15")
    form.get_by_role("button", name=EXTENSION_REASON).click()
    form.scroll_into_view_if_needed()
    shots(page, "issue12-extension-form")
    assert axe_violations(page) == []
    page.set_viewport_size(DESK)
    shots(page, "issue12-extension-form-desk", full_page=True)
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    form.get_by_role("button", name="ส่งคำขอ").click()

    expect(card.get_by_text("ส่งคำขอขยายเวลา 15 วันแล้ว รอผู้มีอำนาจอนุมัติ")).to_be_visible()
    expect(due).to_contain_text("รออนุมัติขยาย 15 วัน")
    expect(card.get_by_role("button", name="ขอขยายกำหนดเวลา")).to_have_count(0)
    events = officer.run(REFERRAL_STATE, id=referral_id)["referral"]["case"]["events"]
    assert any(e["type"] == "EXTENSION_REQUESTED" and e["referralId"] == referral_id
               and e["note"] == EXTENSION_REASON for e in events)
    page.evaluate("window.scrollTo(0, 0)")
    shots(page, "issue12-extension-requested")

    # In English, the card and the refusal follow the language.
    page.get_by_role("button", name="Switch to English").click()
    expect(card.locator("dt:has-text('Legal deadline') + dd")).to_contain_text(str(_be_year(legal_due) - 543))
    page.get_by_role("button", name="เปลี่ยนเป็นภาษาไทย").click()


def test_the_coordinator_reveals_the_citizen_of_a_case_in_triage(live_server: str, new_context: Any,
                                                                 shots: Any) -> None:
    """Back at triage, the coordinator must call the citizen: the name is whole for them, and
    the national ID and phone are revealed for a reason, in the access log."""
    officer = Api(live_server, "dlpw.nongkhai")
    opened = Api(live_server, "vol.naimueang").run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101",
        "description": "ทดสอบผู้ประสานงานดูข้อมูลเพื่อโทรคัดกรอง",
        "citizen": {"fullName": "นายคัดกรอง โทรกลับ", "nationalId": TRIAGE_ID, "phone": "081 555 0144",
                    "consent": True}})["openCase"]
    case_id, referral_id = opened["case"]["id"], opened["case"]["referrals"][0]["id"]
    _do(officer, "reject", id=referral_id, r="ไม่ใช่เรื่องของหน่วยงานนี้")
    coordinator = Api(live_server, "ops.nongkhai")
    assert coordinator.run(CASE_STATE, id=case_id)["case"]["status"] == "NEW"

    page = new_context().new_page()
    sign_in(page, live_server, "ops.nongkhai")
    page.goto(f"{live_server}/#/case/{case_id}")
    expect(page.get_by_text("นายคัดกรอง โทรกลับ")).to_be_visible()  # the name whole at triage
    expect(page.get_by_text("x-xxxx-xxxxx-01-7")).to_be_visible()
    page.get_by_role("button", name="แสดงเลขประจำตัวและเบอร์โทร").click()
    page.get_by_label("เหตุผลที่ขอดูข้อมูล").select_option(label="ติดต่อผู้ขอรับบริการ")
    page.get_by_role("button", name="แสดงข้อมูล", exact=True).click()
    expect(page.get_by_text("3-1005-00201-01-7")).to_be_visible()
    expect(page.get_by_text("+66815550144")).to_be_visible()
    shots(page, "issue12-coordinator-reveal-at-triage", full_page=True)
    assert axe_violations(page) == []
    log = Api(live_server, "admin").run(REVEAL_LOG, caseId=case_id)["accessLog"]["edges"]
    assert [(e["node"]["reason"], e["node"]["user"]["username"]) for e in log] == [
        ("ติดต่อผู้ขอรับบริการ", "ops.nongkhai")]

    # the case list does not name the office that declined it as if it still held it
    page.goto(f"{live_server}/#/cases")
    row = page.get_by_role("link", name=re.compile(opened["case"]["reference"]))
    expect(row).to_be_visible()
    expect(row).not_to_contain_text("DLPW-43")
