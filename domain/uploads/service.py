"""Use cases of a resumable upload (tus 1.0, issue 14): create, append, finish, terminate, expire.

An upload is a promise of `length` bytes for one file on one case. The bytes received so far
wait in `incoming_dir(settings)/<upload id>` (mode 0600); the row keeps the offset reached.
One PATCH at a time appends, the one holding the row's lease (taken by a conditional UPDATE,
so it holds across API processes). When the last byte is in, `attachments.service.attach`
checks, re-encodes, seals and stores the file; the incoming bytes are then removed and the row
kept, finished, until it expires (so the same PATCH sent again is told it is finished).

The file's name is personal data: sealed in the row (vault, field "upload.name"), never
logged, never in an error. The caller owns the transaction; the incoming file is touched
only by the lease holder, and removed after the commit that removed its row.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from domain.attachments import repository as attachments_repo
from domain.attachments.files import too_large
from domain.attachments.models import Attachment
from domain.attachments.service import Limits, attach, case_full, check_may_attach, clean_name, room_left
from domain.attachments.storage import BlobStore, incoming_dir
from domain.errors import AccessDenied, DomainError, NotFound
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.uploads import repository
from domain.uploads.models import Upload
from domain.users.principal import Principal
from domain.vault import Vault

NAME_FIELD = "upload.name"
# A PATCH holds the upload for this long and extends it while bytes keep coming; a holder
# that died (a killed process) is replaced once it has lapsed.
LEASE = timedelta(seconds=90)
EXTEND_EVERY = timedelta(seconds=30)


# --- what can go wrong (codes the tus routes turn into statuses) ----------------------------

class UploadNotFound(NotFound):
    """No such upload for this user (another user's looks the same as none)."""

    def __init__(self) -> None:
        super().__init__("upload", "การอัปโหลด")


class UploadExpired(DomainError):
    code = "UPLOAD_EXPIRED"

    def __init__(self) -> None:
        super().__init__("This upload has expired; send the file again from the start.",
                         "การอัปโหลดนี้หมดอายุแล้ว กรุณาส่งไฟล์ใหม่ตั้งแต่ต้น")


class UploadFinished(DomainError):
    code = "UPLOAD_FINISHED"

    def __init__(self, attachment_id: uuid.UUID | None) -> None:
        super().__init__("This upload is already complete; the file is attached.",
                         "การอัปโหลดนี้เสร็จสมบูรณ์แล้ว ไฟล์ถูกแนบไว้แล้ว")
        self.attachment_id = attachment_id


class OffsetMismatch(DomainError):
    code = "OFFSET_MISMATCH"

    def __init__(self, offset: int) -> None:
        super().__init__(f"The upload continues at byte {offset}; ask for the offset (HEAD) and "
                         "resume from there.",
                         f"การอัปโหลดต้องต่อจากไบต์ที่ {offset} กรุณาตรวจสอบตำแหน่ง (HEAD) แล้วส่งต่อจากตรงนั้น")
        self.offset = offset


class UploadBusy(DomainError):
    code = "UPLOAD_LOCKED"

    def __init__(self) -> None:
        super().__init__("This upload is receiving bytes in another request; try again when it ends.",
                         "การอัปโหลดนี้กำลังรับข้อมูลจากคำขออื่นอยู่ กรุณาลองใหม่เมื่อคำขอนั้นเสร็จ")


class AlreadyAttached(DomainError):
    code = "ALREADY_ATTACHED"

    def __init__(self, attachment_id: uuid.UUID) -> None:
        super().__init__("This file is already attached to the case.", "ไฟล์นี้แนบกับเรื่องนี้แล้ว")
        self.attachment_id = attachment_id


class TooManyBytes(DomainError):
    code = "UPLOAD_LENGTH_EXCEEDED"

    def __init__(self) -> None:
        super().__init__("More bytes were sent than the upload's length; nothing of this request "
                         "was kept.",
                         "ข้อมูลที่ส่งมามากกว่าขนาดที่แจ้งไว้ ข้อมูลของคำขอนี้ไม่ถูกเก็บไว้")


class EmptyFile(DomainError):
    code = "FILE_EMPTY"

    def __init__(self) -> None:
        super().__init__("The file is empty.", "ไฟล์ว่างเปล่า")


# --- values ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewUpload:
    case_id: uuid.UUID
    referral_id: uuid.UUID | None
    client_id: uuid.UUID
    length: int
    filename: str | None


@dataclass(frozen=True)
class Lease:
    """The right of one PATCH to append to one upload."""

    upload_id: uuid.UUID
    token: uuid.UUID
    offset: int
    length: int
    expires_at: datetime


def limits(settings: Settings) -> Limits:
    return Limits(file_bytes=settings.attachment_max_bytes, files=settings.attachment_max_files,
                  case_bytes=settings.attachment_max_case_bytes)


def incoming_path(settings: Settings, upload_id: uuid.UUID) -> Path:
    return incoming_dir(settings) / str(upload_id)


def received(settings: Settings, upload: Upload) -> int:
    """The offset reached: the stored one, unless fewer bytes are on disk (a lost write)."""
    try:
        size = os.stat(incoming_path(settings, upload.id)).st_size
    except FileNotFoundError:
        size = 0
    return min(upload.offset, size)


# --- creation -------------------------------------------------------------------------------

async def create(uow: UnitOfWork, principal: Principal, vault: Vault, new: NewUpload,
                 now: datetime, settings: Settings) -> tuple[Upload, list[uuid.UUID]]:
    """A new upload for a file the principal may attach to the case; also the ids of the
    principal's earlier unfinished uploads of the same file, replaced by this one (remove
    their bytes after the commit with `discard_bytes`)."""
    session = uow.session
    limit = limits(settings)
    if new.length > limit.file_bytes:
        raise too_large(limit.file_bytes)
    if new.length < 1:
        raise EmptyFile()
    try:
        case = await check_may_attach(session, principal, new.case_id, new.referral_id)
    except AccessDenied:
        raise NotFound("case", "เรื่อง") from None  # out of scope = not found
    existing = await attachments_repo.by_client_id(session, case.id, new.client_id)
    if existing is not None:
        raise AlreadyAttached(existing.id)
    replaced: list[uuid.UUID] = []
    for earlier in await repository.unfinished_of_client(session, principal.user_id, case.id,
                                                         new.client_id):
        if earlier.lease_until is None or earlier.lease_until <= now:
            await repository.remove(session, earlier.id)
            replaced.append(earlier.id)
    files_left, bytes_left = await room_left(session, case.id, limit)
    pending_files, pending_bytes = await repository.pending_on_case(session, case.id, now)
    if files_left - pending_files < 1 or bytes_left - pending_bytes < new.length:
        raise case_full(limit)
    upload = Upload(id=uuid.uuid4(), user_id=principal.user_id, case_id=case.id,
                    referral_id=new.referral_id, client_id=new.client_id, length=new.length,
                    offset=0, created_at=now, expires_at=now + timedelta(hours=settings.upload_hours))
    if new.filename is not None:
        upload.name_sealed = vault.seal(clean_name(new.filename), upload.id, NAME_FIELD)
        upload.key_id = vault.current_key_id
    repository.add(session, upload)
    await uow.flush()
    return upload, replaced


# --- where an upload stands -----------------------------------------------------------------

async def own_upload(uow: UnitOfWork, principal: Principal, upload_id: uuid.UUID,
                     now: datetime) -> Upload:
    """The principal's upload, finished or not; UploadNotFound for anyone else's or none,
    UploadExpired for the principal's own unfinished one past its expiry."""
    upload = await repository.by_id(uow.session, upload_id)
    if upload is None or upload.user_id != principal.user_id:
        raise UploadNotFound()
    if upload.attachment_id is None and upload.expires_at <= now:
        raise UploadExpired()
    return upload


async def status(uow: UnitOfWork, principal: Principal, upload_id: uuid.UUID, now: datetime,
                 settings: Settings) -> tuple[Upload, int]:
    """The upload and the offset reached (HEAD)."""
    upload = await own_upload(uow, principal, upload_id, now)
    return upload, upload.length if upload.attachment_id else received(settings, upload)


# --- appending ------------------------------------------------------------------------------

async def begin_patch(uow: UnitOfWork, principal: Principal, upload_id: uuid.UUID, offset: int,
                      now: datetime, settings: Settings) -> Lease:
    """Take the upload's lease for a PATCH that starts at `offset`, or refuse it."""
    upload = await own_upload(uow, principal, upload_id, now)
    if upload.attachment_id is not None:
        raise UploadFinished(upload.attachment_id)
    token = uuid.uuid4()
    if not await repository.take_lease(uow.session, upload.id, token, now, now + LEASE):
        raise UploadBusy()  # (or finished meanwhile: the next try says so)
    reached = received(settings, upload)
    if offset != reached:
        raise OffsetMismatch(reached)  # the lease goes with the rolled-back transaction
    if reached != upload.offset:  # bytes lost on disk: the offset follows them
        await repository.record_offset(uow.session, upload.id, token, reached, release=False)
    return Lease(upload.id, token, reached, upload.length, upload.expires_at)


class Incoming:
    """The incoming file of a leased upload, appended to in place. Bytes past the stored
    offset (a write whose offset was never recorded) are cut off first."""

    def __init__(self, settings: Settings, lease: Lease) -> None:
        self.start = self.offset = lease.offset
        self.length = lease.length
        folder = incoming_dir(settings)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.fd = os.open(incoming_path(settings, lease.upload_id), os.O_WRONLY | os.O_CREAT, 0o600)
        os.ftruncate(self.fd, self.offset)
        os.lseek(self.fd, self.offset, os.SEEK_SET)

    def append(self, chunk: bytes) -> None:
        """Append the chunk; TooManyBytes (and nothing of it written) past the length."""
        if self.offset + len(chunk) > self.length:
            raise TooManyBytes()
        view = memoryview(chunk)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        self.offset += len(chunk)

    def undo(self) -> None:
        """Forget what this request appended."""
        os.ftruncate(self.fd, self.start)
        os.lseek(self.fd, self.start, os.SEEK_SET)
        self.offset = self.start

    async def close(self) -> None:
        """On disk before the offset is recorded (a crash then loses no recorded byte)."""
        fd, self.fd = self.fd, -1
        if fd < 0:
            return
        try:
            await asyncio.to_thread(os.fsync, fd)
        finally:
            os.close(fd)


async def extend(uow: UnitOfWork, lease: Lease, now: datetime) -> bool:
    """Keep the lease while bytes keep coming; False when it was lost."""
    return await repository.extend_lease(uow.session, lease.upload_id, lease.token, now + LEASE)


async def record(uow: UnitOfWork, lease: Lease, offset: int, *, release: bool) -> bool:
    """Store the offset the lease holder reached (giving the lease back unless it goes on to
    finish the upload); False when the lease was lost meanwhile (nothing stored)."""
    return await repository.record_offset(uow.session, lease.upload_id, lease.token, offset, release)


async def release(uow: UnitOfWork, lease: Lease) -> None:
    await repository.release_lease(uow.session, lease.upload_id, lease.token)


async def finish(uow: UnitOfWork, principal: Principal, vault: Vault, store: BlobStore,
                 lease: Lease, now: datetime, settings: Settings) -> Attachment:
    """The last byte is in: the file becomes an attachment (checked, re-encoded, sealed,
    stored, in the case's history) and the upload is marked finished. Raises what `attach`
    raises (FileRefused...): then nothing is kept, and the caller removes the upload."""
    upload = await repository.by_id(uow.session, lease.upload_id)
    if upload is None or upload.lease_token != lease.token:
        raise UploadBusy()
    if upload.attachment_id is not None:
        raise UploadFinished(upload.attachment_id)
    filename = vault.open(upload.name_sealed, upload.key_id, upload.id, NAME_FIELD)
    try:
        attachment = await attach(uow, principal, vault, store, case_id=upload.case_id,
                                  referral_id=upload.referral_id, client_id=upload.client_id,
                                  filename=filename, staged=incoming_path(settings, upload.id),
                                  now=now, limits=limits(settings))
    except AccessDenied:
        raise NotFound("case", "เรื่อง") from None
    if not await repository.mark_finished(uow.session, upload.id, lease.token, attachment.id):
        raise UploadBusy()
    return attachment


async def abandon(uow: UnitOfWork, upload_id: uuid.UUID) -> None:
    """A refused file: its upload goes (remove the bytes after the commit)."""
    await repository.remove(uow.session, upload_id)


async def attached_already(uow: UnitOfWork, upload_id: uuid.UUID) -> uuid.UUID | None:
    """The attachment the upload's file became by another way (the same client id), if any."""
    upload = await repository.by_id(uow.session, upload_id)
    if upload is None:
        return None
    existing = await attachments_repo.by_client_id(uow.session, upload.case_id, upload.client_id)
    return existing.id if existing else None


# --- termination and expiry -----------------------------------------------------------------

async def terminate(uow: UnitOfWork, principal: Principal, upload_id: uuid.UUID,
                    now: datetime) -> None:
    """The client gives up the upload (tus termination): the row goes now, its bytes after
    the commit (`discard_bytes`). Refused while a PATCH is appending."""
    upload = await repository.by_id(uow.session, upload_id)
    if upload is None or upload.user_id != principal.user_id:
        raise UploadNotFound()
    if upload.lease_until is not None and upload.lease_until > now:
        raise UploadBusy()
    await repository.remove(uow.session, upload.id)


async def expired_ids(uow: UnitOfWork, settings: Settings, now: datetime,
                      batch: int) -> list[uuid.UUID]:
    """Uploads to remove: rows past their expiry, and incoming files no row owns any more
    that are older than an upload may live (left by a crash between commit and removal)."""
    ids = list(await repository.expired_ids(uow.session, now, batch))
    folder = incoming_dir(settings)
    if len(ids) < batch and folder.is_dir():
        cutoff = (now - timedelta(hours=settings.upload_hours)).timestamp()
        candidates: list[uuid.UUID] = []
        for entry in os.scandir(folder):
            try:
                upload_id = uuid.UUID(entry.name)
                if entry.stat().st_mtime < cutoff:
                    candidates.append(upload_id)
            except (ValueError, OSError):
                continue
        known = set(await repository.existing_ids(uow.session, candidates))
        ids.extend(i for i in candidates if i not in known and i not in ids)
    return ids[:batch]


async def remove_expired(uow: UnitOfWork, upload_id: uuid.UUID, now: datetime) -> bool:
    """Delete the upload's row when it has expired; whether its bytes may go now (the row
    is gone, now or before). Safe twice."""
    if await repository.remove_if_expired(uow.session, upload_id, now):
        return True
    return await repository.by_id(uow.session, upload_id) is None


async def discard_bytes(settings: Settings, upload_ids: list[uuid.UUID] | uuid.UUID) -> None:
    """Remove incoming files whose rows are gone (idempotent)."""
    for upload_id in upload_ids if isinstance(upload_ids, list) else [upload_ids]:
        await asyncio.to_thread(incoming_path(settings, upload_id).unlink, missing_ok=True)


async def remove_of_case(uow: UnitOfWork, case_id: uuid.UUID) -> list[uuid.UUID]:
    """Every upload of a case (anonymisation, retention): the rows go now; remove the bytes
    of the returned ids after the commit."""
    ids = list(await repository.ids_of_case(uow.session, case_id))
    for upload_id in ids:
        await repository.remove(uow.session, upload_id)
    return ids


async def reseal(uow: UnitOfWork, vault: Vault, batch: int) -> int:
    """Seal the names of unfinished uploads sealed with an older data key with the current one."""
    rows = await repository.sealed_with_older_key(uow.session, vault.current_key_id, batch)
    for row in rows:
        name = vault.open(row.name_sealed, row.key_id, row.id, NAME_FIELD)
        row.name_sealed = vault.seal(name, row.id, NAME_FIELD)
        row.key_id = vault.current_key_id
    return len(rows)
