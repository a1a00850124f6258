"""Outreach events in a real browser (issue 16), on the live app (SQLite).

A volunteer records a need of their area offline (360×800): it waits in the outbox and is
sent once when the signal returns. The coordinator (1280×800) sees it on the needs table,
plans a mobile service unit from it (the sub-district and the office with the service come
from the needs) and announces it. At the venue, offline, the volunteer ticks the checklist,
records the people served for the service and files a case from the event (the new-case form
carries the event); back online everything arrives once. The coordinator reports the event,
exports the CSV and downloads the one-page PDF, which is rasterised to look at. Screenshots
are written to artifacts/screenshots (a chosen set is kept in docs/screenshots)."""

from __future__ import annotations

import random
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from playwright.sync_api import expect

from tests.web.conftest import ARTIFACTS, Api, axe_violations, same_day_slot
from tests.web.test_e2e import fill_case, sign_in, wait_for_service_worker

DESK = {"width": 1280, "height": 800}
NOTE = "ผู้ค้าในตลาดเช้าสนใจสมัครมาตรา 40 (ทดสอบออฟไลน์)"
VENUE = "ศาลาประชาคมหมู่ 3 บ้านหนองกอมเกาะ"
TITLE = "หน่วยบริการเคลื่อนที่ตำบลในเมือง"

NEEDS = """query { areaNeeds(filter: { areaCode: "430101" }, first: 100) { id note peopleCount serviceCode } }"""
EVENTS = """query { outreachEvents(first: 100) { id title status volunteers { username venueReady peopleInvited } } }"""
REPORT = """query($id: ID!) { outreachEventReport(eventId: $id) { status peopleServed
  served { orgUnitCode serviceCode peopleServed men women } cases { caseId status } volunteersPrepared peopleInvited } }"""
CASE_EVENT = """query($id: ID!) { case(id: $id) { id eventId } }"""


def national_id() -> str:
    digits = [3] + [random.randint(0, 9) for _ in range(11)]
    check = (11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10
    return "".join(map(str, digits + [check]))


def outbox_empty(page: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while page.locator(".statusbar .queue-note").count():
        assert time.monotonic() < deadline, "the outbox did not empty"
        page.wait_for_timeout(250)


@pytest.mark.timeout(900)  # near midnight it waits for the next day (same_day_slot)
def test_needs_to_event_to_report_offline_at_the_venue(live_server: str, new_context: Any, shots: Any,
                                                      tmp_path: Path) -> None:
    start = same_day_slot(timedelta(minutes=4), timedelta(minutes=30))
    end = min(start + timedelta(hours=3), start.replace(hour=23, minute=59))
    ops_api = Api(live_server, "ops.nongkhai")

    # --- a volunteer records a need offline ---
    vol_context = new_context()
    vol = vol_context.new_page()
    sign_in(vol, live_server, "vol.naimueang")
    wait_for_service_worker(vol)
    vol.get_by_role("link", name="กิจกรรม", exact=True).click()
    expect(vol.get_by_role("heading", name="กิจกรรม", exact=True)).to_be_visible()
    vol.wait_for_timeout(500)  # the services and the events are kept for offline use
    vol_context.set_offline(True)
    vol.get_by_role("button", name=re.compile("บันทึกความต้องการของพื้นที่")).click()
    vol.get_by_label("บริการที่ประชาชนต้องการ").select_option("SECTION_40_ENROLMENT")
    vol.get_by_label("จำนวนคนโดยประมาณ").fill("35")
    vol.get_by_label("หมายเหตุ").fill(NOTE)
    shots(vol, "outreach-01-need-form-360")
    vol.get_by_role("button", name="บันทึก", exact=True).click()
    expect(vol.get_by_text("รอส่ง 1 รายการ").first).to_be_visible()
    expect(vol.get_by_text("บันทึกไว้ในเครื่องแล้ว จะส่งเมื่อมีสัญญาณ")).to_be_visible()
    shots(vol, "outreach-02-need-queued-offline-360")
    vol.reload()  # the shell from the service worker, the need still waiting
    expect(vol.get_by_text("รอส่ง 1 รายการ").first).to_be_visible()
    vol_context.set_offline(False)
    outbox_empty(vol)
    needs = [n for n in ops_api.run(NEEDS)["areaNeeds"] if n["note"] == NOTE]
    assert [(n["serviceCode"], n["peopleCount"]) for n in needs] == [("SECTION_40_ENROLMENT", 35)]

    # --- the coordinator plans an event from the needs and announces it ---
    ops_context = new_context()
    ops = ops_context.new_page()
    ops.set_viewport_size(DESK)
    sign_in(ops, live_server, "ops.nongkhai")
    ops.goto(live_server + "/#/outreach")
    expect(ops.get_by_role("heading", name="ความต้องการของพื้นที่")).to_be_visible()
    row = ops.locator(".needs-table tbody tr", has_text="ในเมือง")
    expect(row).to_contain_text("สมัครประกันสังคมมาตรา 40: 35 คน")
    shots(ops, "outreach-03-needs-table-1280")
    row.get_by_role("button", name=re.compile("วางแผนจากความต้องการ")).click()
    expect(ops.get_by_role("heading", name="วางแผนกิจกรรม")).to_be_visible()
    expect(ops.get_by_label("ตำบล")).to_have_value("430101")
    sso = ops.locator(".offer-list > li", has_text="ประกันสังคม").first
    expect(sso.get_by_role("checkbox", name=re.compile("สมัครประกันสังคมมาตรา 40"))).to_be_checked()
    ops.get_by_label("ชื่อกิจกรรม").fill(TITLE)
    ops.get_by_label("วันที่").fill(start.strftime("%Y-%m-%d"))
    ops.get_by_label("เวลาเริ่ม").fill(start.strftime("%H:%M"))
    ops.get_by_label("เวลาสิ้นสุด").fill(end.strftime("%H:%M"))
    ops.get_by_label("สถานที่จัด").fill(VENUE)
    ops.get_by_label("รองรับได้ (คน)").fill("150")
    shots(ops, "outreach-04-plan-from-needs-1280", full_page=True)
    ops.get_by_role("button", name="วางแผนกิจกรรม").click()
    expect(ops.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(ops.get_by_text("วางแผนแล้ว")).to_be_visible()
    ops.get_by_role("button", name="ประกาศ", exact=True).click()
    expect(ops.get_by_text("ประกาศแล้ว")).to_be_visible()
    assert axe_violations(ops) == []
    shots(ops, "outreach-05-event-announced-1280")
    (event,) = [e for e in ops_api.run(EVENTS)["outreachEvents"] if e["title"] == TITLE]
    assert event["status"] == "ANNOUNCED"
    assert "vol.naimueang" in {v["username"] for v in event["volunteers"]}

    # --- at the venue, offline: checklist, people served, a case filed from the event ---
    vol.reload()  # the volunteer opens the app (told by the announcement): their events are kept for offline
    vol.get_by_role("link", name=re.compile(TITLE)).click()
    expect(vol.get_by_role("heading", name="บันทึกผู้รับบริการ")).to_be_visible()
    vol_context.set_offline(True)
    vol.get_by_label("สถานที่พร้อมแล้ว").check()
    vol.get_by_label("เชิญประชาชนแล้ว (คน)").fill("40")
    vol.locator("form", has=vol.get_by_label("สถานที่พร้อมแล้ว")).get_by_role("button", name="บันทึก").click()
    vol.get_by_label("ผู้รับบริการ (คน)").fill("25")
    vol.get_by_text("แยกตามเพศและช่วงอายุ (ไม่บังคับ)").click()
    vol.get_by_label("ชาย", exact=True).fill("10")
    vol.get_by_label("หญิง", exact=True).fill("15")
    shots(vol, "outreach-06-attendance-form-offline-360", full_page=True)
    vol.locator("form", has=vol.get_by_label("ผู้รับบริการ (คน)")).get_by_role("button", name="บันทึก").click()
    expect(vol.get_by_text("รอส่ง 2 รายการ").first).to_be_visible()
    shots(vol, "outreach-07-attendance-queued-offline-360", full_page=True)
    vol.get_by_role("button", name="+ แจ้งเรื่องจากกิจกรรมนี้").click()
    expect(vol.get_by_role("heading", name="แจ้งเรื่องใหม่")).to_be_visible()
    expect(vol.get_by_label("กิจกรรม")).to_have_value(event["id"])
    fill_case(vol, description="ผู้ค้าขายในตลาดต้องการสมัครประกันสังคมมาตรา 40 แต่ไม่แน่ใจสิทธิประโยชน์",
              national_id=national_id())
    shots(vol, "outreach-08-new-case-from-event-360")
    vol.get_by_role("button", name="บันทึกและส่งเรื่อง").click()
    expect(vol.get_by_text("รอส่ง 3 รายการ").first).to_be_visible()
    vol.get_by_role("link", name="กิจกรรม", exact=True).click()
    expect(vol.get_by_role("heading", name="กิจกรรม", exact=True)).to_be_visible()
    shots(vol, "outreach-09-outbox-three-waiting-360", full_page=True)

    # --- back online: each arrives once ---
    vol_context.set_offline(False)
    outbox_empty(vol)
    vol.wait_for_timeout(1_500)
    vol.evaluate("() => window.dispatchEvent(new Event('online'))")  # a second flush sends nothing again
    vol.wait_for_timeout(1_500)
    report = ops_api.run(REPORT, id=event["id"])["outreachEventReport"]
    assert report["status"] == "HELD"
    assert report["served"] == [{"orgUnitCode": "SSO-43", "serviceCode": "SECTION_40_ENROLMENT", "peopleServed": 25,
                                 "men": 10, "women": 15}]
    assert (report["volunteersPrepared"], report["peopleInvited"]) == (1, 40)
    (filed,) = report["cases"]
    assert ops_api.run(CASE_EVENT, id=filed["caseId"])["case"]["eventId"] == event["id"]
    assert len([n for n in ops_api.run(NEEDS)["areaNeeds"] if n["note"] == NOTE]) == 1

    # --- the coordinator reports it: the report, the CSV, the PDF ---
    ops.reload()
    expect(ops.get_by_text("จัดแล้ว", exact=True)).to_be_visible()
    ops.get_by_label("สรุปผล / หมายเหตุ").fill("ประชาชนสนใจมาตรา 40 มาก ควรจัดซ้ำในไตรมาสหน้า")
    ops.get_by_role("button", name="รายงานผล", exact=True).click()
    expect(ops.get_by_text("รายงานผลแล้ว")).to_be_visible()
    ops.get_by_role("link", name="ดูรายงานผล").click()
    expect(ops.get_by_role("heading", name=f"รายงานผลกิจกรรม: {TITLE}")).to_be_visible()
    expect(ops.locator(".kpi", has_text="ผู้รับบริการ (คน)")).to_contain_text("25")
    assert axe_violations(ops) == []
    shots(ops, "outreach-10-report-1280", full_page=True)
    with ops.expect_download() as csv_download:
        ops.get_by_role("button", name="ส่งออก CSV").click()
    csv = Path(csv_download.value.path()).read_bytes()
    assert csv.startswith("\ufeff".encode()) and TITLE.encode() in csv and b"\r\n" in csv
    with ops.expect_download() as pdf_download:
        ops.get_by_role("button", name="พิมพ์ (PDF)").click()
    saved = tmp_path / "report.pdf"
    pdf_download.value.save_as(saved)
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    document = pypdfium2.PdfDocument(saved.read_bytes())
    try:
        assert len(document) == 1
        page = document[0]
        image = page.render(scale=2).to_pil()
        page.close()
    finally:
        document.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "outreach-11-report-pdf.png")
    ink = sum(image.convert("L").crop((80, 60, 1100, 160)).histogram()[:128])
    assert ink > 2000, ink

    # --- a supervisor's figures for the fiscal year ---
    sup_context = new_context()
    sup = sup_context.new_page()
    sup.set_viewport_size(DESK)
    sign_in(sup, live_server, "sup.nongkhai")
    sup.goto(live_server + "/#/outreach")
    expect(sup.get_by_role("heading", name="การมีส่วนร่วมของอาสาสมัครแรงงาน")).to_be_visible()
    expect(sup.get_by_role("heading", name="ความต้องการกับกิจกรรมที่จัด แยกตามอำเภอ")).to_be_visible()
    # the figures come with the province's and the district's names, not their codes
    expect(sup.get_by_role("rowheader", name="หนองคาย", exact=True)).to_be_visible()
    expect(sup.get_by_role("rowheader", name="เมืองหนองคาย", exact=True)).to_be_visible()
    shots(sup, "outreach-12-figures-1280", full_page=True)
