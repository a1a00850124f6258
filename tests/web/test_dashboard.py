"""The supervisor dashboard in the browser (issue 12, part 6): the figures the API computes
(overdue, escalated, baht recovered, satisfaction, days to resolve), a period filter (Thai
fiscal year, quarter, month), drill-down province → district → sub-district and back by the
breadcrumb, the view in the URL, and a CSV of what is on screen.

The live server is shared with other browser tests that file cases of their own, so every
figure on screen is checked against the API's answer for the same area and period, not
against a constant; the cases filed here make sure there is something to count."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import PHONE, Api, axe_violations
from tests.web.test_e2e import OPEN_CASE, sign_in

DESK = {"width": 1280, "height": 800}
BANGKOK = timezone(timedelta(hours=7))
STATS = """query($filter: CaseFilterInput, $from: DateTime, $to: DateTime) {
  caseStats(groupBy: [], filter: $filter, filedFrom: $from, filedTo: $to) {
    rows { caseCount referralCount overdueReferralCount escalatedOpenCaseCount amountRecoveredThb
           satisfactionCount meanSatisfaction openByAge { days0To7 days8To30 days31To60 over60Days } } } }"""
BY_SUBDISTRICT = """query($from: DateTime, $to: DateTime) {
  caseStats(groupBy: [SUBDISTRICT], filter: { districtCode: "4301" }, filedFrom: $from, filedTo: $to) {
    rows { keys { code } caseCount openByAge { days0To7 days8To30 days31To60 over60Days } } } }"""
DO = {
    "accept": "mutation($id: ID!) { acceptReferral(referralId: $id) { __typename } }",
    "complete": """mutation($id: ID!, $a: Decimal) { completeReferral(referralId: $id, outcome: RESOLVED,
                   amountRecoveredThb: $a) { __typename } }""",
    "rate": "mutation($id: ID!) { recordSatisfaction(caseId: $id, score: 4) { __typename } }",
}


def _fiscal_year(now: datetime) -> int:
    return now.year + 543 + (1 if now.month >= 10 else 0)


def _bounds(fy: int) -> tuple[str, str]:
    start = fy - 544
    return f"{start}-10-01T00:00:00+07:00", f"{start + 1}-10-01T00:00:00+07:00"


def _month_bounds(now: datetime) -> tuple[str, str]:
    nxt = (now.replace(day=1) + timedelta(days=32)).replace(day=1)
    return f"{now:%Y-%m}-01T00:00:00+07:00", f"{nxt:%Y-%m}-01T00:00:00+07:00"


def _file_cases(base: str) -> None:
    """Cases in two sub-districts of Mueang Nong Khai; one completed with baht and rated."""
    officer = Api(base, "dlpw.nongkhai")
    for username, subdistrict, n in (("vol.naimueang", "430101", 2), ("vol.michai", "430102", 1)):
        volunteer = Api(base, username)
        for i in range(n):
            opened = volunteer.run(OPEN_CASE, input={
                "categoryCode": "UNPAID_WAGES", "subdistrictCode": subdistrict,
                "description": f"ทดสอบภาพรวม นายจ้างค้างจ่ายค่าจ้าง รายที่ {i + 1}",
                "citizen": {"fullName": "นายภาพรวม ทดสอบ", "consent": True},
            })["openCase"]
            assert opened["__typename"] == "OpenCaseSuccess", opened
            if username == "vol.naimueang" and i == 0:
                referral = opened["case"]["referrals"][0]["id"]
                for action, extra in (("accept", {}), ("complete", {"a": "12500.50"})):
                    answer = officer.run(DO[action], id=referral, **extra)
                    assert next(iter(answer.values()))["__typename"].endswith("Success"), answer
                rated = volunteer.run(DO["rate"], id=opened["case"]["id"])
                assert rated["recordSatisfaction"]["__typename"].endswith("Success"), rated


def _expected(api: Api, area: str, bounds: tuple[str, str]) -> dict[str, Any]:
    key = {2: "provinceCode", 4: "districtCode", 6: "subdistrictCode"}[len(area)]
    rows = api.run(STATS, filter={key: area}, **{"from": bounds[0], "to": bounds[1]})["caseStats"]["rows"]
    r = rows[0] if rows else {"caseCount": 0, "referralCount": 0, "overdueReferralCount": 0,
                              "escalatedOpenCaseCount": 0, "amountRecoveredThb": "0", "meanSatisfaction": None,
                              "satisfactionCount": 0, "openByAge": {"a": 0}}
    mean = r["meanSatisfaction"]
    return {"cases": r["caseCount"], "open": sum(r["openByAge"].values()),
            "overdue": r["overdueReferralCount"], "escalated": r["escalatedOpenCaseCount"],
            "recovered": Decimal(r["amountRecoveredThb"]),
            "satisfaction": None if mean is None else float(Decimal(str(mean)).quantize(Decimal("0.1"), ROUND_HALF_UP))}


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text.split(" จาก ")[0]) or "0")


def _on_screen(page: Any) -> dict[str, Any]:
    figure = lambda key: page.locator(f"[data-figure={key}] .kpi-n").inner_text()  # noqa: E731
    satisfaction = figure("satisfaction")
    return {"cases": int(_number(figure("cases"))), "open": int(_number(figure("open"))),
            "overdue": int(_number(figure("overdue"))), "escalated": int(_number(figure("escalated"))),
            "recovered": _number(figure("recovered")),
            "satisfaction": None if satisfaction == "ยังไม่มี" else float(_number(satisfaction))}


def _settled(page: Any) -> None:
    expect(page.locator(".dashboard")).to_have_attribute("aria-busy", "false")
    expect(page.locator("[data-figure=cases]")).to_be_visible()


def test_supervisor_dashboard_period_drill_down_and_export(
        live_server: str, new_context: Any, shots: Any) -> None:
    _file_cases(live_server)
    supervisor = Api(live_server, "sup.nongkhai")
    now = datetime.now(BANGKOK)
    fy = _fiscal_year(now)
    this_year = _bounds(fy)

    page = new_context().new_page()
    sign_in(page, live_server, "sup.nongkhai")
    # The province, this fiscal year: the figures the API computes, labelled.
    expect(page.get_by_role("heading", name="ภาพรวม · หนองคาย", exact=True)).to_be_visible()
    _settled(page)
    expect(page.get_by_text(f"แสดง: ปีงบประมาณ {fy}")).to_be_visible()
    figures = _on_screen(page)
    assert figures == _expected(supervisor, "43", this_year)
    assert figures["cases"] >= 3 and figures["recovered"] >= Decimal("12500.50")
    assert figures["satisfaction"] is not None
    for label in ("การส่งต่อที่เกินกำหนด", "เรื่องที่ถูกยกระดับ", "เงินที่ได้คืนให้ประชาชน", "ความพึงพอใจ",
                  "เวลาดำเนินการจนเสร็จ (วันทำการ)"):
        expect(page.locator(".kpi-label", has_text=label)).to_be_visible()
    expect(page.locator("[data-figure=resolve] .kpi-n")).to_have_text(re.compile(r"^มัธยฐาน [\d.]+ · P90 [\d.]+$"))
    # The agency chart says it counts referrals, not cases.
    expect(page.get_by_role("heading", name="การส่งต่อตามหน่วยงาน")).to_be_visible()
    expect(page.get_by_text(re.compile("นับเป็นการส่งต่อ ไม่ใช่เรื่อง")).first).to_be_visible()
    # Districts, most open cases first.
    table = page.locator(".area-table")
    expect(page.get_by_role("heading", name="เรื่องที่ยังไม่ปิดรายอำเภอ")).to_be_visible()
    opens = [int(_number(t)) for t in table.locator("tbody td.n:nth-of-type(1)").all_inner_texts()]
    assert opens == sorted(opens, reverse=True) and len(opens) == 9, opens
    expect(table.locator("tbody tr").first).to_have_attribute("data-area", "4301")
    shots(page, "dashboard-province-phone", full_page=True)
    page.set_viewport_size(DESK)
    shots(page, "dashboard-province-desk", full_page=True)
    page.set_viewport_size(PHONE)

    # The period: this month, then last fiscal year; each is in the URL.
    page.get_by_label("แสดงตาม").select_option("month")
    expect(page).to_have_url(re.compile(rf"#/dashboard\?area=43&m={now:%Y-%m}$"))
    _settled(page)
    assert _on_screen(page) == _expected(supervisor, "43", _month_bounds(now))
    page.get_by_label("แสดงตาม").select_option("fy")
    page.get_by_label("ปีงบประมาณ", exact=True).select_option(str(fy - 1))
    expect(page).to_have_url(re.compile(rf"fy={fy - 1}$"))
    expect(page.get_by_text(f"แสดง: ปีงบประมาณ {fy - 1}")).to_be_visible()
    _settled(page)
    assert _on_screen(page) == _expected(supervisor, "43", _bounds(fy - 1))
    page.get_by_label("ปีงบประมาณ", exact=True).select_option(str(fy))
    _settled(page)
    assert _on_screen(page) == figures

    # Drill down by clicking: district, then sub-district; the breadcrumb goes back up.
    table.get_by_role("link", name="เมืองหนองคาย").click()
    expect(page).to_have_url(re.compile(rf"#/dashboard\?area=4301&fy={fy}$"))
    expect(page.get_by_role("heading", name="ภาพรวม · เมืองหนองคาย", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="เรื่องที่ยังไม่ปิดรายตำบล")).to_be_visible()
    _settled(page)
    district = _on_screen(page)
    assert district == _expected(supervisor, "4301", this_year)
    rows = {r["keys"][0]["code"]: r for r in supervisor.run(
        BY_SUBDISTRICT, **{"from": this_year[0], "to": this_year[1]})["caseStats"]["rows"]}
    for code in ("430101", "430102"):
        row = table.locator(f"tr[data-area='{code}']")
        expect(row.locator("td.n").nth(0)).to_have_text(str(sum(rows[code]["openByAge"].values())))
        expect(row.locator("td.n").nth(1)).to_have_text(str(rows[code]["caseCount"]))
    # More than ten sub-districts: the top ten, then all of them.
    expect(table.locator("tbody tr")).to_have_count(10)
    show_all = page.get_by_role("button", name=re.compile(r"^แสดงทั้งหมด \(\d+\): เรื่องที่ยังไม่ปิดรายตำบล$"))
    total = int(re.search(r"\((\d+)\)", show_all.inner_text()).group(1))  # type: ignore[union-attr]
    show_all.click()
    expect(table.locator("tbody tr")).to_have_count(total)
    shots(page, "dashboard-district-phone", full_page=True)

    # The CSV holds the numbers on screen (UTF-8 with a BOM, for Excel).
    with page.expect_download() as download_info:
        page.get_by_role("button", name="ส่งออก CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"khortor-dashboard-4301-fy{fy}.csv"
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    cells = [line.split(",") for line in lines]
    assert ["เรื่องที่รับ", str(district["cases"])] in cells
    assert ["เรื่องที่ยังไม่ปิด", str(district["open"])] in cells
    assert ["การส่งต่อที่เกินกำหนด", str(district["overdue"])] in cells
    assert ["เรื่องที่ถูกยกระดับ", str(district["escalated"])] in cells
    assert any(c[0] == "ความพึงพอใจ" and (float(c[1]) if c[1] else None) == district["satisfaction"] for c in cells)
    assert any(c[0] == "เงินที่ได้คืนให้ประชาชน" and Decimal(c[1]) == district["recovered"] for c in cells)
    assert any(line.startswith("พื้นที่,หนองคาย > เมืองหนองคาย,4301") for line in lines)
    assert any(line.startswith(f"ช่วงเวลา,ปีงบประมาณ {fy} (1 ต.ค. {fy - 1}") for line in lines)
    for tr in table.locator("tbody tr").all():
        code = tr.get_attribute("data-area")
        name = tr.locator("th").inner_text()
        numbers = [n.replace(",", "") for n in tr.locator("td.n").all_inner_texts()]
        assert [code, name, *numbers] == next(c for c in cells if c[0] == code)[:5], code

    page.get_by_role("link", name="ในเมือง", exact=True).click()
    expect(page.get_by_role("heading", name="ภาพรวม · ในเมือง", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"area=430101&fy={fy}$"))
    _settled(page)
    assert _on_screen(page) == _expected(supervisor, "430101", this_year)
    crumbs = page.get_by_role("navigation", name="พื้นที่")
    expect(crumbs.get_by_role("listitem")).to_have_text(["หนองคาย", "เมืองหนองคาย", "ในเมือง"])
    expect(crumbs.locator("[aria-current=page]")).to_have_text("ในเมือง")
    assert axe_violations(page) == []
    page.set_viewport_size(DESK)
    shots(page, "dashboard-subdistrict-desk", full_page=True)
    crumbs.get_by_role("link", name="เมืองหนองคาย").click()
    expect(page.get_by_role("heading", name="ภาพรวม · เมืองหนองคาย", exact=True)).to_be_visible()
    _settled(page)
    assert _on_screen(page) == district
    shots(page, "dashboard-district-desk", full_page=True)
    assert axe_violations(page) == []
    crumbs.get_by_role("link", name="หนองคาย").click()
    expect(page.get_by_role("heading", name="ภาพรวม · หนองคาย", exact=True)).to_be_visible()
    _settled(page)
    assert _on_screen(page) == figures

    # A bookmarked view opens as it was left.
    page.goto(f"{live_server}/#/dashboard?area=4301&fy={fy}&q=1")
    expect(page.get_by_role("heading", name="ภาพรวม · เมืองหนองคาย", exact=True)).to_be_visible()
    expect(page.get_by_label("ไตรมาส", exact=True)).to_have_value("1")
    # In English too, with no axe violation.
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", name="Referrals by agency")).to_be_visible()
    expect(page.get_by_role("heading", name="Open cases by sub-district")).to_be_visible()
    _settled(page)
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shots(page, "dashboard-quarter-english-phone")
    page.get_by_role("button", name="เปลี่ยนเป็นภาษาไทย").click()


def test_national_supervisor_sees_provinces_largest_first(live_server: str, new_context: Any) -> None:
    """The whole country: ten provinces, most open cases first, then all 77; a click opens one,
    and the breadcrumb leads back to the country."""
    opened = Api(live_server, "vol.michai").run(OPEN_CASE, input={  # so that one province has an open case
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430102", "description": "ทดสอบภาพรวมทั้งประเทศ",
        "citizen": {"fullName": "นางทั้งประเทศ ทดสอบ", "consent": True}})["openCase"]
    assert opened["__typename"] == "OpenCaseSuccess", opened
    page = new_context().new_page()
    sign_in(page, live_server, "sup.national")
    expect(page.get_by_role("heading", name="ภาพรวม · ทั้งประเทศ", exact=True)).to_be_visible()
    _settled(page)
    table = page.locator(".area-table")
    expect(page.get_by_role("heading", name="เรื่องที่ยังไม่ปิดรายจังหวัด")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(10)
    page.get_by_role("button", name="แสดงทั้งหมด (77): เรื่องที่ยังไม่ปิดรายจังหวัด").click()
    expect(table.locator("tbody tr")).to_have_count(77)
    opens = [int(_number(t)) for t in table.locator("tbody td.n:nth-of-type(1)").all_inner_texts()]
    assert opens == sorted(opens, reverse=True) and opens[0] > 0, opens
    table.get_by_role("link", name="หนองคาย", exact=True).click()
    expect(page.get_by_role("heading", name="ภาพรวม · หนองคาย", exact=True)).to_be_visible()
    crumbs = page.get_by_role("navigation", name="พื้นที่")
    expect(crumbs.get_by_role("listitem")).to_have_text(["ทั้งประเทศ", "หนองคาย"])
    crumbs.get_by_role("link", name="ทั้งประเทศ").click()
    expect(page.get_by_role("heading", name="ภาพรวม · ทั้งประเทศ", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/dashboard\?fy=\d{4}$"))
