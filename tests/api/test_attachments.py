"""Attachments (issue 14): safe copies, sealed at rest, opened only by those who may see the
citizen, each opening logged; gone with the citizen's data on anonymisation (filesystem and S3).

The files arrive here through the attach service itself, as the tus endpoint hands them over
when the last byte is in (tests/api/test_tus.py covers the upload protocol)."""

from __future__ import annotations

import base64
import io
import struct
import uuid
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
import httpx
import pillow_heif
import pypdf
import pytest
from PIL import Image
from pypdf.generic import DecodedStreamObject, NameObject
from sqlalchemy import func, select

from api.app import create_app
from domain.attachments import service as attachments
from domain.attachments.files import FileRefused
from domain.attachments.models import Attachment
from domain.attachments.storage import BlobStore, FileSystemStore, blob_store
from domain.db import Database
from domain.errors import NotFound
from domain.outbox.models import OutboxJob
from domain.privacy.models import AccessLogEntry
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.uploads import service as uploads
from domain.uploads.models import Upload
from tests.api.cases_api import current_referral, sign_in, succeeded
from tests.api.test_privacy import (ANONYMISE, FILE, ID_A, citizen_input, close_through_the_api)
from tests.factories import principal
from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY, S3Store, s3_endpoint, s3_store  # noqa: F401 (fixtures)
from workers import handlers

MARKER = b"KHORTOR-EVIDENCE-MARKER-7f3a"
GPS = 0x8825
ATTACHMENTS = """
query Files($id: ID!) {
  case(id: $id) {
    attachments { id kind contentType sizeBytes name mayOpen hasThumbnail width height referralId
                  attachedBy { username } }
    attachmentRoom { mayAttach filesLeft bytesLeft maxFileBytes }
    events { type attachmentId }
  }
}
"""
EXPORT_FILES = """
mutation Export($id: String!) {
  exportCitizenData(nationalId: $id, includeFiles: true) {
    __typename ... on CitizenDataExport { data }
  }
}
"""


def photo_with_gps(size: tuple[int, int] = (1200, 900)) -> bytes:
    picture = Image.effect_noise(size, 60).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the stored copy is turned upright
    exif[GPS] = {1: "N", 2: (17.0, 52.0, 41.0), 3: "E", 4: (102.0, 44.0, 52.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def pdf_with_marker() -> bytes:
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(300, 300)
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 20 150 Td (" + MARKER + b") Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def limits(settings: Settings) -> attachments.Limits:
    return attachments.Limits(settings.attachment_max_bytes, settings.attachment_max_files,
                              settings.attachment_max_case_bytes)


async def attach(db: Database, settings: Settings, store: BlobStore, username: str, case_id: str,
                 data: bytes, name: str, tmp_path: Path, referral_id: str | None = None) -> Attachment:
    staged = tmp_path / f"staged-{uuid.uuid4()}"
    staged.write_bytes(data)
    async with UnitOfWork(db) as uow:
        return await attachments.attach(
            uow, await principal(db, username), settings.vault, store, case_id=uuid.UUID(case_id),
            referral_id=uuid.UUID(referral_id) if referral_id else None, client_id=uuid.uuid4(),
            filename=name, staged=staged, now=datetime.now(UTC), limits=limits(settings))


def blob_files(settings: Settings) -> list[Path]:
    root = Path(settings.attachments_dir) / "blobs"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def views(db: Database, case_id: str) -> list[tuple[str, str]]:
    async with db.read_sessions() as session:
        rows = await session.execute(select(AccessLogEntry.action, AccessLogEntry.detail).where(
            AccessLogEntry.case_id == uuid.UUID(case_id), AccessLogEntry.action == "VIEW_ATTACHMENT"))
        return [(a, d) for a, d in rows]


async def test_a_photo_is_kept_upright_without_its_gps_sealed_and_shown_only_to_who_may_see_the_citizen(
        client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS)  # the input carries GPS
    store = blob_store(settings)
    row = await attach(db, settings, store, "vol.naimueang", case["id"], original,
                       "สลิปเงินเดือน นายสมชาย.jpg", tmp_path)

    # Sealed at rest: the stored blob is neither the photo nor its re-encoded copy.
    (blob, thumb) = blob_files(settings)
    assert blob.name == str(row.id) and thumb.name == f"{row.id}.thumb"
    sealed = blob.read_bytes()
    assert sealed.startswith(b"KHA1") and b"\xff\xd8\xff" not in sealed[:64] and original[-4096:] not in sealed

    headers = {"Authorization": f"Bearer {volunteer.token}"}
    got = await client.get(f"/attachments/{row.id}", headers=headers)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["cache-control"] == "no-store" and got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("inline; filename*=UTF-8''")
    stored = Image.open(io.BytesIO(got.content))
    assert stored.size == (900, 1200)  # orientation applied
    assert not stored.getexif().get_ifd(GPS) and 0x0112 not in stored.getexif()  # no GPS, no EXIF
    small = await client.get(f"/attachments/{row.id}/thumbnail", headers=headers)
    assert small.status_code == 200 and max(Image.open(io.BytesIO(small.content)).size) == 320
    assert await views(db, case["id"]) == [("VIEW_ATTACHMENT", f"FILE:{str(row.id)[:30]}"),
                                           ("VIEW_ATTACHMENT", f"THUMBNAIL:{str(row.id)[:30]}")]

    mine = (await volunteer.run(ATTACHMENTS, id=case["id"]))["case"]
    assert mine["attachments"] == [{
        "id": str(row.id), "kind": "PHOTO", "contentType": "image/jpeg", "sizeBytes": len(got.content),
        "name": "สลิปเงินเดือน นายสมชาย.jpg", "mayOpen": True, "hasThumbnail": True, "width": 900,
        "height": 1200, "referralId": None, "attachedBy": {"username": "vol.naimueang"}}]
    assert mine["attachmentRoom"] == {"mayAttach": True, "filesLeft": 29,
                                      "bytesLeft": 100 * 1024 * 1024 - len(got.content),
                                      "maxFileBytes": 10 * 1024 * 1024}
    assert [e["attachmentId"] for e in mine["events"] if e["type"] == "ATTACHED"] == [str(row.id)]

    # A supervisor sees the case: that a photo exists and its size; no name, no thumbnail, no bytes.
    supervisor = await sign_in(client, "sup.nongkhai")
    theirs = (await supervisor.run(ATTACHMENTS, id=case["id"]))["case"]
    assert theirs["attachments"][0] | {"attachedBy": None} == mine["attachments"][0] | {
        "name": None, "mayOpen": False, "hasThumbnail": False, "attachedBy": None}
    assert theirs["attachmentRoom"]["mayAttach"] is False
    for path in (f"/attachments/{row.id}", f"/attachments/{row.id}/thumbnail"):
        refused = await client.get(path, headers={"Authorization": f"Bearer {supervisor.token}"})
        assert refused.status_code == 404 and refused.json()["error"]["messageTh"] == "ไม่พบไฟล์แนบ"
    assert (await client.get(f"/attachments/{row.id}")).status_code == 401
    assert (await client.get("/attachments/not-an-id", headers=headers)).status_code == 404
    assert len(await views(db, case["id"])) == 2  # refusals read nothing


async def test_an_officer_attaches_a_pdf_to_their_referral_kept_as_it_came_and_sealed(
        client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    filed = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    case = await volunteer.case(filed["id"])
    assert case is not None
    referral = current_referral(case, "DLPW-43")
    document = pdf_with_marker()
    store = blob_store(settings)
    row = await attach(db, settings, store, "dlpw.nongkhai", case["id"], document, "คำสั่งจ่ายเงิน.pdf",
                       tmp_path, referral_id=referral["id"])
    assert row.referral_id == uuid.UUID(referral["id"]) and row.thumbnail_bytes is None
    (blob,) = blob_files(settings)
    assert MARKER not in blob.read_bytes()  # the marker is in the PDF, not in what is stored

    officer = await sign_in(client, "dlpw.nongkhai")
    got = await client.get(f"/attachments/{row.id}", headers={"Authorization": f"Bearer {officer.token}"})
    assert got.status_code == 200 and got.content == document and MARKER in got.content
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%E0%B8%84%E0%B8%B3%E0%B8%AA%E0%B8%B1%E0%B9%88%E0%B8%87"
        "%E0%B8%88%E0%B9%88%E0%B8%B2%E0%B8%A2%E0%B9%80%E0%B8%87%E0%B8%B4%E0%B8%99.pdf")
    shown = (await officer.run(ATTACHMENTS, id=case["id"]))["case"]["attachments"]
    assert [(a["kind"], a["referralId"], a["name"]) for a in shown] == [
        ("DOCUMENT", referral["id"], "คำสั่งจ่ายเงิน.pdf")]

    # An office the case is not with does not see it, so cannot attach to it.
    with pytest.raises(NotFound):
        await attach(db, settings, store, "sso.nongkhai", case["id"], document, "x.pdf", tmp_path,
                     referral_id=referral["id"])


BAD_FILES = {
    "script-named-jpeg": (b"<script>alert(1)</script>", "UNSUPPORTED_FILE_TYPE"),
    "image-with-trailing-script": (photo_with_gps((64, 64)) + b"<script>alert(1)</script>", "FILE_NOT_SAFE"),
    "pdf-that-is-also-a-zip": (None, "FILE_NOT_SAFE"),
    "bomb": (None, "IMAGE_TOO_LARGE"),
    "encrypted-pdf": (None, "ENCRYPTED_PDF"),
    "malformed-pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n%%EOF", "DAMAGED_FILE"),
    "over-the-limit": (b"\xff\xd8\xff" + bytes(10 * 1024 * 1024), "FILE_TOO_LARGE"),
}


def bad_file(name: str) -> bytes:
    data, _ = BAD_FILES[name]
    if data is not None:
        return data
    if name == "pdf-that-is-also-a-zip":
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("run.js", "alert(1)")
        return pdf_with_marker() + archive.getvalue()
    if name == "bomb":  # a 1×1 PNG whose header declares 100,000 × 100,000 pixels
        out = io.BytesIO()
        Image.new("L", (1, 1)).save(out, "PNG")
        png = bytearray(out.getvalue())
        png[16:24] = struct.pack(">II", 100_000, 100_000)
        png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])) & 0xFFFFFFFF)
        return bytes(png)
    writer = pypdf.PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
async def test_a_bad_file_is_refused_with_the_reason_and_nothing_is_kept(
        client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path, name: str) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    with pytest.raises(FileRefused) as refused:
        await attach(db, settings, blob_store(settings), "vol.naimueang", case["id"], bad_file(name),
                     "evidence", tmp_path)
    assert refused.value.code == BAD_FILES[name][1]
    assert refused.value.message and any("\u0e00" <= ch <= "\u0e7f" for ch in refused.value.message_th)
    assert blob_files(settings) == []
    async with db.read_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert (await volunteer.run(ATTACHMENTS, id=case["id"]))["case"]["attachments"] == []


async def test_a_case_holds_at_most_its_limit_of_files(
        client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    small = Settings(**{**settings.__dict__, "attachment_max_files": 2})
    store = blob_store(settings)
    for _ in range(2):
        await attach(db, small, store, "vol.naimueang", case["id"], photo_with_gps((80, 60)), "a.jpg", tmp_path)
    with pytest.raises(FileRefused) as refused:
        await attach(db, small, store, "vol.naimueang", case["id"], photo_with_gps((80, 60)), "c.jpg", tmp_path)
    assert refused.value.code == "CASE_FULL" and "2 ไฟล์" in refused.value.message_th
    assert len(blob_files(settings)) == 4  # two photos and their thumbnails, nothing of the third


async def anonymise_with_files(client: httpx.AsyncClient, db: Database, settings: Settings,
                               store: BlobStore, tmp_path: Path) -> tuple[str, list[Attachment]]:
    volunteer = await sign_in(client, "vol.naimueang")
    filed = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    rows = [await attach(db, settings, store, "vol.naimueang", filed["id"], photo_with_gps((200, 150)),
                         "บัตรประชาชน.jpg", tmp_path),
            await attach(db, settings, store, "vol.naimueang", filed["id"], pdf_with_marker(),
                         "สัญญาจ้าง.pdf", tmp_path)]
    async with UnitOfWork(db) as uow:  # and one upload of it still under way
        upload, _ = await uploads.create(uow, await principal(db, "vol.naimueang"), settings.vault,
                                         uploads.NewUpload(uuid.UUID(filed["id"]), None, uuid.uuid4(),
                                                           5000, "ใบเสร็จ.jpg"),
                                         datetime.now(UTC), settings)
    incoming = uploads.incoming_path(settings, upload.id)
    incoming.parent.mkdir(parents=True, exist_ok=True)
    incoming.write_bytes(b"\xff\xd8\xff" + bytes(2000))
    case = await volunteer.case(filed["id"])
    assert case is not None
    await close_through_the_api(client, volunteer, case)
    admin = await sign_in(client, "admin")
    exported = succeeded(await admin.mutate(EXPORT_FILES, id=ID_A), "CitizenDataExport")["data"]
    (listed,) = [c["files"] for c in exported["cases"] if c["id"] == filed["id"]]
    assert [(f["name"], f["kind"]) for f in listed] == [("บัตรประชาชน.jpg", "PHOTO"), ("สัญญาจ้าง.pdf", "DOCUMENT")]
    assert all(len(f["contentBase64"]) > 100 for f in listed)
    succeeded(await admin.mutate(ANONYMISE, id=ID_A, reason="เจ้าของข้อมูลขอให้ลบ"), "AnonymiseCitizenSuccess")
    async with db.read_sessions() as session:
        jobs = (await session.execute(select(OutboxJob.name, OutboxJob.ids))).all()
    assert ("attachments.purge", {"case_id": filed["id"]}) in [(n, i) for n, i in jobs]
    # Until the job runs, an anonymised case's files are not served to anyone.
    got = await client.get(f"/attachments/{rows[0].id}", headers={"Authorization": f"Bearer {volunteer.token}"})
    assert got.status_code == 404
    runtime = handlers.Runtime(settings=settings, db=db, blobs=store)
    assert await handlers.purge_attachments(runtime, filed["id"]) == 2
    assert await handlers.purge_attachments(runtime, filed["id"]) == 0  # safe twice
    async with db.read_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert await session.scalar(select(func.count()).select_from(Upload)) == 0
    assert not incoming.exists()
    assert (await volunteer.run(ATTACHMENTS, id=filed["id"]))["case"]["attachments"] == []
    return filed["id"], rows


async def test_anonymisation_deletes_the_files_and_thumbnails_on_the_filesystem(
        client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path) -> None:
    store = blob_store(settings)
    assert isinstance(store, FileSystemStore)
    _, rows = await anonymise_with_files(client, db, settings, store, tmp_path)
    assert rows and blob_files(settings) == []


async def test_anonymisation_deletes_the_files_and_thumbnails_in_s3(
        db: Database, settings: Settings, tmp_path: Path, s3_endpoint: str,  # noqa: F811
        s3_store: S3Store) -> None:  # noqa: F811 (the fixtures)
    on_s3 = Settings(**{**settings.__dict__, **{
        "s3_bucket": s3_store.bucket, "s3_endpoint_url": s3_endpoint, "s3_region": REGION,
        "s3_access_key": ACCESS_KEY, "s3_secret_key": SECRET_KEY}})
    app = create_app(on_s3)
    assert isinstance(app.state.blobs, S3Store)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        _, rows = await anonymise_with_files(client, db, on_s3, app.state.blobs, tmp_path)
    for row in rows:
        for key in attachments.blob_keys(row):
            assert not await s3_store.exists(key)
    assert blob_files(settings) == []  # nothing went to the filesystem


async def test_reseal_rewraps_file_keys_under_the_new_data_key(
        client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    store = blob_store(settings)
    row = await attach(db, settings, store, "vol.naimueang", case["id"], pdf_with_marker(), "ใบรับรองแพทย์.pdf", tmp_path)
    old = settings.vault.keys[0]
    new_key = "k2:" + base64.b64encode(b"n" * 32).decode()
    old_key = f"{old[0]}:" + base64.b64encode(old[1]).decode()
    lookup = base64.b64encode(settings.vault.lookup_key).decode()
    rotated = Settings(**{**settings.__dict__, "data_keys": f"{new_key},{old_key}", "lookup_key": lookup})
    async with UnitOfWork(db) as uow:
        assert await attachments.reseal(uow, rotated.vault, 100) >= 1
    async with db.read_sessions() as session:
        assert (await session.get(Attachment, row.id)).key_id == "k2"  # type: ignore[union-attr]
    only_new = Settings(**{**settings.__dict__, "data_keys": new_key, "lookup_key": lookup})
    async with UnitOfWork(db) as uow:
        opened = await attachments.open_file(uow, await principal(db, "vol.naimueang"), only_new.vault,
                                             store, row.id, thumbnail=False, now=datetime.now(UTC))
        body = b"".join([chunk async for chunk in opened.chunks])
    assert MARKER in body and opened.name == "ใบรับรองแพทย์.pdf"



WARNED = """
mutation File($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on DuplicateCaseWarning { openCase { id attachments { id name } } }
  }
}
"""


async def test_the_duplicate_warning_never_carries_the_open_cases_files(
        client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    await attach(db, settings, blob_store(settings), "vol.naimueang", case["id"], photo_with_gps((90, 90)),
                 "หลักฐาน.jpg", tmp_path)
    assert len((await volunteer.run(ATTACHMENTS, id=case["id"]))["case"]["attachments"]) == 1
    warned = succeeded(await volunteer.mutate(WARNED, input=citizen_input()), "DuplicateCaseWarning")
    assert warned["openCase"] == {"id": case["id"], "attachments": []}


@pytest.mark.parametrize("kind", ["PNG", "WEBP", "HEIF"])
async def test_png_webp_and_heic_photos_are_kept_as_clean_copies(
        client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path, kind: str) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    picture = Image.effect_noise((640, 480), 40).convert("RGB")
    out = io.BytesIO()
    if kind == "HEIF":
        pillow_heif.from_pillow(picture).save(out, quality=60)  # what an iPhone sends
    else:
        picture.save(out, kind)
    row = await attach(db, settings, blob_store(settings), "vol.naimueang", case["id"], out.getvalue(),
                       f"photo.{kind.lower()}", tmp_path)
    assert (row.kind, row.content_type, row.width, row.height) == ("PHOTO", "image/jpeg", 640, 480)
    got = await client.get(f"/attachments/{row.id}", headers={"Authorization": f"Bearer {volunteer.token}"})
    assert Image.open(io.BytesIO(got.content)).format == "JPEG"
