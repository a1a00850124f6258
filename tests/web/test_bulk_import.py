"""Issue 13, part 4 in the browser: a coordinator imports the province's volunteer list. The
dry run shows the rows with problems (in Thai); they correct the file and choose it again;
import; the one-time codes file downloads; an imported volunteer signs in with their code and
must choose a password."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
from playwright.sync_api import expect

from tests.web.conftest import axe_violations
from tests.web.test_people_admin import NEW_PASSWORD, sign_in_with

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 800}
HEADER = ["ลำดับ", "ชื่อ-นามสกุล", "ตำบล", "อำเภอ", "โทรศัพท์", "พี่เลี้ยง"]
ROWS = [
    [1, "ปรีดา นำเข้าจริง", "430103", "", "0815550301", "mentor.nongkhai"],
    [2, "วันเพ็ญ นำเข้าจริง", "กวนวัน", "เมืองหนองคาย", "0815550302", "ประเสริฐ มั่นคง (พี่เลี้ยง อสร. หนองคาย)"],
    [3, "สายใจ นำเข้าจริง", "บ้านเดื่อ", "", "0815550303", ""],
    [4, "ทองคำ นำเข้าจริง", "430105", "", "12345", ""],
]
FIXED = {3: [3, "สายใจ นำเข้าจริง", "บ้านเดื่อ", "ท่าบ่อ", "0815550303", ""],
         4: [4, "ทองคำ นำเข้าจริง", "430105", "", "0815550304", ""]}


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def choose(page: Any, name: str, data: bytes) -> None:
    page.set_input_files("#import-file", files=[{
        "name": name, "buffer": data,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])


def test_a_coordinator_imports_corrects_applies_and_a_volunteer_signs_in(
        live_server: str, new_context: Any, shots: Any) -> None:
    page = new_context().new_page()
    page.set_viewport_size(DESK)
    sign_in_with(page, live_server, "ops.nongkhai", "khortor-demo")
    page.goto(f"{live_server}/#/admin")
    page.get_by_role("link", name="นำเข้าอาสาสมัคร").click()
    expect(page.get_by_role("heading", name="นำเข้าอาสาสมัคร")).to_be_visible()
    choose(page, "volunteers.xlsx", xlsx(ROWS))
    expect(page.get_by_role("heading", name=re.compile("ตรวจแล้ว 4 แถว: เพิ่มใหม่ 2 คน มีอยู่แล้ว 0 คน ต้องแก้ไข 2 แถว"))
           ).to_be_visible()
    bad = page.locator("tr.import-bad")
    expect(bad).to_have_count(2)
    expect(bad.nth(0)).to_contain_text("มีตำบล 'บ้านเดื่อ' หลายแห่ง")
    expect(bad.nth(1)).to_contain_text("หมายเลขโทรศัพท์ไม่ถูกต้อง")
    expect(page.get_by_role("button", name=re.compile("^นำเข้า"))).to_have_count(0)  # not with problems
    shots(page, "issue13-import-dry-run-desk")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shots(page, "issue13-import-dry-run-phone", full_page=True)
    assert axe_violations(page) == []
    page.set_viewport_size(DESK)
    # the office corrects the two rows and chooses the file again
    choose(page, "volunteers-fixed.xlsx", xlsx([FIXED.get(r[0], r) for r in ROWS]))
    expect(page.get_by_role("heading", name=re.compile("เพิ่มใหม่ 4 คน มีอยู่แล้ว 0 คน ต้องแก้ไข 0 แถว"))).to_be_visible()
    expect(page.get_by_role("cell", name="vol.430205.1")).to_be_visible()  # บ้านเดื่อ, ท่าบ่อ: a generated username
    page.get_by_role("button", name="นำเข้า 4 คน").click()
    expect(page.get_by_role("heading", name=re.compile("นำเข้าแล้ว 4 คน"))).to_be_visible()
    shots(page, "issue13-import-applied-desk")
    assert axe_violations(page) == []
    with page.expect_download() as event:
        page.get_by_role("button", name="ดาวน์โหลดไฟล์รหัสใช้ครั้งเดียว").click()
    download = event.value
    assert download.suggested_filename.startswith("khortor-codes-") and download.suggested_filename.endswith(".xlsx")
    codes = list(openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[3]) for r in codes] == [("ปรีดา นำเข้าจริง", "vol.430103.1"), ("วันเพ็ญ นำเข้าจริง", "vol.430104.1"),
                                             ("สายใจ นำเข้าจริง", "vol.430205.1"), ("ทองคำ นำเข้าจริง", "vol.430105.1")]
    assert not any("081555" in str(cell) for row in codes for cell in row)
    # the same corrected file again: nothing new
    page.get_by_role("button", name="นำเข้าไฟล์อื่น").click()
    choose(page, "volunteers-fixed.xlsx", xlsx([FIXED.get(r[0], r) for r in ROWS]))
    expect(page.get_by_role("heading", name=re.compile("เพิ่มใหม่ 0 คน มีอยู่แล้ว 4 คน"))).to_be_visible()
    expect(page.get_by_text("ทุกคนในไฟล์มีอยู่ในระบบแล้ว ไม่มีอะไรต้องนำเข้า")).to_be_visible()
    # an imported volunteer signs in with the code and must choose a password
    volunteer = new_context().new_page()
    sign_in_with(volunteer, live_server, "vol.430104.1", str(codes[1][4]))
    expect(volunteer.get_by_role("heading", name="ตั้งรหัสผ่านของคุณ")).to_be_visible()
    volunteer.get_by_label("รหัสผ่านใหม่", exact=True).fill(NEW_PASSWORD)
    volunteer.get_by_label("พิมพ์รหัสผ่านใหม่อีกครั้ง").fill(NEW_PASSWORD)
    volunteer.get_by_role("button", name="บันทึกรหัสผ่าน").click()
    expect(volunteer.get_by_role("heading", name="เรื่องของฉัน")).to_be_visible()
    # the export button on the people list
    page.goto(f"{live_server}/#/admin/people")
    with page.expect_download() as exported:
        page.get_by_role("button", name="ส่งออกรายชื่อ (.xlsx)").click()
    people = list(openpyxl.load_workbook(io.BytesIO(Path(exported.value.path()).read_bytes())).active.iter_rows(values_only=True))
    assert {"vol.430104.1", "vol.naimueang"} <= {r[5] for r in people[1:]}
