"""Resumable uploads of attachments: the tus 1.0 protocol (core, creation, termination,
expiration; https://tus.io/protocols/resumable-upload), spoken by `tus-js-client` in the
browser and `tuspy` in the tests.

  OPTIONS /uploads          what this server speaks (no sign-in needed)
  POST    /uploads          a new upload: Upload-Length, Upload-Metadata (filename, filetype,
                            case, referral, clientId) → 201 Location: /uploads/<id>
  HEAD    /uploads/<id>     where it stands: Upload-Offset, Upload-Length, Upload-Expires
  PATCH   /uploads/<id>     bytes at Upload-Offset (application/offset+octet-stream); the last
                            byte attaches the file → 204 Khortor-Attachment-Id
  DELETE  /uploads/<id>     termination: the upload and its bytes go

Signed in with the same bearer token as /graphql (a header, never the URL). A PATCH streams
the body to the incoming file and records the offset reached even when the connection drops
mid-body, so the client resumes from there. Every answer carries `Tus-Resumable` and
`Cache-Control: no-store`; every refusal is JSON `{"error": {code, message, messageTh,
field}}` in English and Thai. The file's name and the metadata are never logged or echoed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.attachments.storage import BlobStore, blob_store
from api import bearer
from api.bearer import bearer_principal
from domain.db import Database
from domain.errors import DomainError, ValidationFailed
from domain.jobs import JobSink
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.uploads import service
from domain.uploads.service import (AlreadyAttached, Lease, NewUpload, OffsetMismatch, TooManyBytes,
                                    UploadBusy, UploadFinished)
from domain.users.principal import Principal

UPLOADS_PATH = "/uploads"
UPLOADS_PREFIX = "/uploads/"
TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
OCTETS = "application/offset+octet-stream"
ATTACHMENT_HEADER = "khortor-attachment-id"
# A PATCH that receives nothing for this long is over: what came is kept, the lease given
# back (a phone that lost its signal without closing the connection must not hold it).
IDLE_SECONDS = 30.0
DIGITS = re.compile(r"^[0-9]{1,15}$")
METADATA_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_METADATA_CHARS = 4096
# The HTTP status of each refusal by its code (the rest: 422).
STATUS = {"NOT_FOUND": 404, "UPLOAD_EXPIRED": 410, "UPLOAD_FINISHED": 409, "OFFSET_MISMATCH": 409,
          "ALREADY_ATTACHED": 409, "UPLOAD_LOCKED": 423, "FILE_TOO_LARGE": 413, "CASE_FULL": 413,
          "UPLOAD_LENGTH_EXCEEDED": 413, "INVALID_INPUT": 400}


def _headers(**more: str) -> dict[str, str]:
    return {"tus-resumable": TUS_VERSION, "cache-control": "no-store", **more}


def _error(status: int, code: str, message: str, message_th: str, field: str | None = None,
           headers: dict[str, str] | None = None, **more: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "field": field, "message": message,
                                   "messageTh": message_th}, **more},
                        status_code=status, headers=_headers(**(headers or {})))


def _refused(refusal: DomainError) -> JSONResponse:
    """A domain refusal as the tus client is told it (never with the file's name)."""
    more: dict[str, Any] = {}
    headers: dict[str, str] = {}
    attachment_id = getattr(refusal, "attachment_id", None)
    if isinstance(refusal, (AlreadyAttached, UploadFinished)) and attachment_id is not None:
        more["attachmentId"] = str(attachment_id)
        headers[ATTACHMENT_HEADER] = str(attachment_id)
    if isinstance(refusal, OffsetMismatch):
        more["offset"] = refusal.offset
        headers["upload-offset"] = str(refusal.offset)
    return _error(STATUS.get(refusal.code, 422), refusal.code, refusal.message, refusal.message_th,
                  getattr(refusal, "field", None), headers, **more)


def _expires(at: datetime) -> str:
    """RFC 7231 (IMF-fixdate), as the expiration extension wants."""
    return format_datetime(at.astimezone(UTC), usegmt=True)


def _bad(field: str, message: str, message_th: str) -> ValidationFailed:
    return ValidationFailed(field, message, message_th)


def parse_metadata(header: str) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64(value)` pairs (a value may be absent)."""
    if len(header) > MAX_METADATA_CHARS:
        raise _bad("uploadMetadata", "Upload-Metadata is too long.", "Upload-Metadata ยาวเกินไป")
    found: dict[str, str] = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] and len(parts) == 1 and not header.strip():
            break
        if len(parts) > 2 or not METADATA_KEY.match(parts[0]) or parts[0] in found:
            raise _bad("uploadMetadata", "Upload-Metadata is not a list of 'key base64value' pairs.",
                       "Upload-Metadata ต้องเป็นรายการคู่ 'key base64value'")
        try:
            value = base64.b64decode(parts[1], validate=True).decode("utf-8") if len(parts) == 2 else ""
        except (binascii.Error, ValueError):
            raise _bad("uploadMetadata", "A value of Upload-Metadata is not base64 of UTF-8 text.",
                       "ค่าใน Upload-Metadata ไม่ใช่ข้อความ UTF-8 ที่เข้ารหัส base64") from None
        if "\x00" in value:
            raise _bad("uploadMetadata", "A value of Upload-Metadata holds a NUL character.",
                       "ค่าใน Upload-Metadata มีอักขระ NUL")
        found[parts[0]] = value
    return found


def _uuid(metadata: dict[str, str], key: str, required: bool) -> uuid.UUID | None:
    value = metadata.get(key)
    if not value:
        if required:
            raise _bad(key, f"Upload-Metadata must name the {key}.", f"Upload-Metadata ต้องระบุ {key}")
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _bad(key, f"The {key} in Upload-Metadata is not an id.",
                   f"{key} ใน Upload-Metadata ไม่ใช่รหัสที่ถูกต้อง") from None


def new_upload(length_header: str | None, metadata_header: str) -> NewUpload:
    if length_header is None or not DIGITS.match(length_header):
        raise _bad("uploadLength", "Upload-Length must be given as a whole number of bytes "
                   "(deferred lengths are not supported).",
                   "ต้องระบุ Upload-Length เป็นจำนวนไบต์ (ไม่รองรับการแจ้งขนาดภายหลัง)")
    metadata = parse_metadata(metadata_header)
    case_id = _uuid(metadata, "case", True)
    client_id = _uuid(metadata, "clientId", True)
    assert case_id is not None and client_id is not None
    filename = metadata.get("filename") or metadata.get("name") or None
    return NewUpload(case_id=case_id, referral_id=_uuid(metadata, "referral", False),
                     client_id=client_id, length=int(length_header), filename=filename)


def upload_routes(settings: Settings, db: Database, clock: Callable[[], datetime],
                  jobs: JobSink | None = None, store: BlobStore | None = None) -> list[Route]:
    vault = settings.vault
    store = store or blob_store(settings)

    def uow() -> UnitOfWork:
        return UnitOfWork(db, jobs)

    async def principal_of(request: Request) -> Principal | None:
        return await bearer_principal(request, settings, db, clock())

    Handler = Callable[[Request, Principal], Awaitable[Response]]

    def tus(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if request.headers.get("tus-resumable") != TUS_VERSION:
                return _error(412, "TUS_VERSION", f"Only tus {TUS_VERSION} is spoken here "
                              "(Tus-Resumable header).", f"รองรับเฉพาะ tus {TUS_VERSION} (ส่วนหัว Tus-Resumable)",
                              headers={"tus-version": TUS_VERSION})
            principal = await principal_of(request)
            if (why := bearer.refusal(principal)) is not None:
                return _error(*why)
            try:
                return await handler(request, principal)
            except DomainError as refusal:
                return _refused(refusal)
        return endpoint

    def upload_id_of(request: Request) -> uuid.UUID:
        try:
            return uuid.UUID(request.path_params["upload_id"])
        except ValueError:
            raise service.UploadNotFound() from None

    async def options(request: Request) -> Response:
        return Response(status_code=204, headers=_headers(**{
            "tus-version": TUS_VERSION, "tus-extension": TUS_EXTENSIONS,
            "tus-max-size": str(settings.attachment_max_bytes)}))

    async def create(request: Request, principal: Principal) -> Response:
        if request.headers.get("upload-defer-length") is not None:
            raise _bad("uploadDeferLength", "Deferred upload lengths are not supported.",
                       "ไม่รองรับการแจ้งขนาดไฟล์ภายหลัง")
        new = new_upload(request.headers.get("upload-length"), request.headers.get("upload-metadata", ""))
        if new.length > settings.attachment_max_bytes:  # before any reading of the database
            raise service.too_large(settings.attachment_max_bytes)
        now = clock()
        async with uow() as work:
            upload, replaced = await service.create(work, principal, vault, new, now, settings)
        await service.discard_bytes(settings, replaced)
        return Response(status_code=201, headers=_headers(**{
            "location": f"{UPLOADS_PATH}/{upload.id}", "upload-expires": _expires(upload.expires_at),
            "upload-offset": "0"}))

    async def head(request: Request, principal: Principal) -> Response:
        async with uow() as work:
            upload, offset = await service.status(work, principal, upload_id_of(request), clock(), settings)
        headers = _headers(**{"upload-offset": str(offset), "upload-length": str(upload.length),
                              "upload-expires": _expires(upload.expires_at)})
        if upload.attachment_id is not None:
            headers[ATTACHMENT_HEADER] = str(upload.attachment_id)
        return Response(status_code=200, headers=headers)

    async def terminate(request: Request, principal: Principal) -> Response:
        upload_id = upload_id_of(request)
        async with uow() as work:
            await service.terminate(work, principal, upload_id, clock())
        await service.discard_bytes(settings, upload_id)
        return Response(status_code=204, headers=_headers())

    async def receive_into(request: Request, incoming: service.Incoming, lease: Lease) -> None:
        """Append the body as it comes; stop quietly when the client goes or goes silent."""
        chunks = request.stream().__aiter__()
        extended = time.monotonic()
        while True:
            try:
                chunk = await asyncio.wait_for(anext(chunks), IDLE_SECONDS)
            except (StopAsyncIteration, ClientDisconnect, TimeoutError):
                return
            if chunk:
                incoming.append(chunk)
            if time.monotonic() - extended > service.EXTEND_EVERY.total_seconds():
                extended = time.monotonic()
                async with uow() as work:
                    if not await service.extend(work, lease, clock()):
                        raise UploadBusy()

    async def patch(request: Request, principal: Principal) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != OCTETS:
            return _error(415, "UNSUPPORTED_MEDIA_TYPE", f"A PATCH carries {OCTETS}.",
                          f"คำขอ PATCH ต้องมีชนิดข้อมูล {OCTETS}")
        offset_header = request.headers.get("upload-offset", "")
        if not DIGITS.match(offset_header):
            raise _bad("uploadOffset", "Upload-Offset must be a whole number of bytes.",
                       "Upload-Offset ต้องเป็นจำนวนไบต์")
        declared = request.headers.get("content-length")
        upload_id = upload_id_of(request)
        async with uow() as work:
            lease = await service.begin_patch(work, principal, upload_id, int(offset_header),
                                              clock(), settings)
        incoming: service.Incoming | None = None
        try:
            if declared is not None and declared.isdigit() and lease.offset + int(declared) > lease.length:
                raise TooManyBytes()
            incoming = service.Incoming(settings, lease)
            try:
                await receive_into(request, incoming, lease)
            except TooManyBytes:
                incoming.undo()
                raise
            finally:
                await incoming.close()
            done = incoming.offset == lease.length
            async with uow() as work:
                if not await service.record(work, lease, incoming.offset, release=not done):
                    raise UploadBusy()
        except BaseException:
            # Whatever stopped the request (too many bytes, the body limit, a bug): what was
            # written in full is kept and its offset recorded, and the lease goes back.
            async with uow() as work:
                if incoming is not None:
                    await service.record(work, lease, incoming.offset, release=True)
                else:
                    await service.release(work, lease)
            raise
        headers = _headers(**{"upload-offset": str(incoming.offset),
                              "upload-expires": _expires(lease.expires_at)})
        if not done:
            return Response(status_code=204, headers=headers)
        return await finish(principal, lease, headers)

    async def finish(principal: Principal, lease: Lease, headers: dict[str, str]) -> Response:
        """The last byte is in: attach the file, or refuse it and keep nothing."""
        try:
            async with uow() as work:
                attachment = await service.finish(work, principal, vault, store, lease, clock(), settings)
        except (UploadBusy, UploadFinished):
            raise
        except (DomainError, IntegrityError) as error:
            refusal = error if isinstance(error, DomainError) else None
            async with uow() as work:
                if refusal is None:  # the same file attached at the same moment by another upload
                    existing = await service.attached_already(work, lease.upload_id)
                    refusal = AlreadyAttached(existing) if existing else UploadBusy()
                await service.abandon(work, lease.upload_id)
            await service.discard_bytes(settings, lease.upload_id)
            return _refused(refusal)
        except BaseException:
            async with uow() as work:
                await service.release(work, lease)
            raise
        await service.discard_bytes(settings, lease.upload_id)
        headers[ATTACHMENT_HEADER] = str(attachment.id)
        return Response(status_code=204, headers=headers)

    collection = tus(create)
    one = {"HEAD": tus(head), "PATCH": tus(patch), "DELETE": tus(terminate)}

    async def uploads(request: Request) -> Response:
        if request.method == "OPTIONS":
            return await options(request)
        return await collection(request)

    async def upload(request: Request) -> Response:
        if request.method == "OPTIONS":
            return await options(request)
        return await one[request.method](request)

    return [Route(UPLOADS_PATH, uploads, methods=["OPTIONS", "POST"]),
            Route(UPLOADS_PATH + "/{upload_id}", upload, methods=["OPTIONS", "HEAD", "PATCH", "DELETE"])]
