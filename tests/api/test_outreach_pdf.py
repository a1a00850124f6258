"""The event report as one A4 page in Thai (GET /outreach/events/<id>/report.pdf, issue 16):
made for those who may see the report, refused (404, as missing) to everyone else, never in
a URL with personal data; its figures are the report's; the page is rasterised to check that
Thai is drawn (not boxes) and kept under artifacts/ to be looked at."""

from __future__ import annotations

import io
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
from pypdf import PdfReader

from domain.db import Database
from tests.api.access_helpers import Tokens
from tests.factories import case_input
from tests.helpers import gql

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("KHORTOR_ARTIFACTS", ROOT / "artifacts")) / "screenshots"

PLAN = """mutation($input: PlanEventInput!) { planEvent(input: $input) { __typename
  ... on PlanEventSuccess { event { id startsAt } } ... on UserError { code message } } }"""
ANNOUNCE = """mutation($id: ID!) { announceEvent(eventId: $id) { __typename } }"""
REPORT = """mutation($id: ID!) { reportEvent(eventId: $id, note: "ผู้ค้าในตลาดสนใจมาตรา 40 มาก") { __typename } }"""
ATTEND = """mutation($id: ID!, $input: ServiceAttendanceInput!) { recordServiceAttendance(eventId: $id, input: $input) {
  __typename ... on UserError { code message } } }"""
OPEN = """mutation($input: OpenCaseInput!) { openCase(input: $input) { __typename } }"""
TITLE = "หน่วยบริการเคลื่อนที่ตำบลในเมือง (ทดสอบ PDF)"


async def _ok(client: httpx.AsyncClient, token: str, doc: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = await gql(client, doc, variables, token)
    assert "errors" not in body, body
    (value,) = body["data"].values()
    assert "code" not in value, value
    return dict(value)


def _get(client: httpx.AsyncClient, event_id: str, token: str | None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/outreach/events/{event_id}/report.pdf", headers=headers)


async def test_report_pdf_is_one_thai_page_for_those_who_may_see_it(client: httpx.AsyncClient, db: Database,
                                                                     backend: str) -> None:
    tokens = Tokens(client, db)
    ops, vol = await tokens("ops.nongkhai"), await tokens("vol.naimueang")
    starts = datetime.now(UTC) + timedelta(minutes=2)
    plan = {"kind": "MOBILE_UNIT", "title": TITLE, "subdistrictCode": "430101", "venue": "ศาลาประชาคมหมู่ 3",
            "startsAt": starts.isoformat(), "endsAt": (starts + timedelta(hours=6)).isoformat(), "capacity": 150,
            "offices": [{"orgUnitCode": "SSO-43", "serviceCodes": ["SECTION_40_ENROLMENT"]},
                        {"orgUnitCode": "DOE-43", "serviceCodes": ["JOB_MATCHING"]}]}
    event_id = (await _ok(client, ops, PLAN, {"input": plan}))["event"]["id"]
    await _ok(client, ops, ANNOUNCE, {"id": event_id})
    for unit, service, n, men in (("SSO-43", "SECTION_40_ENROLMENT", 42, 20), ("DOE-43", "JOB_MATCHING", 17, 9)):
        await _ok(client, vol, ATTEND, {"id": event_id, "input": {
            "clientId": str(uuid.uuid4()), "orgUnitCode": unit, "serviceCode": service, "peopleServed": n,
            "men": men, "women": n - men, "capturedAt": starts.isoformat()}})
    await _ok(client, vol, OPEN, {"input": case_input("SECTION_40", eventId=event_id)})
    await _ok(client, ops, REPORT, {"id": event_id})

    answer = await _get(client, event_id, ops)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith("attachment; filename*=UTF-8''khortor-outreach-report-")
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)  # A4
    fonts = str(reader.pages[0]["/Resources"]["/Font"].get_object())
    assert "Sarabun" in str([f.get_object()["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()]), fonts
    text = reader.pages[0].extract_text()
    for figure in ("59 คน", "42", "17", "1 เรื่อง"):
        assert figure in text, (figure, text)

    # Thai is drawn, not .notdef boxes: the page has ink where the title is, and is kept to look at
    document = pypdfium2.PdfDocument(answer.content)
    try:
        page = document[0]
        image = page.render(scale=2).to_pil()
        page.close()
    finally:
        document.close()
    if backend == "sqlite":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        image.save(ARTIFACTS / "outreach-report-pdf.png")
    assert image.size == (1191, 1684)
    ink = sum(image.convert("L").crop((80, 60, 1100, 160)).histogram()[:128])
    assert ink > 2000, ink

    # an attending office sees it; an office that does not attend, a volunteer of another province,
    # a missing or malformed id: as missing; no token: sign in
    assert (await _get(client, event_id, await tokens("sso.nongkhai"))).status_code == 200
    for token, target in ((await tokens("dlpw.nongkhai"), event_id), (await tokens("vol.bangkok"), event_id),
                          (ops, str(uuid.uuid4())), (ops, "not-an-id")):
        missing = await _get(client, target, token)
        assert missing.status_code == 404 and missing.json()["error"]["messageTh"] == "ไม่พบกิจกรรม"
    assert (await _get(client, event_id, None)).status_code == 401
