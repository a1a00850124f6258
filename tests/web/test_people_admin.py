"""Issue 13 in the browser: an admin adds a volunteer, who signs in with the one-time code and
must choose a password (a guessable one refused in Thai); a coordinator deactivates a
volunteer, handing their open case over to another volunteer of the province."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api, axe_violations
from tests.web.test_e2e import OPEN_CASE

DESK = {"width": 1280, "height": 800}
CREATE = """mutation($input: CreateUserInput!) { createUser(input: $input) { __typename
  ... on CreateUserSuccess { oneTimeCode } } }"""
CODE_LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  ... on LoginSuccess { token } } }"""
CHANGE = """mutation($p: String!) { changePassword(newPassword: $p) { __typename } }"""
FILED_BY = "query($id: ID!) { case(id: $id) { filedBy { username } events { type } } }"
NEW_PASSWORD = "ข้าวเหนียวมะม่วงริมโขง"
PERSON = "query($u: String!) { person(username: $u) { mentor { username } } }"


def sign_in_with(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/")
    page.get_by_label("ชื่อผู้ใช้").fill(username)
    page.get_by_label("รหัสผ่าน").fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()


def test_an_admin_adds_a_volunteer_who_signs_in_with_the_code_and_sets_a_password(
        live_server: str, new_context: Any, shots: Any) -> None:
    page = new_context().new_page()
    page.set_viewport_size(DESK)
    sign_in_with(page, live_server, "admin", "khortor-demo")
    page.locator("nav.tabs").get_by_role("link", name="ผู้ดูแลระบบ").click()
    page.get_by_role("link", name="ผู้ใช้งาน", exact=True).click()
    expect(page.get_by_role("heading", name="ผู้ใช้งานและอาสาสมัคร")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("สมศรี"))).to_be_visible()  # vol.naimueang listed
    shots(page, "issue13-people-desk")
    assert axe_violations(page) == []
    page.get_by_role("link", name="+ เพิ่มผู้ใช้").click()

    page.get_by_label("ชื่อ-นามสกุล").fill("มาลี ใจงาม")
    page.get_by_label("ชื่อผู้ใช้").fill("vol.malee")
    page.get_by_label("จังหวัด").select_option(label="หนองคาย")
    page.get_by_label("อำเภอ").select_option(label="เมืองหนองคาย")
    page.get_by_label("ตำบล").select_option(value="430103")
    page.get_by_label("โทรศัพท์").fill("081-555-0123")
    page.set_viewport_size({"width": 360, "height": 800})
    shots(page, "issue13-new-person-phone", full_page=True)
    assert axe_violations(page) == []
    page.get_by_role("button", name="เพิ่มผู้ใช้").click()
    code = page.locator(".one-time-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code), code
    expect(page.get_by_text(re.compile("vol.malee"))).to_be_visible()
    shots(page, "issue13-one-time-code")

    volunteer = new_context().new_page()
    sign_in_with(volunteer, live_server, "vol.malee", code)
    expect(volunteer.get_by_role("heading", name="ตั้งรหัสผ่านของคุณ")).to_be_visible()
    expect(volunteer.locator("nav.tabs")).to_have_count(0)  # nothing else until a password is chosen
    volunteer.get_by_label("รหัสผ่านใหม่", exact=True).fill("password1234")
    volunteer.get_by_label("พิมพ์รหัสผ่านใหม่อีกครั้ง").fill("password1234")
    volunteer.get_by_role("button", name="บันทึกรหัสผ่าน").click()
    expect(volunteer.get_by_text(re.compile("รหัสผ่านนี้เดาง่ายเกินไป"))).to_be_visible()
    shots(volunteer, "issue13-password-refused")
    assert axe_violations(volunteer) == []
    volunteer.get_by_label("รหัสผ่านใหม่", exact=True).fill(NEW_PASSWORD)
    volunteer.get_by_label("พิมพ์รหัสผ่านใหม่อีกครั้ง").fill(NEW_PASSWORD)
    volunteer.get_by_role("button", name="บันทึกรหัสผ่าน").click()
    expect(volunteer.get_by_role("heading", name="เรื่องของฉัน")).to_be_visible()
    expect(volunteer.get_by_text("เปลี่ยนรหัสผ่านแล้ว")).to_be_visible()

    again = new_context().new_page()  # the code was for once; the new password works
    sign_in_with(again, live_server, "vol.malee", code)
    expect(again.get_by_text(re.compile("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"))).to_be_visible()
    sign_in_with(again, live_server, "vol.malee", NEW_PASSWORD)
    expect(again.get_by_role("heading", name="เรื่องของฉัน")).to_be_visible()

    # the admin audit log has it all, and its CSV holds no code or password
    page.set_viewport_size(DESK)
    page.goto(f"{live_server}/#/admin/audit?target=vol.malee")
    rows = page.locator("table.desk-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("PASSWORD_CHANGED")
    expect(rows.nth(2)).to_contain_text("USER_CREATED")
    shots(page, "issue13-admin-audit-log")
    assert axe_violations(page) == []
    with page.expect_download() as event:
        page.get_by_role("button", name="ส่งออก CSV").click()
    exported = Path(event.value.path()).read_text(encoding="utf-8-sig")
    assert "USER_CREATED" in exported and "vol.malee" in exported and "มาลี ใจงาม" in exported
    assert code not in exported and code.replace("-", "") not in exported and NEW_PASSWORD not in exported


def test_a_coordinator_deactivates_a_volunteer_and_hands_over_their_open_case(
        live_server: str, new_context: Any, shots: Any) -> None:
    coordinator = Api(live_server, "ops.nongkhai")
    code = coordinator.run(CREATE, input={"username": "vol.leaving", "displayName": "ชูใจ ย้ายออก",
                                          "role": "VOLUNTEER", "areaCode": "430101"})["createUser"]["oneTimeCode"]
    leaving = Api(live_server, "vol.leaving", code)
    assert leaving.run(CHANGE, p=NEW_PASSWORD)["changePassword"]["__typename"] == "ChangePasswordSuccess"
    opened = leaving.run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101", "description": "ทดสอบส่งต่องานก่อนพ้นหน้าที่",
        "citizen": {"fullName": "นายรับช่วง ต่อเนื่อง", "consent": True}})["openCase"]
    case_id = opened["case"]["id"]

    page = new_context().new_page()
    page.set_viewport_size(DESK)
    sign_in_with(page, live_server, "ops.nongkhai", "khortor-demo")
    page.goto(f"{live_server}/#/admin/people?q=vol.leaving")
    page.get_by_role("link", name="ชูใจ ย้ายออก").click()
    duties = page.locator("form", has=page.get_by_role("heading", name="พี่เลี้ยง"))
    duties.get_by_label("พี่เลี้ยง").select_option("mentor.nongkhai")
    duties.get_by_role("button", name="บันทึกการแก้ไข").click()
    expect(page.get_by_text("บันทึกแล้ว")).to_be_visible()
    assert coordinator.run(PERSON, u="vol.leaving")["person"]["mentor"] == {"username": "mentor.nongkhai"}
    page.get_by_role("button", name="ปิดการใช้งาน").click()
    form = page.locator("form", has=page.get_by_role("heading", name="ปิดการใช้งาน ชูใจ ย้ายออก"))
    form.get_by_role("button", name="ยืนยันปิดการใช้งาน").click()  # nobody chosen: refused, nothing moves
    expect(form.get_by_text("กรุณาเลือกผู้รับช่วงดูแลเรื่องที่ยังไม่เสร็จ")).to_be_visible()
    assert coordinator.run(FILED_BY, id=case_id)["case"]["filedBy"] == {"username": "vol.leaving"}
    form.get_by_label("ผู้รับช่วงดูแลเรื่องที่ยังไม่เสร็จ").select_option("vol.michai")
    shots(page, "issue13-deactivate-with-handover")
    assert axe_violations(page) == []
    form.get_by_role("button", name="ยืนยันปิดการใช้งาน").click()
    expect(page.get_by_text(re.compile("ปิดการใช้งาน ชูใจ ย้ายออก แล้ว ย้ายเรื่อง 1 เรื่อง"))).to_be_visible()
    expect(page.get_by_text("ปิดการใช้งาน", exact=True)).to_be_visible()
    moved = coordinator.run(FILED_BY, id=case_id)["case"]
    assert moved["filedBy"] == {"username": "vol.michai"} and "HANDED_OVER" in [e["type"] for e in moved["events"]]
    with pytest.raises(AssertionError, match="UNAUTHENTICATED"):  # their sign-in stopped at once
        leaving.run("{ me { username } }")
