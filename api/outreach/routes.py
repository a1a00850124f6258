"""An event's report as a printable PDF over plain HTTP (issue 16):

  GET /outreach/events/<id>/report.pdf   one A4 page in Thai (api/outreach/pdf.py)

Signed in with the same bearer token as /graphql, in a header (never the URL); the URL holds
only the event's id, no personal data. Whoever may see the event's report
(`outreachEventReport`) gets it; for anyone else the event does not exist (404). Never cached."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import bearer
from api.bearer import bearer_principal
from api.outreach import pdf
from domain.clock.business import BANGKOK
from domain.db import Database
from domain.outreach.sheet import report_sheet
from domain.settings import Settings

REPORT_PDF_PATH = "/outreach/events/{event_id}/report.pdf"


def _error(status: int, code: str, message: str, message_th: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "field": None, "message": message, "messageTh": message_th}},
                        status_code=status, headers={"cache-control": "no-store"})


def outreach_routes(settings: Settings, db: Database, clock: Callable[[], datetime]) -> list[Route]:
    async def report_pdf(request: Request) -> Response:
        now = clock()
        principal = await bearer_principal(request, settings, db, now)
        if (why := bearer.refusal(principal)) is not None:
            return _error(*why)
        assert principal is not None
        try:
            event_id = uuid.UUID(request.path_params["event_id"])
        except ValueError:
            event_id = None
        sheet = None
        if event_id is not None:
            async with db.read_sessions() as session:
                sheet = await report_sheet(session, principal, event_id)
        if sheet is None:
            return _error(404, "NOT_FOUND", "The event was not found.", "ไม่พบกิจกรรม")
        # fpdf2 is CPU work (shaping, subsetting the font): off the event loop
        body = await asyncio.to_thread(pdf.render, sheet, now)
        day = sheet.report.event.starts_at.astimezone(BANGKOK).date()
        name = f"khortor-outreach-report-{day.year + 543}{day:%m%d}.pdf"
        return Response(body, media_type="application/pdf", headers={
            "cache-control": "no-store", "x-content-type-options": "nosniff",
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})

    return [Route(REPORT_PDF_PATH, report_pdf, methods=["GET"])]
