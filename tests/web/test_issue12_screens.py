"""Issue 12 in the browser: tab bars that fit a 360 px phone, the card of a finished referral,
and a mentor who is not offered a note form the API would refuse."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import PHONE, Api, axe_violations
from tests.web.test_e2e import OPEN_CASE, sign_in

DESK = {"width": 1280, "height": 800}
NOTIFICATIONS = re.compile("^การแจ้งเตือน")

# Every tab of a role, by its Thai label; those after "|" sit behind "เพิ่มเติม" on a phone.
TABS: dict[str, tuple[list[str], list[str]]] = {
    "vol.naimueang": (["เรื่องของฉัน", "แจ้งเรื่องใหม่"], []),
    "dlpw.nongkhai": (["เรื่องที่ส่งมาหน่วยงาน"], []),
    "sup.nongkhai": (["ภาพรวม", "การส่งต่อในจังหวัด"], ["เรื่อง", "อาสาสมัครแรงงาน"]),
    "ops.nongkhai": (["เรื่องใหม่รอคัดกรอง", "การส่งต่อในจังหวัด"], ["เรื่อง", "อาสาสมัครแรงงาน", "ผู้ใช้งาน"]),
    "admin": (["เรื่อง", "ภาพรวม"], ["การส่งต่อในจังหวัด", "อาสาสมัครแรงงาน", "ผู้ดูแลระบบ"]),
}


def assert_no_sideways_scroll(page: Any) -> None:
    sizes = page.evaluate("""() => {
        const nav = document.querySelector("nav.tabs");
        const list = nav.querySelector("ul");
        const root = document.documentElement;
        return { nav: [nav.scrollWidth, nav.clientWidth], list: [list.scrollWidth, list.clientWidth],
                 page: [root.scrollWidth, root.clientWidth] };
    }""")
    for name, (scroll, client) in sizes.items():
        assert scroll <= client, f"{name} scrolls sideways: {sizes}"


def assert_inside_viewport(page: Any, locator: Any) -> None:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box


def test_every_tab_is_reachable_at_360_px(live_server: str, new_context: Any, shots: Any) -> None:
    problems: dict[str, Any] = {}
    for username, (direct, behind_more) in TABS.items():
        page = new_context().new_page()
        sign_in(page, live_server, username)
        nav = page.locator("nav.tabs")
        more = nav.get_by_role("button", name="เพิ่มเติม")
        assert_no_sideways_scroll(page)

        for label in direct:
            link = nav.get_by_role("link", name=label, exact=True)
            expect(link).to_be_visible()
            assert_inside_viewport(page, link)
            link.click()
            expect(link).to_have_attribute("aria-current", "page")
        inbox = nav.get_by_role("link", name=NOTIFICATIONS)
        expect(inbox).to_be_visible()
        assert_inside_viewport(page, inbox)
        inbox.click()
        expect(page.get_by_role("heading", name="การแจ้งเตือน")).to_be_visible()
        expect(inbox).to_have_attribute("aria-current", "page")

        if not behind_more:
            expect(more).to_have_count(0)
        else:
            expect(more).to_be_visible()
            assert_inside_viewport(page, more)
            expect(more).to_have_attribute("aria-expanded", "false")
            for label in behind_more:
                expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)  # hidden
            for n, label in enumerate(behind_more):
                more.click()
                expect(more).to_have_attribute("aria-expanded", "true")
                link = page.locator("#more-menu").get_by_role("link", name=label, exact=True)
                expect(link).to_be_visible()
                assert_inside_viewport(page, link)
                assert_no_sideways_scroll(page)
                if n == 0 and username == "ops.nongkhai":
                    shots(page, "issue12-tabs-coordinator-more-open")
                    found = axe_violations(page)
                    if found:
                        problems[f"{username} menu open"] = found
                link.click()
                expect(more).to_have_attribute("aria-expanded", "false")
                expect(page.locator("#more-menu")).to_be_hidden()
                expect(page).to_have_url(re.compile("#/(cases|volunteers|referrals|admin|admin/people)$"))
                # The tab behind "more" is the current page: the button says so too.
                expect(more).to_have_class(re.compile("current"))
            # The keyboard: Enter opens, Escape closes and gives focus back to the button.
            more.focus()
            page.keyboard.press("Enter")
            expect(more).to_have_attribute("aria-expanded", "true")
            page.keyboard.press("Tab")
            expect(page.locator("#more-menu a").first).to_be_focused()
            page.keyboard.press("Escape")
            expect(more).to_have_attribute("aria-expanded", "false")
            expect(more).to_be_focused()
            # A tap outside closes it.
            more.click()
            expect(more).to_have_attribute("aria-expanded", "true")
            page.mouse.click(5, 700)
            expect(more).to_have_attribute("aria-expanded", "false")

        nav.get_by_role("link", name=direct[0], exact=True).click()
        page.wait_for_load_state("networkidle")
        assert_no_sideways_scroll(page)
        shots(page, f"issue12-tabs-{username}")
        found = axe_violations(page)
        if found:
            problems[username] = found

        # On a desk screen every tab is in the row and there is no "more".
        page.set_viewport_size(DESK)
        expect(more).to_have_count(0)
        for label in direct + behind_more:
            expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
        assert_no_sideways_scroll(page)
        shots(page, f"issue12-tabs-{username}-desk")

        # In English too: the labels follow the language, and still fit.
        page.set_viewport_size(PHONE)
        page.get_by_role("button", name="Switch to English").click()
        expect(nav.get_by_role("link", name=re.compile("^Notifications"))).to_be_visible()
        if behind_more:
            expect(nav.get_by_role("button", name="More")).to_be_visible()
        assert_no_sideways_scroll(page)
        shots(page, f"issue12-tabs-{username}-en")
        page.get_by_role("button", name="เปลี่ยนเป็นภาษาไทย").click()
        page.context.close()
    assert problems == {}


UNREAD = "query { notifications(unreadOnly: true, first: 1) { unreadCount } }"


def test_the_unread_badge_stays_in_the_phone_tab_bar(live_server: str, new_context: Any,
                                                     shots: Any) -> None:
    # A new case routed to DLPW tells its officers: the officer has something unread.
    volunteer = Api(live_server, "vol.michai")
    opened = volunteer.run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430102",
        "description": "ทดสอบป้ายแจ้งเตือนบนแถบเมนู",
        "citizen": {"fullName": "นายป้าย แจ้งเตือน", "consent": True},
    })["openCase"]
    assert opened["__typename"] == "OpenCaseSuccess"
    # The officers are told by a worker, after the filing's commit; the client counts the unread
    # on signing in (and each minute after), so sign in once the notification is there.
    officer, told_by = Api(live_server, "dlpw.nongkhai"), time.monotonic() + 30
    while officer.run(UNREAD)["notifications"]["unreadCount"] < 1:
        assert time.monotonic() < told_by, "the officers were not told of the new case within 30 s"
        time.sleep(0.2)
    page = new_context().new_page()
    sign_in(page, live_server, "dlpw.nongkhai")
    badge = page.locator("nav.tabs .count")
    expect(badge).to_have_text(re.compile(r"^[1-9]"))
    assert_inside_viewport(page, badge)
    shots(page, "issue12-officer-unread-badge")
    expect(page.get_by_role("link", name=re.compile(r"^การแจ้งเตือน\s*,\s*ยังไม่ได้อ่าน \d+ รายการ$"))).to_be_visible()


REFERRAL_DO = {
    "accept": "mutation($id: ID!) { acceptReferral(referralId: $id) { __typename } }",
    "hold": "mutation($id: ID!, $r: String!) { holdReferral(referralId: $id, reason: $r) { __typename } }",
    "resume": "mutation($id: ID!) { resumeReferral(referralId: $id) { __typename } }",
    "complete": """mutation($id: ID!, $a: Decimal) { completeReferral(referralId: $id, outcome: RESOLVED,
                   amountRecoveredThb: $a) { __typename } }""",
    "redirect": """mutation($id: ID!, $u: String!, $r: String!) { redirectReferral(referralId: $id,
                   orgUnitCode: $u, reason: $r) { __typename } }""",
}
HOLD_REASON = "รอสำเนาสลิปเงินเดือนจากผู้ขอรับบริการ"
REDIRECT_REASON = "เป็นเรื่องสิทธิประโยชน์ประกันสังคม ไม่ใช่ค่าจ้าง"


def _do(api: Api, action: str, **variables: Any) -> None:
    answer = api.run(REFERRAL_DO[action], **variables)
    assert next(iter(answer.values()))["__typename"].endswith("Success"), answer


def test_a_completed_referral_card_shows_the_amount_and_no_deadlines(
        live_server: str, new_context: Any, shots: Any) -> None:
    volunteer = Api(live_server, "vol.naimueang")
    officer = Api(live_server, "dlpw.nongkhai")
    opened = volunteer.run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101",
        "description": "ทดสอบบัตรการส่งต่อที่เสร็จสิ้น",
        "citizen": {"fullName": "นางเสร็จ สิ้นแล้ว", "consent": True},
    })["openCase"]
    case_id = opened["case"]["id"]
    reference = opened["case"]["reference"]
    referral_id = opened["case"]["referrals"][0]["id"]
    _do(officer, "accept", id=referral_id)
    _do(officer, "hold", id=referral_id, r=HOLD_REASON)
    _do(officer, "resume", id=referral_id)
    _do(officer, "complete", id=referral_id, a="18000.50")
    be_year = (datetime.now(timezone(timedelta(hours=7)))).year + 543

    # The officer's referral page.
    page = new_context().new_page()
    sign_in(page, live_server, "dlpw.nongkhai")
    page.goto(f"{live_server}/#/referral/{referral_id}")
    card = page.locator(".card").first
    expect(card.locator(".badge")).to_have_text("เสร็จสิ้น")
    expect(card).to_contain_text("18,000.50 บาท")
    expect(card).to_contain_text("แก้ไขได้")
    expect(card.locator("dt", has_text="เสร็จสิ้นเมื่อ")).to_be_visible()
    expect(card.locator("dt:has-text('เสร็จสิ้นเมื่อ') + dd")).to_have_text(re.compile(rf"{be_year}.*\d\d:\d\d"))
    expect(card).not_to_contain_text("ในอีก")
    expect(card).not_to_contain_text(HOLD_REASON)
    expect(card).not_to_contain_text("ดำเนินการเสร็จภายใน")
    assert "ในอีก" not in page.locator("main").inner_text()
    shots(page, "issue12-completed-referral", full_page=True)
    page.set_viewport_size(DESK)
    shots(page, "issue12-completed-referral-desk", full_page=True)
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)

    # The volunteer's case page: the referral's row says the same, and no running deadline.
    mine = new_context().new_page()
    sign_in(mine, live_server, "vol.naimueang")
    mine.goto(f"{live_server}/#/case/{case_id}")
    expect(mine.get_by_role("heading", name=reference)).to_be_visible()
    row = mine.locator(".card", has=mine.get_by_role("heading", name="การส่งต่อ", exact=True)).locator("li").first
    expect(row).to_contain_text("18,000.50 บาท")
    expect(row).to_contain_text("แก้ไขได้")
    expect(row).to_contain_text(str(be_year))
    expect(row).not_to_contain_text(HOLD_REASON)
    assert "ในอีก" not in mine.locator("main").inner_text()
    row.scroll_into_view_if_needed()
    shots(mine, "issue12-completed-referral-volunteer", full_page=True)
    assert axe_violations(mine) == []


def test_a_redirected_referral_shows_its_reason_and_no_deadline(
        live_server: str, new_context: Any, shots: Any) -> None:
    volunteer = Api(live_server, "vol.naimueang")
    officer = Api(live_server, "dlpw.nongkhai")
    opened = volunteer.run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101",
        "description": "ทดสอบบัตรการส่งต่อที่ส่งต่อหน่วยงานอื่น",
        "citizen": {"fullName": "นายส่งต่อ ไปแล้ว", "consent": True},
    })["openCase"]
    case_id = opened["case"]["id"]
    referral_id = opened["case"]["referrals"][0]["id"]
    _do(officer, "accept", id=referral_id)
    _do(officer, "redirect", id=referral_id, u="SSO-43", r=REDIRECT_REASON)

    page = new_context().new_page()
    sign_in(page, live_server, "vol.naimueang")
    page.goto(f"{live_server}/#/case/{case_id}")
    rows = page.locator(".card", has=page.get_by_role("heading", name="การส่งต่อ", exact=True)).locator("li")
    expect(rows).to_have_count(2)
    left = rows.filter(has_text="DLPW-43")
    expect(left).to_contain_text(REDIRECT_REASON)
    expect(left).not_to_contain_text("กำหนดเวลา")
    expect(left.locator(".badge")).to_have_text("ส่งต่อหน่วยงานอื่น")
    expect(rows.filter(has_text="SSO-43")).to_contain_text("กำหนดเวลา")  # the new office's clock runs

    staff = new_context().new_page()
    sign_in(staff, live_server, "dlpw.nongkhai")
    staff.goto(f"{live_server}/#/referral/{referral_id}")
    card = staff.locator(".card").first
    expect(card).to_contain_text(REDIRECT_REASON)
    expect(card).not_to_contain_text("ในอีก")
    expect(card).not_to_contain_text("รับเรื่องภายใน")
    shots(staff, "issue12-redirected-referral", full_page=True)


def test_a_mentor_is_not_offered_a_note_form(live_server: str, new_context: Any, shots: Any) -> None:
    volunteer = Api(live_server, "vol.naimueang")
    opened = volunteer.run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101",
        "description": "ทดสอบพี่เลี้ยงดูเรื่องของอาสาสมัคร",
        "citizen": {"fullName": "นางพี่เลี้ยง ดูอยู่", "consent": True},
    })["openCase"]
    case_id = opened["case"]["id"]
    reference = opened["case"]["reference"]

    mentor = new_context().new_page()
    sign_in(mentor, live_server, "mentor.nongkhai")
    mentor.goto(f"{live_server}/#/case/{case_id}")
    expect(mentor.get_by_role("heading", name=reference)).to_be_visible()
    expect(mentor.get_by_role("heading", name="ประวัติการดำเนินการ")).to_be_visible()
    expect(mentor.get_by_role("button", name="เพิ่มบันทึก")).to_have_count(0)
    expect(mentor.get_by_label("ข้อความ", exact=True)).to_have_count(0)
    expect(mentor.get_by_role("button", name=re.compile("ความพึงพอใจ|ปิดเรื่อง|ส่งต่อ"))).to_have_count(0)
    shots(mentor, "issue12-mentor-case", full_page=True)
    assert axe_violations(mentor) == []

    # A supervisor neither (the API refuses both); the filer and the province's coordinator may.
    supervisor = new_context().new_page()
    sign_in(supervisor, live_server, "sup.nongkhai")
    supervisor.goto(f"{live_server}/#/case/{case_id}")
    expect(supervisor.get_by_role("heading", name=reference)).to_be_visible()
    expect(supervisor.get_by_role("heading", name="ประวัติการดำเนินการ")).to_be_visible()
    expect(supervisor.get_by_role("button", name="เพิ่มบันทึก")).to_have_count(0)

    for username in ("vol.naimueang", "ops.nongkhai"):
        page = new_context().new_page()
        sign_in(page, live_server, username)
        page.goto(f"{live_server}/#/case/{case_id}")
        note = f"บันทึกทดสอบจาก {username}"
        page.get_by_label("ข้อความ", exact=True).fill(note)
        page.get_by_role("button", name="เพิ่มบันทึก").click()
        expect(page.locator(".timeline").get_by_text(note)).to_be_visible()
