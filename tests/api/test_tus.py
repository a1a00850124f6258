"""Resumable uploads (issue 14): the tus 1.0 server against the real `tuspy` client and plain
HTTP, with the app served by a real uvicorn on loopback (a dropped connection is a real one).

A byte counter sits in front of the app, so "a resume transfers only the remainder" is
counted where the server receives the bytes, not where the client sends them."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import uuid
from base64 import b64encode
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send
from tusclient.client import TusClient

from api.uploads import routes
from domain.attachments.models import Attachment
from domain.attachments.storage import incoming_dir
from domain.db import Database
from domain.jobs import Job
from domain.settings import Settings
from domain.uploads.models import Upload
from tests.factories import file_case
from tests.helpers import login
from tests.servers import free_port
from workers import handlers

CHUNK = 64 * 1024
SECRET_NAME = "ลับเฉพาะ-payslip-Somchai.jpg"  # must never come back in an answer


class ByteCounter:
    """Counts the request-body bytes of every PATCH as the app receives them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.patched = app, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PATCH":
            await self.app(scope, receive, send)
            return

        async def counted() -> Any:
            message = await receive()
            self.patched += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@dataclasses.dataclass
class Served:
    base: str
    port: int
    settings: Settings
    counter: ByteCounter
    http: httpx.AsyncClient
    shift: list[timedelta]  # the server's clock runs this far ahead

    def incoming(self, upload_id: str) -> Path:
        return incoming_dir(self.settings) / upload_id


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Served]:
    from api.app import create_app

    shift = [timedelta(0)]
    app = create_app(settings, clock=lambda: datetime.now(UTC) + shift[0])
    counter = ByteCounter(app)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(counter, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, ws="none", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            pytest.fail("uvicorn did not start")
        await asyncio.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            yield Served(base, port, settings, counter, http, shift)
    finally:
        server.should_exit = True
        await task


def jpeg(width: int = 500, height: int = 400) -> bytes:
    """A photo of noise (so it does not compress to nothing), as a phone would send it."""
    picture = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92)
    return out.getvalue()


def metadata(**values: str) -> str:
    return ",".join(f"{k} {b64encode(v.encode()).decode()}" for k, v in values.items())


def tus_headers(token: str | None, **more: str) -> dict[str, str]:
    headers = {"Tus-Resumable": "1.0.0", **more}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


async def case_of(served: Served, username: str = "vol.naimueang") -> tuple[str, str]:
    """A signed-in volunteer's token and a case they filed."""
    token = await login(served.http, username)
    case = await file_case(served.http, token)
    return token, case["id"]


async def create(served: Served, token: str, case_id: str, length: int, *,
                 client_id: str | None = None, expect: int = 201) -> httpx.Response:
    answer = await served.http.post("/uploads", headers=tus_headers(
        token, **{"Upload-Length": str(length), "Upload-Metadata": metadata(
            filename=SECRET_NAME, filetype="image/jpeg", case=case_id,
            clientId=client_id or str(uuid.uuid4()))}))
    assert answer.status_code == expect, answer.text
    return answer


async def patch(served: Served, token: str, location: str, offset: int, body: bytes,
                **more: str) -> httpx.Response:
    return await served.http.patch(location, content=body, headers=tus_headers(
        token, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream", **more}))


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A refusal as the contract says: JSON in English and Thai, tus and no-store headers,
    never the file's name."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["tus-resumable"] == "1.0.0"
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"] and body["error"]["messageTh"]
    assert "Somchai" not in answer.text and "ลับเฉพาะ" not in answer.text
    return body


def tus_client(served: Served, token: str) -> TusClient:
    return TusClient(f"{served.base}/uploads", headers={"Authorization": f"Bearer {token}"})


def tus_upload(served: Served, token: str, data: bytes, case_id: str, client_id: str,
               *, url: str | None = None, stop_at: int | None = None) -> Any:
    """The tuspy client, in 64 KB chunks (runs in a thread: it blocks)."""
    uploader = tus_client(served, token).uploader(
        file_stream=io.BytesIO(data), url=url, chunk_size=CHUNK,
        metadata={"filename": SECRET_NAME, "filetype": "image/jpeg", "case": case_id,
                  "clientId": client_id})
    uploader.upload(stop_at=stop_at)
    return uploader


async def row(db: Database, upload_id: str) -> Upload | None:
    async with db.read_sessions() as session:
        return await session.get(Upload, uuid.UUID(upload_id))


async def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def cut_patch(served: Served, token: str, location: str, offset: int, body: bytes,
                    send: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A PATCH announcing the whole body that sends only `send` bytes of it, then waits for
    the server to have written them (the connection stays open: the caller cuts it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    head = (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n"
            f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(body)}\r\n\r\n")
    writer.write(head.encode() + body[:send])
    await writer.drain()
    path = served.incoming(location.rsplit("/", 1)[1])
    await wait_for(lambda: path.exists() and path.stat().st_size == offset + send)
    return reader, writer


# --- the protocol ----------------------------------------------------------------------------

async def test_options_tell_what_the_server_speaks(served: Served) -> None:
    answer = await served.http.options("/uploads")
    assert answer.status_code == 204
    assert answer.headers["tus-resumable"] == "1.0.0"
    assert answer.headers["tus-version"] == "1.0.0"
    assert answer.headers["tus-extension"] == "creation,termination,expiration"
    assert answer.headers["tus-max-size"] == str(served.settings.attachment_max_bytes)


async def test_tuspy_uploads_a_photo_that_becomes_an_attachment(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    data = jpeg()
    client_id = str(uuid.uuid4())
    uploader = await asyncio.to_thread(tus_upload, served, token, data, case_id, client_id)
    upload_id = uploader.url.rsplit("/", 1)[1]
    assert uploader.url.startswith(f"{served.base}/uploads/")
    assert served.counter.patched == len(data)
    assert uploader.request.status_code == 204
    attachment_id = uploader.request.response_headers["khortor-attachment-id"]

    head = await served.http.head(f"/uploads/{upload_id}", headers=tus_headers(token))
    assert head.status_code == 200
    assert head.headers["upload-offset"] == head.headers["upload-length"] == str(len(data))
    assert head.headers["cache-control"] == "no-store"
    assert head.headers["upload-expires"].endswith(" GMT")
    assert head.headers["khortor-attachment-id"] == attachment_id
    assert not served.incoming(upload_id).exists()  # the incoming bytes are gone
    async with db.read_sessions() as session:
        attachment = (await session.execute(select(Attachment).where(
            Attachment.id == uuid.UUID(attachment_id)))).scalar_one()  # type: ignore[arg-type]
    assert str(attachment.case_id) == case_id and str(attachment.client_id) == client_id
    kept = await row(db, upload_id)
    assert kept is not None and str(kept.attachment_id) == attachment_id
    assert kept.name_sealed is None  # the name now lives (sealed) with the attachment only

    # The finished upload sent again: refused, nothing changes.
    again = await patch(served, token, f"/uploads/{upload_id}", 0, data[:CHUNK])
    body = refused(again, 409, "UPLOAD_FINISHED")
    assert body["attachmentId"] == attachment_id
    # The same file (client id) announced again: already attached.
    answer = await create(served, token, case_id, len(data), client_id=client_id, expect=409)
    assert refused(answer, 409, "ALREADY_ATTACHED")["attachmentId"] == attachment_id


async def test_a_resume_after_a_cut_at_half_sends_only_the_rest(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    data = jpeg(800, 600)
    half = len(data) // 2
    client_id = str(uuid.uuid4())
    location = (await create(served, token, case_id, len(data), client_id=client_id)).headers["location"]
    upload_id = location.rsplit("/", 1)[1]

    # Half the body arrives, then the connection drops mid-body (the phone lost its signal).
    _, writer = await cut_patch(served, token, location, 0, data, half)
    writer.transport.abort()
    await wait_for(lambda: served.counter.patched == half)

    async def offset() -> int:
        head = await served.http.head(location, headers=tus_headers(token))
        assert head.status_code == 200, head.status_code
        return int(head.headers["upload-offset"])

    deadline = asyncio.get_running_loop().time() + 10
    while await offset() != half:  # recorded once the server noticed the cut
        assert asyncio.get_running_loop().time() < deadline, "the offset reached was not recorded"
        await asyncio.sleep(0.05)
    assert served.incoming(upload_id).stat().st_size == half
    stored = await row(db, upload_id)
    assert stored is not None and stored.offset == half and stored.lease_token is None

    # tuspy resumes: it asks for the offset (HEAD) and sends only what is missing.
    before = served.counter.patched
    uploader = await asyncio.to_thread(tus_upload, served, token, data, case_id, client_id,
                                       url=f"{served.base}{location}")
    assert served.counter.patched - before == len(data) - half
    assert uploader.offset == len(data)
    attachment_id = uploader.request.response_headers["khortor-attachment-id"]
    async with db.read_sessions() as session:
        assert await session.get(Attachment, uuid.UUID(attachment_id)) is not None
    assert not served.incoming(upload_id).exists()


async def test_a_second_patch_while_one_is_appending_is_refused(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    data = jpeg()
    location = (await create(served, token, case_id, len(data))).headers["location"]
    _, writer = await cut_patch(served, token, location, 0, data, CHUNK)
    try:
        refused(await patch(served, token, location, 0, data), 423, "UPLOAD_LOCKED")
        refused(await patch(served, token, location, CHUNK, data[CHUNK:]), 423, "UPLOAD_LOCKED")
        refused(await served.http.delete(location, headers=tus_headers(token)), 423, "UPLOAD_LOCKED")
    finally:
        writer.close()
    upload_id = location.rsplit("/", 1)[1]

    async def released() -> bool:
        stored = await row(db, upload_id)
        return stored is not None and stored.lease_token is None

    deadline = asyncio.get_running_loop().time() + 10
    while not await released():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    # Then the next PATCH goes on from where the first stopped.
    finished = await patch(served, token, location, CHUNK, data[CHUNK:])
    assert finished.status_code == 204, finished.text
    assert finished.headers["upload-offset"] == str(len(data))
    assert finished.headers["khortor-attachment-id"]


async def test_a_patch_that_goes_silent_keeps_its_bytes_and_lets_go(
        served: Served, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone that lost its signal without closing the connection: after IDLE_SECONDS with
    no byte the server keeps what came, records the offset and gives the upload back."""
    monkeypatch.setattr(routes, "IDLE_SECONDS", 0.5)
    token, case_id = await case_of(served)
    data = jpeg()
    location = (await create(served, token, case_id, len(data))).headers["location"]
    reader, writer = await cut_patch(served, token, location, 0, data, CHUNK)
    try:
        answer = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).decode().lower()
    finally:
        writer.close()
    assert answer.startswith("http/1.1 204")
    assert f"upload-offset: {CHUNK}\r\n" in answer
    stored = await row(db, location.rsplit("/", 1)[1])
    assert stored is not None and stored.offset == CHUNK and stored.lease_token is None
    finished = await patch(served, token, location, CHUNK, data[CHUNK:])
    assert finished.status_code == 204 and finished.headers["khortor-attachment-id"]


# --- refusals ----------------------------------------------------------------------------------

async def test_an_offset_that_does_not_match_is_refused(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    data = jpeg()
    location = (await create(served, token, case_id, len(data))).headers["location"]
    upload_id = location.rsplit("/", 1)[1]
    answer = await patch(served, token, location, 100, data[100:])
    body = refused(answer, 409, "OFFSET_MISMATCH")
    assert body["offset"] == 0 and answer.headers["upload-offset"] == "0"
    assert (await patch(served, token, location, 0, data[:1000])).status_code == 204
    refused(await patch(served, token, location, 0, data[:1000]), 409, "OFFSET_MISMATCH")
    assert served.incoming(upload_id).stat().st_size == 1000
    stored = await row(db, upload_id)
    assert stored is not None and stored.offset == 1000 and stored.lease_token is None


async def test_another_users_upload_is_not_found(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    data = jpeg()
    location = (await create(served, token, case_id, len(data))).headers["location"]
    assert (await patch(served, token, location, 0, data[:1000])).status_code == 204
    other = await login(served.http, "vol.michai")
    head = await served.http.head(location, headers=tus_headers(other))
    assert head.status_code == 404 and "upload-offset" not in head.headers
    refused(await patch(served, other, location, 1000, data[1000:]), 404, "NOT_FOUND")
    refused(await served.http.delete(location, headers=tus_headers(other)), 404, "NOT_FOUND")
    refused(await served.http.delete(f"/uploads/{uuid.uuid4()}", headers=tus_headers(token)),
            404, "NOT_FOUND")
    refused(await served.http.delete("/uploads/not-an-id", headers=tus_headers(token)), 404, "NOT_FOUND")
    # The owner's upload is as it was.
    stored = await row(db, location.rsplit("/", 1)[1])
    assert stored is not None and stored.offset == 1000
    assert served.incoming(str(stored.id)).stat().st_size == 1000


async def test_an_upload_to_a_case_the_user_may_not_see_is_not_found(served: Served, db: Database) -> None:
    _, case_id = await case_of(served)
    other = await login(served.http, "vol.michai")
    refused(await create(served, other, case_id, 1000, expect=404), 404, "NOT_FOUND")
    refused(await create(served, other, str(uuid.uuid4()), 1000, expect=404), 404, "NOT_FOUND")
    async with db.read_sessions() as session:
        assert (await session.execute(select(Upload))).scalars().all() == []
    assert not incoming_dir(served.settings).exists() or not any(incoming_dir(served.settings).iterdir())


async def test_a_file_over_the_limit_is_refused_and_nothing_is_left(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    limit = served.settings.attachment_max_bytes
    refused(await create(served, token, case_id, limit + 1, expect=413), 413, "FILE_TOO_LARGE")
    async with db.read_sessions() as session:
        assert (await session.execute(select(Upload))).scalars().all() == []

    # More bytes than the upload's length: announced, or only seen while streaming.
    data = jpeg()
    location = (await create(served, token, case_id, len(data))).headers["location"]
    upload_id = location.rsplit("/", 1)[1]
    assert (await patch(served, token, location, 0, data[:1000])).status_code == 204
    refused(await patch(served, token, location, 1000, data[1000:] + b"more"), 413, "UPLOAD_LENGTH_EXCEEDED")

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: the excess shows late
        for start in range(1000, len(data), CHUNK):
            yield data[start:start + CHUNK]
        yield b"x" * 10

    refused(await served.http.patch(location, content=chunked(), headers=tus_headers(
        token, **{"Upload-Offset": "1000", "Content-Type": "application/offset+octet-stream"})),
        413, "UPLOAD_LENGTH_EXCEEDED")
    assert served.incoming(upload_id).stat().st_size == 1000  # nothing of those was kept
    stored = await row(db, upload_id)
    assert stored is not None and stored.offset == 1000 and stored.lease_token is None


async def test_a_file_refused_at_the_end_leaves_nothing(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    data = b"#!/bin/sh\necho this is no photo\n" * 100  # claimed a JPEG; its content says no
    location = (await create(served, token, case_id, len(data))).headers["location"]
    upload_id = location.rsplit("/", 1)[1]
    refused(await patch(served, token, location, 0, data), 422, "UNSUPPORTED_FILE_TYPE")
    assert await row(db, upload_id) is None
    assert not served.incoming(upload_id).exists()
    async with db.read_sessions() as session:
        assert (await session.execute(select(Attachment))).scalars().all() == []


async def test_requests_outside_the_protocol_are_refused(served: Served) -> None:
    token, case_id = await case_of(served)
    location = (await create(served, token, case_id, 1000)).headers["location"]
    assert (await served.http.head(location)).status_code == 412
    answer = await served.http.post("/uploads", headers={"Authorization": f"Bearer {token}",
                                                         "Upload-Length": "10"})
    refused(answer, 412, "TUS_VERSION")
    assert answer.headers["tus-version"] == "1.0.0"
    refused(await served.http.post("/uploads", headers=tus_headers(None, **{"Upload-Length": "10"})),
            401, "UNAUTHENTICATED")
    refused(await patch(served, token, location, 0, b"abc", **{"Content-Type": "text/plain"}),
            415, "UNSUPPORTED_MEDIA_TYPE")
    refused(await served.http.post("/uploads", headers=tus_headers(token, **{
        "Upload-Length": "10", "Upload-Metadata": "case !!notbase64"})), 400, "INVALID_INPUT")
    refused(await served.http.post("/uploads", headers=tus_headers(token, **{
        "Upload-Length": "10", "Upload-Metadata": metadata(filename=SECRET_NAME)})), 400, "INVALID_INPUT")
    refused(await served.http.post("/uploads", headers=tus_headers(token, **{
        "Upload-Defer-Length": "1", "Upload-Metadata": metadata(case=case_id)})), 400, "INVALID_INPUT")


# --- termination and expiry ---------------------------------------------------------------------

async def test_termination_removes_the_bytes_and_the_upload(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    data = jpeg()
    location = (await create(served, token, case_id, len(data))).headers["location"]
    upload_id = location.rsplit("/", 1)[1]
    assert (await patch(served, token, location, 0, data[:5000])).status_code == 204
    assert served.incoming(upload_id).exists()
    answer = await served.http.delete(location, headers=tus_headers(token))
    assert answer.status_code == 204 and answer.headers["tus-resumable"] == "1.0.0"
    assert not served.incoming(upload_id).exists()
    assert await row(db, upload_id) is None
    head = await served.http.head(location, headers=tus_headers(token))
    assert head.status_code == 404


async def test_the_expiry_sweep_removes_the_bytes_and_the_upload(served: Served, db: Database) -> None:
    token, case_id = await case_of(served)
    data = jpeg()
    # An upload begun a day and more ago (the server's clock set back while it was made).
    served.shift[0] = -timedelta(hours=served.settings.upload_hours, minutes=1)
    location = (await create(served, token, case_id, len(data))).headers["location"]
    upload_id = location.rsplit("/", 1)[1]
    assert (await patch(served, token, location, 0, data[:5000])).status_code == 204
    served.shift[0] = timedelta(0)
    orphan = served.incoming(str(uuid.uuid4()))  # left by a crash: no row owns it
    orphan.write_bytes(b"x" * 10)
    os.utime(orphan, (0, 0))

    # Now the owner is told it has expired (410) and may not append to it.
    head = await served.http.head(location, headers=tus_headers(token))
    assert head.status_code == 410 and head.headers["tus-resumable"] == "1.0.0"
    refused(await patch(served, token, location, 5000, data[5000:]), 410, "UPLOAD_EXPIRED")

    rt = handlers.Runtime(settings=served.settings, db=db)
    jobs = await handlers.registry.sweeps["uploads.expire"].select(rt)
    assert sorted(jobs, key=str) == sorted([Job(handlers.REMOVE_UPLOAD, {"upload_id": upload_id}),
                                            Job(handlers.REMOVE_UPLOAD, {"upload_id": orphan.name})], key=str)
    for job in jobs:
        assert await handlers.run_job(rt, job.name, job.ids) is True
        assert await handlers.run_job(rt, job.name, job.ids) is True  # safe twice
    assert await row(db, upload_id) is None
    assert not served.incoming(upload_id).exists() and not orphan.exists()
    assert await handlers.registry.sweeps["uploads.expire"].select(rt) == []

    # Before its time, an upload stays.
    fresh = (await create(served, token, case_id, len(data))).headers["location"].rsplit("/", 1)[1]
    assert await handlers.registry.sweeps["uploads.expire"].select(rt) == []
    assert await handlers.run_job(rt, handlers.REMOVE_UPLOAD, {"upload_id": fresh}) is False
    assert await row(db, fresh) is not None
