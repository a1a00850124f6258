"""Bulk onboarding over plain HTTP (issue 13, part 4): GraphQL here takes no files, and a
5 MB spreadsheet as base64 in a GraphQL argument would need the API's 256 KB body limit
raised for every request. So:

  POST /admin/volunteers/import?mode=dry-run          the file as the body → JSON, per row
  POST /admin/volunteers/import?mode=apply&codes=xlsx → the codes file (once), or JSON 422
  GET  /admin/volunteers/export?format=xlsx|csv       the people the viewer manages

Signed in with the same bearer token as /graphql (a header, so no other site can post);
the body limit of this path alone is `sheet.MAX_BYTES`, checked before anything is read;
no personal data in the path or query (the access log names the route only); the codes
file is made in memory and never stored (`Cache-Control: no-store`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import bearer
from api.bearer import bearer_principal
from domain.db import Database
from domain.errors import AccessDenied, DomainError, ValidationFailed
from domain.onboarding import sheet
from domain.onboarding.plan import Plan, Status, dry_run
from domain.onboarding.service import ImportHasErrors, apply, codes_file, export
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.users.principal import Principal

IMPORT_PATH = "/admin/volunteers/import"
EXPORT_PATH = "/admin/volunteers/export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error(status: int, code: str, message: str, message_th: str, field: str | None = None,
           **more: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "field": field, "message": message, "messageTh": message_th},
                         **more}, status_code=status, headers={"cache-control": "no-store"})


def plan_json(plan: Plan) -> dict[str, Any]:
    counts = {s.value.lower(): plan.count(s) for s in Status}
    return {"counts": counts, "rows": [{
        "row": c.row.number, "status": c.status.value, "name": c.name or c.row.cells.get("name", ""),
        "subdistrict": f"{c.area.name_th} ({c.area.code})" if c.area else c.row.cells.get("subdistrict", ""),
        "district": c.district_name or c.row.cells.get("district", ""),
        "phone": c.phone or c.row.cells.get("phone", ""), "username": c.username or "",
        "mentor": c.mentor.display_name if c.mentor else c.row.cells.get("mentor", ""),
        "problems": [{"field": p.field, "code": p.code, "message": p.message, "messageTh": p.message_th}
                     for p in c.row.problems]} for c in plan.rows]}


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M")


def onboarding_routes(settings: Settings, db: Database, clock: Callable[[], datetime]) -> list[Route]:
    async def principal_of(request: Request) -> Principal | None:
        return await bearer_principal(request, settings, db, clock())

    def guarded(handler: Callable[[Request, Principal], Awaitable[Response]]
                ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            principal = await principal_of(request)
            if (why := bearer.refusal(principal)) is not None:
                return _error(*why)
            try:
                return await handler(request, principal)
            except ImportHasErrors as refused:
                return _error(422, refused.code, str(refused), refused.message_th, refused.field,
                              **plan_json(refused.plan))
            except ValidationFailed as refused:
                status = 413 if refused.code == "FILE_TOO_LARGE" else 422
                return _error(status, refused.code, str(refused), refused.message_th, refused.field)
            except AccessDenied:
                return _error(403, "FORBIDDEN", "Only an admin or a coordinator imports and exports people.",
                              "เฉพาะผู้ดูแลระบบหรือผู้ประสานงานเท่านั้นที่นำเข้าและส่งออกรายชื่อได้")
            except DomainError as refused:
                return _error(422, refused.code, str(refused), refused.message_th)
        return endpoint

    async def read_upload(request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > sheet.MAX_BYTES:
            raise sheet.too_large(int(length))
        data = bytearray()
        async for chunk in request.stream():
            data.extend(chunk)
            if len(data) > sheet.MAX_BYTES:
                raise sheet.too_large(len(data))
        return bytes(data)

    async def import_volunteers(request: Request, principal: Principal) -> Response:
        mode = request.query_params.get("mode", "dry-run")
        fmt = request.query_params.get("codes", "xlsx")
        if mode not in ("dry-run", "apply") or fmt not in ("xlsx", "csv"):
            return _error(400, "BAD_REQUEST", "mode is dry-run or apply; codes is xlsx or csv.",
                          "mode ต้องเป็น dry-run หรือ apply และ codes ต้องเป็น xlsx หรือ csv")
        data = await read_upload(request)
        if mode == "dry-run":
            async with db.read_sessions() as session:
                plan = await dry_run(session, principal, data)
            return JSONResponse({"mode": "dry-run", **plan_json(plan)}, headers={"cache-control": "no-store"})
        now = clock()
        try:
            async with UnitOfWork(db) as uow:
                applied = await apply(uow.session, principal, data, now)
        except IntegrityError:
            return _error(409, "CONFLICT", "Someone changed these people at the same time: run the dry run "
                          "again.", "มีผู้อื่นแก้ไขรายชื่อเหล่านี้ในเวลาเดียวกัน กรุณาตรวจสอบไฟล์อีกครั้ง")
        body = codes_file(applied, fmt)
        counts = plan_json(applied.plan)["counts"]
        return Response(body, media_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="khortor-codes-{_stamp(now)}.{fmt}"',
            "cache-control": "no-store", "x-khortor-created": str(counts.get("new", 0)),
            "x-khortor-existing": str(counts.get("existing", 0))})

    async def export_people(request: Request, principal: Principal) -> Response:
        fmt = request.query_params.get("format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            return _error(400, "BAD_REQUEST", "format is xlsx or csv.", "format ต้องเป็น xlsx หรือ csv")
        async with db.read_sessions() as session:
            body = await export(session, principal, fmt)
        return Response(body, media_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="khortor-people-{_stamp(clock())}.{fmt}"',
            "cache-control": "no-store"})

    return [Route(IMPORT_PATH, guarded(import_volunteers), methods=["POST"]),
            Route(EXPORT_PATH, guarded(export_people), methods=["GET"])]
