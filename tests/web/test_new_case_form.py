"""The volunteer's form takes what the API takes (issue 12, part 5): the amount claimed typed
the Thai way, the employer's registration number (13 digits, checked) and address, how to
contact the citizen, and sharing with the area's volunteers; what the server would refuse
(a bad registration number, phone or amount) is said in the form before anything is queued."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.factories import national_id
from tests.web.conftest import Api, axe_violations
from tests.web.test_e2e import outbox_items, sign_in

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
