"""Files of cases over plain HTTP (issue 14): GraphQL carries what a file is, these carry it.

  GET /attachments/<id>             the file (a PDF as a download, a photo inline)
  GET /attachments/<id>/thumbnail   a photo's thumbnail (JPEG, at most 320 px)

Signed in with the same bearer token as /graphql, in a header (never in the URL, so no token
or name sits in a log or a browser's history); the web client fetches with the header and
shows a blob: URL. Only those who may see the citizen whole get a file; for anyone else it
does not exist (404). Each answer writes a VIEW_ATTACHMENT access-log entry before the first
byte, and is never cached (`Cache-Control: no-store`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from api import bearer
from api.bearer import bearer_principal
from domain.attachments import service as attachments
from domain.attachments.blobs import BlobMissing
from domain.attachments.sealing import BlobDamaged
from domain.attachments.storage import BlobStore
from domain.db import Database
from domain.errors import NotFound
from domain.settings import Settings
from domain.uow import UnitOfWork

log = logging.getLogger("khortor.attachments")


def _error(status: int, code: str, message: str, message_th: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "field": None, "message": message, "messageTh": message_th}},
                        status_code=status, headers={"cache-control": "no-store"})


def _not_found() -> JSONResponse:
    return _error(404, "NOT_FOUND", "The attachment was not found.", "ไม่พบไฟล์แนบ")


def _disposition(kind: str, name: str, content_type: str) -> str:
    how = "attachment" if content_type == "application/pdf" else "inline"
    return f"{how}; filename*=UTF-8''{quote(name, safe='')}"


def attachment_routes(settings: Settings, db: Database, clock: Callable[[], datetime],
                      store: BlobStore) -> list[Route]:
    def handler(thumbnail: bool) -> Callable[[Request], object]:
        async def endpoint(request: Request) -> Response:
            now = clock()
            principal = await bearer_principal(request, settings, db, now)
            if (why := bearer.refusal(principal)) is not None:
                return _error(*why)
            try:
                attachment_id = uuid.UUID(request.path_params["attachment_id"])
            except ValueError:
                return _not_found()
            try:
                async with UnitOfWork(db) as uow:
                    opened = await attachments.open_file(uow, principal, settings.vault, store,
                                                         attachment_id, thumbnail=thumbnail, now=now)
                first = await anext(opened.chunks, b"")
            except NotFound:
                return _not_found()
            except (BlobMissing, BlobDamaged) as error:
                log.error("attachment %s unreadable: %s", attachment_id, type(error).__name__)
                return _error(410, "ATTACHMENT_UNREADABLE", "The file can no longer be read; ask an "
                              "administrator.", "ไม่สามารถอ่านไฟล์นี้ได้แล้ว กรุณาติดต่อผู้ดูแลระบบ")

            async def body() -> AsyncIterator[bytes]:
                yield first
                async for chunk in opened.chunks:
                    yield chunk

            row = opened.attachment
            headers = {"cache-control": "no-store", "x-content-type-options": "nosniff",
                       "content-disposition": _disposition(row.kind, opened.name, opened.content_type)}
            if not thumbnail:
                headers["content-length"] = str(row.size_bytes)
            elif row.thumbnail_bytes is not None:
                headers["content-length"] = str(row.thumbnail_bytes)
            return StreamingResponse(body(), media_type=opened.content_type, headers=headers)
        return endpoint

    return [Route("/attachments/{attachment_id}", handler(False), methods=["GET"]),
            Route("/attachments/{attachment_id}/thumbnail", handler(True), methods=["GET"])]
