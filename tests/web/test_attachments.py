"""Photos and documents on a case in a real browser (issue 14), at 360×800 on the live app (SQLite).

A volunteer files a case offline with two photos (JPEGs with EXIF GPS, set on the form's file
input): the photos are shrunk on the phone (longest side ≤ 1600 px, no EXIF left) and wait in
the IndexedDB outbox with the case; a reload keeps them. Back online on a throttled line, the
case goes first, then the photos over tus; the line is cut half-way through the first photo
and comes back: the upload resumes from where the server stopped (a HEAD, then a PATCH from a
non-zero offset, no second creation) and both files arrive once. The case page shows both
thumbnails (fetched with the bearer header, shown through blob: URLs).

An officer attaches a PDF to the referral on its page (the upload carries the referral); it
downloads as a file; a supervisor, who may not see the citizen whole, sees that a PDF exists and
its size, no name, no thumbnail.

A volunteer attaches a photo to one of their cases already filed, offline: it waits in the
outbox as an attachments-only item carrying the case id (shown on the case page as waiting, and
in the outbox as "ไฟล์แนบของเรื่อง <reference>"); a reload keeps it; back online it arrives once.

Screenshots at 360×800 and 1280×800: the form with two files, the outbox with progress, the
case page with its attachments, the case page with a photo waiting; and the referral page with
the officer's document.
"""

from __future__ import annotations

import io
import random
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ExifTags
from playwright.sync_api import expect

from tests.web.conftest import PHONE, Api, axe_violations
from tests.web.test_e2e import OPEN_CASE, fill_case, sign_in, wait_for_service_worker

DESK = {"width": 1280, "height": 800}
MARKER = "ทดสอบไฟล์แนบออฟไลน์"
# A slow village line: about 160 KB/s up, so a ~1 MB photo takes seconds and can be cut.
THROTTLED = {"offline": False, "latency": 80, "downloadThroughput": 400 * 1024,
             "uploadThroughput": 160 * 1024}
CUT = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}

CASE_FILES = """query($id: ID!) { case(id: $id) { id reference
  attachments { id kind contentType sizeBytes name mayOpen hasThumbnail }
  events { type } } }"""
COUNT = """query($text: String) { cases(filter: { text: $text }, first: 10) { totalCount
  edges { node { id } } } }"""


def national_id() -> str:
    """A valid Thai national ID nobody else in the session uses (the duplicate warning)."""
    digits = [1] + [random.randint(0, 9) for _ in range(11)]
    check = (11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10
    return "".join(map(str, digits + [check]))


def photo(seed: int, size: tuple[int, int], noisy: bool) -> bytes:
    """A JPEG as a phone takes it: large, with EXIF GPS (Nong Khai). `noisy`: hard to compress,
    so the shrunk copy stays around a megabyte and its upload takes a while on a slow line."""
    rng = random.Random(seed)
    if noisy:
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle((x, y, x + size[0] // 5, y + size[1] // 6),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KhortorTestPhone"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (17.0, 52.0, 30.0), 3: "E", 4: (102.0, 44.0, 15.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo has no GPS"
    return data


def queued_files(page: Any) -> list[dict[str, Any]]:
    """The outbox's files as stored in IndexedDB: sizes, dimensions, whether EXIF is left."""
    found: list[dict[str, Any]] = page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("khortor-outbox");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const db = open.result;
            const all = db.transaction("items").objectStore("items").getAll();
            all.onsuccess = async () => {
                db.close();
                const out = [];
                for (const item of all.result) for (const f of item.files || []) {
                    const bytes = new Uint8Array(await f.blob.arrayBuffer());
                    const head = new TextDecoder("latin1").decode(bytes.slice(0, 4096));
                    const bitmap = await createImageBitmap(f.blob);
                    out.push({ item: item.clientId, caseId: item.caseId ?? null, clientId: f.clientId,
                               name: f.name, type: f.type, size: f.size, stored: bytes.length,
                               exif: head.includes("Exif"), width: bitmap.width, height: bitmap.height });
                }
                resolve(out);
            };
        };
    })""")
    return found


def progress_of(page: Any) -> int:
    value = page.evaluate("""() => { const p = document.querySelector(".outbox progress");
                                     return p ? Number(p.value) : -1; }""")
    return int(value)


def test_offline_case_with_two_photos_resumes_a_cut_upload(live_server: str, live_env: dict[str, str],
                                                           new_context: Any, shots: Any,
                                                           tmp_path: Path) -> None:
    started = time.monotonic()
    base = live_server
    big = photo(1, (2400, 1800), noisy=True)    # shrunk to 1600×1200, still ~1 MB
    small = photo(2, (3000, 4000), noisy=False)  # portrait, shrunk to 1200×1600
    context = new_context()
    page = context.new_page()
    uploads: list[tuple[str, str, str | None]] = []
    page.on("request", lambda r: uploads.append((r.method, r.url, r.headers.get("upload-offset")))
            if "/uploads" in r.url else None)

    sign_in(page, base, "vol.naimueang")
    wait_for_service_worker(page)

    # --- offline: the case and two photos wait on the phone ---
    context.set_offline(True)
    page.get_by_role("link", name="แจ้งเรื่องใหม่").click()
    expect(page.get_by_role("heading", name="แจ้งเรื่องใหม่")).to_be_visible()
    fill_case(page, description=f"ลูกจ้างถ่ายรูปสลิปเงินเดือนและนั่งร้านไว้ ({MARKER})", national_id=national_id())
    page.locator("#attach-pick").set_input_files([
        {"name": "payslip.jpg", "mimeType": "image/jpeg", "buffer": big},
        {"name": "scaffold.jpg", "mimeType": "image/jpeg", "buffer": small},
    ])
    chosen = page.locator(".attach .files li")
    expect(chosen).to_have_count(2)
    expect(page.locator(".attach .files img.thumb")).to_have_count(2)
    expect(page.get_by_role("button", name="ลบไฟล์ payslip.jpg")).to_be_visible()
    picker = page.locator("fieldset.attach")
    picker.evaluate("(e) => e.scrollIntoView({ block: 'start' })")
    shots(page, "attach-01-form-two-files-360")
    page.set_viewport_size(DESK)
    picker.evaluate("(e) => e.scrollIntoView({ block: 'center' })")
    shots(page, "attach-01-form-two-files-1280")
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    page.get_by_role("button", name="บันทึกและส่งเรื่อง").click()

    expect(page.get_by_role("heading", name="เรื่องของฉัน")).to_be_visible()
    expect(page.get_by_text("รอส่ง 1 รายการ").first).to_be_visible()
    files = queued_files(page)
    assert [f["name"] for f in files] == ["payslip.jpg", "scaffold.jpg"], files
    for f in files:  # shrunk on the phone: ≤ 1600 px, a JPEG without EXIF (no GPS leaves it)
        assert f["type"] == "image/jpeg" and not f["exif"], f
        assert max(f["width"], f["height"]) == 1600, f
        assert f["stored"] == f["size"] < 10 * 1024 * 1024, f
    assert (files[0]["width"], files[1]["width"]) == (1600, 1200)
    assert files[0]["size"] > 400 * 1024, "the big photo must be large enough to cut half-way"
    assert files[1]["size"] < 300 * 1024, files[1]

    # --- reload with no network: the files are still there ---
    page.reload()
    expect(page.get_by_text("รอส่ง 1 รายการ").first).to_be_visible()
    expect(page.locator(".outbox .files li")).to_have_count(2)
    assert [f["clientId"] for f in queued_files(page)] == [f["clientId"] for f in files]
    case_id = files[0]["item"]

    # --- back online on a slow line: the case goes, then the photos; cut at ~50 % ---
    cdp = context.new_cdp_session(page)
    context.set_offline(False)
    cdp.send("Network.emulateNetworkConditions", THROTTLED)
    progress = page.locator(".outbox progress")
    expect(progress.first).to_be_visible(timeout=20_000)
    deadline = time.monotonic() + 20
    while progress_of(page) < 15:
        assert time.monotonic() < deadline, f"the upload did not start ({progress_of(page)} %)"
        page.wait_for_timeout(50)
    shots(page, "attach-02-outbox-progress-360")
    page.set_viewport_size(DESK)
    shots(page, "attach-02-outbox-progress-1280")
    page.set_viewport_size(PHONE)
    while progress_of(page) < 50:
        assert time.monotonic() < deadline, f"the upload did not reach 50 % ({progress_of(page)} %)"
        page.wait_for_timeout(50)
    cut_at = progress_of(page)
    cdp.send("Network.emulateNetworkConditions", CUT)
    expect(page.get_by_text("ออฟไลน์", exact=False).first).to_be_visible()
    page.wait_for_timeout(1_000)
    assert progress_of(page) < 100, "the whole file went before the cut"
    before_resume = len(uploads)
    # the case was filed before the files: the item now waits only with its files, for that case
    waiting = queued_files(page)
    assert waiting and {f["caseId"] for f in waiting} == {case_id}, waiting

    cdp.send("Network.emulateNetworkConditions", THROTTLED)
    thumbs = None
    volunteer = Api(base, "vol.naimueang")
    deadline = time.monotonic() + 30
    while True:
        found = volunteer.run(CASE_FILES, id=case_id)["case"]["attachments"]
        if len(found) >= 2 and not queued_files(page):
            break
        assert time.monotonic() < deadline, (found, uploads)
        page.wait_for_timeout(300)
    expect(page.get_by_text("รอส่ง 1 รายการ")).to_have_count(0)
    cdp.send("Network.emulateNetworkConditions", {**CUT, "offline": False})
    page.wait_for_timeout(500)  # let any (wrong) second upload arrive before counting

    # --- resumed, not restarted: a HEAD then a PATCH from past zero; two creations in all ---
    after = uploads[before_resume:]
    posts = [u for u in uploads if u[0] == "POST"]
    assert len(posts) == 2, uploads
    assert any(m == "HEAD" for m, _, _ in after), after
    resumed = [int(o) for m, _, o in after if m == "PATCH" and o is not None]
    assert resumed and resumed[0] > 0, (cut_at, after)

    # --- arrived once: one case, two attachments (GraphQL and the database agree) ---
    assert volunteer.run(COUNT, text=MARKER)["cases"]["totalCount"] == 1
    case = volunteer.run(CASE_FILES, id=case_id)["case"]
    attached = case["attachments"]
    assert sorted(a["name"] for a in attached) == ["payslip.jpg", "scaffold.jpg"], attached
    assert all(a["kind"] == "PHOTO" and a["mayOpen"] and a["hasThumbnail"] for a in attached), attached
    assert [e["type"] for e in case["events"]].count("ATTACHED") == 2
    db_file = live_env["KHORTOR_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(db_file) as db:
        rows = db.execute("SELECT client_id FROM attachment WHERE case_id = ?",
                          (case_id.replace("-", ""),)).fetchall()
        if not rows:  # UUIDs stored with dashes
            rows = db.execute("SELECT client_id FROM attachment WHERE case_id = ?", (case_id,)).fetchall()
    assert len(rows) == 2, rows
    assert len({str(r[0]).replace("-", "") for r in rows}) == 2
    assert {str(r[0]).replace("-", "") for r in rows} == {f["clientId"].replace("-", "") for f in files}

    # --- the case page shows both thumbnails (blob: URLs fetched with the token) ---
    page.goto(f"{base}/#/case/{case_id}")
    expect(page.get_by_role("heading", name=case["reference"])).to_be_visible()
    thumbs = page.locator(".files img.thumb")
    expect(thumbs).to_have_count(2)
    for i in range(2):
        assert thumbs.nth(i).get_attribute("src").startswith("blob:")
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumbs.nth(i).element_handle())
    expect(page.locator(".timeline").get_by_text(re.compile(r"^แนบรูปภาพ \d+ KB$"))).to_have_count(2)
    assert axe_violations(page) == []
    page.locator("#attachments-title").evaluate("(e) => e.scrollIntoView({ block: 'start' })")
    shots(page, "attach-03-case-attachments-360")
    page.set_viewport_size(DESK)
    page.locator("#attachments-title").scroll_into_view_if_needed()
    shots(page, "attach-03-case-attachments-1280")
    assert time.monotonic() - started < 90, "the scenario should take well under a minute"


def a_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_officer_attaches_a_document_to_the_referral(live_server: str, new_context: Any,
                                                       shots: Any, tmp_path: Path) -> None:
    base = live_server
    opened = Api(base, "vol.naimueang").run(OPEN_CASE, input={
        "categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101",
        "description": "ทดสอบเอกสารแนบของเจ้าหน้าที่",
        "citizen": {"fullName": "นายเอกสาร แนบไฟล์", "consent": True}})["openCase"]
    case_id, referral_id = opened["case"]["id"], opened["case"]["referrals"][0]["id"]
    pdf = a_pdf()

    officer = new_context().new_page()
    sign_in(officer, base, "dlpw.nongkhai")
    officer.goto(f"{base}/#/referral/{referral_id}")
    expect(officer.get_by_role("heading", name="แนบเอกสาร")).to_be_visible()
    officer.locator(f"#add-{referral_id}-pick").set_input_files(
        [{"name": "หนังสือสั่งจ่าย.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    row = officer.locator(".files li", has_text="หนังสือสั่งจ่าย.pdf")
    expect(row.get_by_role("button", name="ดาวน์โหลด")).to_be_visible()
    expect(row.get_by_text("เอกสาร PDF", exact=False)).to_be_visible()
    # the history says what was attached, and its size (reloaded when the upload finished)
    expect(officer.locator(".timeline").get_by_text(re.compile(r"^แนบเอกสาร \d+ (B|KB)$"))).to_be_visible()
    officer.locator("#attachments-title").evaluate("(e) => e.scrollIntoView({ block: 'start' })")
    shots(officer, "attach-04-referral-document-360")
    with officer.expect_download() as download:
        row.get_by_role("button", name="ดาวน์โหลด").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "หนังสือสั่งจ่าย.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")

    found = Api(base, "dlpw.nongkhai").run(CASE_FILES, id=case_id)["case"]["attachments"]
    assert [(a["kind"], a["name"]) for a in found] == [("DOCUMENT", "หนังสือสั่งจ่าย.pdf")], found
    referral_of = Api(base, "dlpw.nongkhai").run(
        "query($id: ID!) { case(id: $id) { attachments { referralId } } }", id=case_id)
    assert referral_of["case"]["attachments"][0]["referralId"] == referral_id

    # --- who may not see the citizen whole sees a PDF and its size, nothing else ---
    supervisor = new_context().new_page()
    sign_in(supervisor, base, "sup.nongkhai")
    supervisor.goto(f"{base}/#/case/{case_id}")
    expect(supervisor.get_by_role("heading", name="ไฟล์แนบ (1)")).to_be_visible()
    masked = supervisor.locator(".files li").first
    expect(masked.get_by_text("เอกสาร PDF", exact=False)).to_be_visible()
    expect(masked.get_by_text("คุณไม่มีสิทธิ์เปิดไฟล์นี้")).to_be_visible()
    expect(supervisor.get_by_text("หนังสือสั่งจ่าย.pdf")).to_have_count(0)
    expect(masked.get_by_role("button")).to_have_count(0)
    supervisor.set_viewport_size(DESK)
    supervisor.locator("#attachments-title").evaluate("(e) => e.scrollIntoView({ block: 'center' })")
    shots(supervisor, "attach-05-masked-1280")


def test_filed_online_the_case_opens_and_its_photo_follows(live_server: str, new_context: Any) -> None:
    """Online, the form does not wait for the files: the case page opens as soon as the case is
    filed, shows the photo still on its way, and then the server's thumbnail."""
    page = new_context().new_page()
    sign_in(page, live_server, "vol.naimueang")
    page.get_by_role("link", name="แจ้งเรื่องใหม่").click()
    fill_case(page, description="ทดสอบแนบรูปขณะออนไลน์", national_id=national_id())
    page.locator("#attach-camera").set_input_files(
        [{"name": "IMG_0001.PNG", "mimeType": "image/png", "buffer": _png()}])
    expect(page.locator(".attach .files img.thumb")).to_have_count(1)
    expect(page.get_by_text("IMG_0001.jpg")).to_be_visible()  # redrawn as a JPEG on the phone
    page.get_by_role("button", name="บันทึกและส่งเรื่อง").click()
    expect(page.get_by_role("heading", name=re.compile(r"^\d{2}-\d{4}-\d{6}$"))).to_be_visible()
    thumbs = page.locator("#attachments-title ~ ul.files img.thumb")
    expect(thumbs).to_have_count(1)
    expect(thumbs.first).to_have_attribute("src", re.compile("^blob:"))
    expect(page.locator(".timeline").get_by_text(re.compile(r"^แนบรูปภาพ \d+ KB$"))).to_have_count(1)


def test_a_photo_that_arrives_before_the_case_page_answers_still_shows(live_server: str,
                                                                       new_context: Any) -> None:
    """The case page asks for the case while its photo is on its way; here the server answers
    before the photo arrives and the answer reaches the page only after it has: the page then
    lists neither the file nor anything waiting, and must fetch the case again (seen once in
    a full run under load: no thumbnail for 30 s)."""
    page = new_context().new_page()
    sign_in(page, live_server, "vol.naimueang")
    held: dict[str, Any] = {"case": None, "uploads": []}

    def case_query(route: Any) -> None:
        variables = (route.request.post_data_json or {}).get("variables") or {}
        if held["case"] is None and set(variables) == {"id"}:
            held["case"] = (route, route.fetch(), variables["id"])  # asked before the photo arrived
            return
        route.continue_()

    def upload(route: Any) -> None:
        if held["case"] is None:
            held["uploads"].append(route)  # the photo waits until the case has been asked for
        else:
            route.continue_()

    page.route("**/graphql", case_query)
    page.route("**/uploads**", upload)
    page.get_by_role("link", name="แจ้งเรื่องใหม่").click()
    fill_case(page, description="ทดสอบรูปมาถึงก่อนคำตอบ", national_id=national_id())
    page.locator("#attach-camera").set_input_files(
        [{"name": "IMG_0002.PNG", "mimeType": "image/png", "buffer": _png()}])
    expect(page.locator(".attach .files img.thumb")).to_have_count(1)
    page.get_by_role("button", name="บันทึกและส่งเรื่อง").click()
    deadline = time.monotonic() + 30
    while held["case"] is None:
        assert time.monotonic() < deadline, "the case page never asked for the case"
        page.wait_for_timeout(50)
    route, answer, case_id = held["case"]
    for waiting in held["uploads"]:
        waiting.continue_()
    api = Api(live_server, "vol.naimueang")
    while not api.run("query($id: ID!) { case(id: $id) { attachments { id } } }",
                      id=case_id)["case"]["attachments"]:
        assert time.monotonic() < deadline, "the photo never arrived"
        page.wait_for_timeout(100)
    route.fulfill(response=answer)  # the first answer, without the photo, arrives now
    expect(page.get_by_role("heading", name=re.compile(r"^\d{2}-\d{4}-\d{6}$"))).to_be_visible()
    expect(page.locator("#attachments-title ~ ul.files img.thumb")).to_have_count(1)
    expect(page.locator(".timeline").get_by_text(re.compile(r"^แนบรูปภาพ \d+ KB$"))).to_have_count(1)


def _png() -> bytes:
    image = Image.new("RGB", (2000, 1500), (40, 120, 200))
    ImageDraw.Draw(image).ellipse((400, 300, 1600, 1200), fill=(250, 200, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_photo_attached_offline_to_a_filed_case_waits_in_the_outbox(live_server: str, new_context: Any,
                                                                      shots: Any) -> None:
    started = time.monotonic()
    base = live_server
    volunteer = Api(base, "vol.naimueang")
    opened = volunteer.run(OPEN_CASE, input={
        "categoryCode": "WORKPLACE_SAFETY", "subdistrictCode": "430101",
        "description": "ทดสอบแนบรูปภายหลังขณะออฟไลน์",
        "citizen": {"fullName": "นายแนบทีหลัง ออฟไลน์", "consent": True}})["openCase"]
    case_id, reference = opened["case"]["id"], opened["case"]["reference"]
    context = new_context()
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/uploads" in r.url else None)
    sign_in(page, base, "vol.naimueang")
    wait_for_service_worker(page)
    page.goto(f"{base}/#/case/{case_id}")
    expect(page.get_by_role("heading", name=reference)).to_be_visible()
    expect(page.get_by_text("ยังไม่มีไฟล์แนบ")).to_be_visible()

    # --- offline: the photo is shrunk and waits on the phone, for this case ---
    context.set_offline(True)
    expect(page.get_by_text("ออฟไลน์", exact=False).first).to_be_visible()
    page.locator(f"#add-{case_id}-camera").set_input_files(
        [{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo(3, (3000, 2000), noisy=False)}])
    waiting = page.locator(".waiting")
    expect(waiting.get_by_role("heading", name="รอส่ง 1 ไฟล์")).to_be_visible()
    expect(waiting.locator("li", has_text="IMG_2041.jpg").get_by_text("รอส่ง", exact=True)).to_be_visible()
    expect(waiting.locator("img.thumb")).to_have_count(1)
    [stored] = queued_files(page)
    assert stored["caseId"] == case_id and stored["width"] == 1600 and not stored["exif"], stored
    kind = page.evaluate("""() => new Promise((resolve) => {
        const open = indexedDB.open("khortor-outbox");
        open.onsuccess = () => { const all = open.result.transaction("items").objectStore("items").getAll();
            all.onsuccess = () => { open.result.close(); resolve(all.result.map((i) => [i.kind, i.reference])); }; };
    })""")
    assert kind == [["attachments", reference]], kind
    assert axe_violations(page) == []
    page.locator("#attachments-title").evaluate("(e) => e.scrollIntoView({ block: 'start' })")
    shots(page, "attach-06-case-file-waiting-360")
    page.set_viewport_size(DESK)
    page.locator(".case-head").first.evaluate("(e) => e.scrollIntoView({ block: 'start' })")
    shots(page, "attach-06-case-file-waiting-1280")
    page.set_viewport_size(PHONE)

    # --- the outbox lists it under the case's reference; a reload (still offline) keeps it ---
    page.goto(f"{base}/#/")
    row = page.locator(".outbox li.row", has_text=f"ไฟล์แนบของเรื่อง {reference}")
    expect(row).to_be_visible()
    expect(row.get_by_text("IMG_2041.jpg")).to_be_visible()
    page.reload()
    expect(row).to_be_visible()
    expect(row.get_by_text("รอส่ง", exact=True)).to_be_visible()
    shots(page, "attach-07-outbox-case-files-360")
    assert [f["clientId"] for f in queued_files(page)] == [stored["clientId"]]
    assert posts == []

    # --- online: it goes to its case, once ---
    context.set_offline(False)
    deadline = time.monotonic() + 20
    while True:
        found = volunteer.run(CASE_FILES, id=case_id)["case"]["attachments"]
        if found and not queued_files(page):
            break
        assert time.monotonic() < deadline, (found, posts)
        page.wait_for_timeout(250)
    expect(row).to_have_count(0)
    page.wait_for_timeout(500)  # let any (wrong) second upload arrive before counting
    found = volunteer.run(CASE_FILES, id=case_id)["case"]
    assert [(a["kind"], a["name"]) for a in found["attachments"]] == [("PHOTO", "IMG_2041.jpg")], found
    assert [e["type"] for e in found["events"]].count("ATTACHED") == 1
    assert len(posts) == 1, posts
    page.goto(f"{base}/#/case/{case_id}")
    expect(page.locator("#attachments-title ~ ul.files img.thumb")).to_have_count(1)
    expect(page.locator(".waiting")).to_have_count(0)
    assert time.monotonic() - started < 25, "the scenario should take well under half a minute"
