"""The volunteer's form takes what the API takes (issue 12, part 5): the amount claimed typed
the Thai way, the employer's registration number (13 digits, checked) and address, how to
contact the citizen, and sharing with the area's volunteers; what the server would refuse
(a bad registration number, phone or amount) is said in the form before anything is queued."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.factories import national_id
from tests.web.conftest import Api, axe_violations
from tests.web.test_e2e import ANNOUNCE, BANGKOK, PLAN, outbox_items, sign_in

DESK = {"width": 1280, "height": 800}
FILED = """query($text: String) { cases(filter: { text: $text }, first: 5) { edges { node {
  id amountClaimedThb sharedWithVolunteers employer { name juristicId address } } } } }"""
JURISTIC = national_id("010555012345")  # the same check digit as a national ID


def test_the_form_takes_the_employer_the_amount_claimed_and_how_to_contact(
        live_server: str, admin_api: Api, new_context: Any, shots: Any) -> None:
    page = new_context().new_page()
    sign_in(page, live_server, "vol.michai")
    page.get_by_role("link", name="แจ้งเรื่องใหม่").click()
    marker = "ทดสอบแบบฟอร์มนายจ้างและจำนวนเงิน"
    page.get_by_text("ค่าจ้างค้างจ่าย", exact=True).click()
    page.get_by_label("ชื่อ-นามสกุล").fill("นายทดสอบ แบบฟอร์ม")
    page.get_by_label("โทรศัพท์", exact=True).fill("08-123")  # too short for a Thai number
    page.get_by_label("ชื่อนายจ้าง / สถานประกอบการ").fill("บริษัท ทดสอบแบบฟอร์ม จำกัด")
    page.get_by_label("เลขทะเบียนนิติบุคคลของนายจ้าง (ถ้ามี)").fill(JURISTIC[:-1] + str((int(JURISTIC[-1]) + 1) % 10))
    page.get_by_label("ที่อยู่นายจ้าง (ถ้ามี)").fill("99 หมู่ 3 ตำบลมีชัย อำเภอเมืองหนองคาย")
    page.get_by_label("จำนวนเงินที่เรียกร้อง (บาท)").fill("๑๘,๐๐๐ บาทครับ")
    page.get_by_label("ช่องทางติดต่อผู้ขอรับบริการ").select_option("PHONE")
    page.get_by_label("ให้อาสาสมัครแรงงานคนอื่นในพื้นที่เห็นเรื่องนี้").check()
    page.get_by_label("รายละเอียดปัญหา").fill(marker)
    page.get_by_label("ผู้ขอรับบริการยินยอมให้ใช้ข้อมูลส่วนบุคคลเพื่อติดตามเรื่องนี้").check()
    page.get_by_role("button", name="บันทึกและส่งเรื่อง").click()

    summary = page.get_by_role("alert")
    for said in ("หมายเลขโทรศัพท์ไม่ถูกต้อง", "เลขทะเบียนนิติบุคคลต้องมี 13 หลัก", "จำนวนเงินไม่ถูกต้อง"):
        expect(summary.get_by_text(re.compile(said))).to_be_visible()
    assert outbox_items(page) == []  # nothing queued
    assert admin_api.run(FILED, text=marker)["cases"]["edges"] == []
    shots(page, "12a-form-refuses-before-queueing", full_page=True)
    assert axe_violations(page) == []

    page.get_by_label("โทรศัพท์", exact=True).fill("081-234-5678")
    page.get_by_label("เลขทะเบียนนิติบุคคลของนายจ้าง (ถ้ามี)").fill(JURISTIC)
    page.get_by_label("จำนวนเงินที่เรียกร้อง (บาท)").fill("๑๘,๐๐๐.๕๐")
    page.set_viewport_size(DESK)
    page.get_by_label("รายละเอียดปัญหา").scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the new width laid out before the picture
    shots(page, "12b-form-employer-and-amount-desk", full_page=True)
    page.get_by_role("button", name="บันทึกและส่งเรื่อง").click()
    expect(page.get_by_role("heading", name=re.compile(r"^43-"))).to_be_visible()

    (edge,) = admin_api.run(FILED, text=marker)["cases"]["edges"]
    case = edge["node"]
    assert case["amountClaimedThb"] == "18000.50"
    assert case["sharedWithVolunteers"] is True
    assert case["employer"] == {"name": "บริษัท ทดสอบแบบฟอร์ม จำกัด", "juristicId": JURISTIC,
                                "address": "99 หมู่ 3 ตำบลมีชัย อำเภอเมืองหนองคาย"}


QUEUED_BY_AN_OLDER_CLIENT = """(item) => new Promise((resolve, reject) => {
    const open = indexedDB.open("khortor-outbox");
    open.onupgradeneeded = () => open.result.createObjectStore("items");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const db = open.result;
        const put = db.transaction("items", "readwrite").objectStore("items").put(item, item.clientId);
        put.onsuccess = () => { db.close(); resolve(true); };
        put.onerror = () => reject(put.error);
    };
})"""


def test_a_refused_queued_case_is_corrected_and_filed(live_server: str, admin_api: Api,
                                                      new_context: Any, shots: Any) -> None:
    """A case queued on the phone by a client that did not check the description's length
    (as before issue 12) is refused when sent; the volunteer opens it, corrects it, and it is
    filed under the same client id, with everything else they typed."""
    page = new_context().new_page()
    sign_in(page, live_server, "vol.michai")
    client_id = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
    marker = "ทดสอบแก้ไขเรื่องที่ถูกปฏิเสธ"
    page.evaluate(QUEUED_BY_AN_OLDER_CLIENT, {
        "clientId": client_id, "owner": "vol.michai", "queuedAt": "2026-12-01T02:00:00.000Z", "attempts": 0,
        "input": {"categoryCode": "UNPAID_WAGES", "subdistrictCode": "430102",
                  "description": marker + " " + "ก" * 5100, "capturedAt": "2026-12-01T02:00:00.000Z",
                  "citizen": {"fullName": "นางแก้ไข ส่งใหม่", "nationalId": None, "phone": "0812345678",
                              "consent": True, "contactPreference": "PHONE"},
                  "employer": {"name": "ร้านทดสอบส่งใหม่", "juristicId": None, "address": None},
                  "amountClaimedThb": "9500", "sharedWithVolunteers": False}})
    page.reload()
    outbox = page.locator(".outbox")
    outbox.get_by_role("button", name="ส่งตอนนี้").click()
    expect(outbox.get_by_role("alert")).to_contain_text("ส่งไม่สำเร็จ")
    shots(page, "issue12-outbox-refused")
    outbox.get_by_role("button", name="แก้ไข").click()

    description = page.get_by_label("รายละเอียดปัญหา")
    expect(description).to_have_value(re.compile("^" + marker))
    expect(page.get_by_label("ชื่อ-นามสกุล")).to_have_value("นางแก้ไข ส่งใหม่")
    expect(page.get_by_label("จำนวนเงินที่เรียกร้อง (บาท)")).to_have_value("9500")
    expect(page.get_by_role("alert").first).to_contain_text("กรุณาแก้ไขตามที่แจ้งแล้วส่งอีกครั้ง")
    shots(page, "issue12-refused-case-in-the-form", full_page=True)
    assert axe_violations(page) == []

    description.fill(marker + " ลูกจ้างร้านค้าไม่ได้รับค่าจ้างสองเดือน")
    page.get_by_role("button", name="บันทึกและส่งเรื่อง").click()
    expect(page.get_by_role("heading", name=re.compile(r"^43-"))).to_be_visible()
    assert client_id in page.url  # the case page of the same client id
    assert outbox_items(page) == []
    (edge,) = admin_api.run(FILED, text=marker)["cases"]["edges"]
    assert edge["node"]["id"] == client_id and edge["node"]["amountClaimedThb"] == "9500.00"
    assert edge["node"]["employer"]["name"] == "ร้านทดสอบส่งใหม่"


def test_what_was_typed_stays_when_the_volunteers_events_arrive_while_the_form_is_open(
        live_server: str, new_context: Any, shots: Any) -> None:
    """The volunteer's events are fetched after sign-in and kept on the phone; when they arrive
    while the form is open, the event choice appears above the form's fields at its next
    render. What was typed stays (it did not: the name typed after that render was lost, so
    the form refused the case for want of a name)."""
    ops = Api(live_server, "ops.nongkhai")
    starts = datetime.now(BANGKOK) + timedelta(hours=2)
    planned = ops.run(PLAN, input={
        "kind": "NETWORK_MEETING", "title": "ประชุมเครือข่ายระหว่างกรอกแบบฟอร์ม",
        "subdistrictCode": "430102", "venue": "ศาลาประชาคมตำบลมีชัย",
        "startsAt": starts.isoformat(), "endsAt": (starts + timedelta(hours=1)).isoformat()})["planEvent"]
    assert planned["__typename"] == "PlanEventSuccess", planned
    assert ops.run(ANNOUNCE, id=planned["event"]["id"])["announceEvent"]["__typename"] == \
        "ChangeEventSuccess"

    page = new_context().new_page()
    sign_in(page, live_server, "vol.michai")
    key = "khortor.outreach.events.vol.michai"
    # What the fetch after sign-in kept, taken away until the form is open and typed in.
    fetched = page.evaluate("""(key) => new Promise((resolve) => {
        const look = () => localStorage.getItem(key) !== null ? resolve(localStorage.getItem(key))
                                                              : setTimeout(look, 50);
        look(); })""", key)
    assert "ประชุมเครือข่ายระหว่างกรอกแบบฟอร์ม" in fetched
    page.evaluate("(key) => localStorage.removeItem(key)", key)
    page.get_by_role("link", name="แจ้งเรื่องใหม่").click()
    expect(page.get_by_label("กิจกรรม")).to_have_count(0)
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, fetched])
    page.get_by_text("ค่าจ้างค้างจ่าย", exact=True).click()  # the next render shows them
    page.get_by_label("ชื่อ-นามสกุล").fill("นางสาวพิมพ์ ระหว่างทาง")
    page.get_by_label("โทรศัพท์", exact=True).fill("081-234-5678")
    page.get_by_label("รายละเอียดปัญหา").fill("ค่าจ้างเดือนล่าสุดยังไม่ได้รับ")
    page.get_by_role("button", name="บันทึกและส่งเรื่อง").click()  # consent not given yet
    expect(page.get_by_label("กิจกรรม")).to_be_visible()
    expect(page.get_by_label("ชื่อ-นามสกุล")).to_have_value("นางสาวพิมพ์ ระหว่างทาง")
    expect(page.get_by_label("โทรศัพท์", exact=True)).to_have_value("081-234-5678")
    assert page.get_by_role("radio", name="ค่าจ้างค้างจ่าย").is_checked()
    # Only the missing consent is said: nothing typed was lost.
    expect(page.get_by_role("alert").get_by_role("listitem")).to_have_text(
        ["ต้องได้รับความยินยอมให้ใช้ข้อมูลส่วนบุคคลก่อน"])
    shots(page, "12c-form-events-arrive-while-typing")
    page.set_viewport_size(DESK)
    shots(page, "12d-form-events-arrive-while-typing-desk")
