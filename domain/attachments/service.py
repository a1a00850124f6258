"""Use cases about attachments: attach a received file, list, open (logged), purge, reseal.

Who may attach: the filing volunteer on their open case; the staff of an office that serves
the citizen through a referral of the case (a document for that referral, e.g. the proof of
resolution); the province's coordinators while the case is at triage. Who may open a file
follows who may see the citizen whole (`policy.may_see_citizen`); everyone else who may see
the case sees that a file exists, its kind and its size. Every opening of a file or its
thumbnail is a VIEW_ATTACHMENT entry of the access log, written before a byte is sent.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.attachments import repository, sealing
from domain.attachments.blobs import CHUNK_BYTES
from domain.attachments.files import FileRefused, Prepared, prepare
from domain.attachments.models import Attachment
from domain.attachments.storage import BlobStore
from domain.cases import policy
from domain.cases import repository as cases
from domain.cases.changes import event
from domain.cases.models import Case, EventType, Referral
from domain.cases.state import CaseStatus
from domain.errors import AccessDenied, DomainError, NotFound
from domain.privacy import pdpa
from domain.privacy import repository as access_log
from domain.privacy.models import AccessAction
from domain.privacy.service import entry
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal
from domain.vault import Vault

NAME_FIELD = "attachment.name"
MAX_NAME_CHARS = 200
ATTACHING_ROLES = (Role.VOLUNTEER, Role.OFFICER, Role.COORDINATOR)


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    files: int
    case_bytes: int


@dataclass(frozen=True)
class Room:
    files_left: int
    bytes_left: int
    may_attach: bool


def _attachment_not_found() -> NotFound:
    return NotFound("attachment", "ไฟล์แนบ")


def may_attach(principal: Principal, case: Case, referrals: Sequence[Referral]) -> bool:
    """The case is open and the principal may add evidence to it (see the module's text)."""
    if case.status == CaseStatus.CLOSED or case.anonymised_at is not None:
        return False
    if principal.role not in ATTACHING_ROLES:
        return False
    return policy.may_see_citizen(principal, case, referrals)


async def check_may_attach(session: AsyncSession, principal: Principal, case_id: uuid.UUID,
                           referral_id: uuid.UUID | None) -> Case:
    """The case (and referral) the principal may attach a file to, or NotFound when they
    may not see it, AccessDenied when they see it but may not add to it."""
    case = await cases.visible_case(session, principal, case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    referrals = await cases.referrals_of(session, [case.id])
    if referral_id is not None:
        referral = next((r for r in referrals if r.id == referral_id), None)
        if referral is None:
            raise NotFound("referral", "การส่งต่อ")
        if not policy.serves(principal, referral):
            raise AccessDenied("Only the office this referral is with can attach documents to it.")
    if case.status == CaseStatus.CLOSED or case.anonymised_at is not None:
        raise DomainError("Files can be attached only to a case that is not closed.",
                          "แนบไฟล์ได้เฉพาะเรื่องที่ยังไม่ปิด", code="CASE_CLOSED")
    if not may_attach(principal, case, referrals):
        raise AccessDenied("Only the filing volunteer and the offices responsible for the case "
                           "can attach files to it.")
    return case


async def room_left(session: AsyncSession, case_id: uuid.UUID, limits: Limits) -> tuple[int, int]:
    """Files and bytes the case can still take (attachments only: unfinished uploads are
    counted by domain/uploads)."""
    count, size = await repository.usage(session, case_id)
    return limits.files - count, limits.case_bytes - size


def case_full(limits: Limits) -> FileRefused:
    mb = limits.case_bytes / (1024 * 1024)
    return FileRefused(f"A case can hold at most {limits.files} files and {mb:g} MB in all; "
                       "this one has no room for the file.",
                       f"เรื่องหนึ่งแนบไฟล์ได้ไม่เกิน {limits.files} ไฟล์ รวมไม่เกิน {mb:g} MB "
                       "เรื่องนี้ไม่มีที่ว่างพอสำหรับไฟล์นี้", code="CASE_FULL")


def clean_name(filename: str | None) -> str:
    """The file's name as shown to people: its last path part, printable, at most 200 chars."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:MAX_NAME_CHARS] or "file"


def _file_chunks(prepared: Prepared) -> Iterator[bytes]:
    if prepared.data is not None:
        yield prepared.data
        return
    assert prepared.path is not None
    with prepared.path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def blob_keys(attachment: Attachment) -> list[str]:
    keys = [attachment.blob_key]
    if attachment.thumbnail_bytes is not None:
        keys.append(attachment.blob_key + ".thumb")
    return keys


async def attach(uow: UnitOfWork, principal: Principal, vault: Vault, store: BlobStore, *,
                 case_id: uuid.UUID, referral_id: uuid.UUID | None, client_id: uuid.UUID,
                 filename: str | None, staged: Path, now: datetime, limits: Limits) -> Attachment:
    """Check the received file (`staged`), keep its safe copy sealed in the store, and add
    it to the case with a history entry. The same client id on the same case is the same
    attachment: sending it again returns the one kept. Raises FileRefused (nothing kept)."""
    session = uow.session
    case = await check_may_attach(session, principal, case_id, referral_id)
    existing = await repository.by_client_id(session, case.id, client_id)
    if existing is not None:
        return existing
    prepared = await asyncio.to_thread(prepare, staged, limits.file_bytes)
    files_left, bytes_left = await room_left(session, case.id, limits)
    if files_left < 1 or bytes_left < prepared.size:
        raise case_full(limits)
    attachment_id = uuid.uuid4()
    key = sealing.new_file_key(vault, case.id, attachment_id)
    row = Attachment(id=attachment_id, case_id=case.id, referral_id=referral_id,
                     client_id=client_id, uploaded_by_id=principal.user_id, created_at=now,
                     kind=prepared.kind, content_type=prepared.content_type,
                     size_bytes=prepared.size, width=prepared.width, height=prepared.height,
                     thumbnail_bytes=len(prepared.thumbnail) if prepared.thumbnail else None,
                     name_sealed=vault.seal(clean_name(filename), attachment_id, NAME_FIELD),
                     key_id=key.key_id, wrapped_key=key.wrapped,
                     blob_key=f"attachments/{case.id}/{attachment_id}")
    written: list[str] = []
    try:
        await store.put(row.blob_key, sealing.seal_chunks(key.key, case.id, attachment_id,
                                                          sealing.FILE, _file_chunks(prepared)))
        written.append(row.blob_key)
        if prepared.thumbnail is not None:
            await store.put(row.blob_key + ".thumb", sealing.seal_chunks(
                key.key, case.id, attachment_id, sealing.THUMBNAIL, [prepared.thumbnail]))
            written.append(row.blob_key + ".thumb")
        session.add(row)
        referral = (await session.get(Referral, referral_id)) if referral_id else None
        session.add(event(case, EventType.ATTACHED, principal, now, referral=referral,
                          data={"attachment": str(attachment_id), "kind": prepared.kind.value,
                                "bytes": prepared.size}))
        await uow.flush()
    except BaseException:
        for blob in written:  # nothing partial left behind
            await store.delete(blob)
        raise
    return row


async def attachments_of(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Attachment]]:
    found: dict[uuid.UUID, list[Attachment]] = {case_id: [] for case_id in case_ids}
    for row in await repository.of_cases(session, case_ids):
        found[row.case_id].append(row)
    return found


def name_of(vault: Vault, attachment: Attachment) -> str:
    return vault.open(attachment.name_sealed, attachment.key_id, attachment.id, NAME_FIELD) or "file"


@dataclass(frozen=True)
class Opened:
    attachment: Attachment
    name: str
    content_type: str
    chunks: AsyncIterator[bytes]


async def open_file(uow: UnitOfWork, principal: Principal, vault: Vault, store: BlobStore,
                    attachment_id: uuid.UUID, *, thumbnail: bool, now: datetime) -> Opened:
    """A file (or its thumbnail) for one who may see the citizen whole, logged first; for
    anyone else it does not exist."""
    session = uow.session
    row = await repository.by_id(session, attachment_id)
    case = await cases.visible_case(session, principal, row.case_id) if row else None
    if row is None or case is None or case.anonymised_at is not None:
        raise _attachment_not_found()
    referrals = await cases.referrals_of(session, [case.id])
    if not policy.may_see_citizen(principal, case, referrals):
        raise _attachment_not_found()
    if thumbnail and row.thumbnail_bytes is None:
        raise _attachment_not_found()
    access_log.append(session, entry(principal, AccessAction.VIEW_ATTACHMENT, now, case_id=case.id,
                                     detail=("THUMBNAIL:" if thumbnail else "FILE:") + str(row.id)[:30]))
    file_key = sealing.unwrap(vault, row.key_id, row.wrapped_key, row.case_id, row.id)
    part = sealing.THUMBNAIL if thumbnail else sealing.FILE
    key = row.blob_key + (".thumb" if thumbnail else "")
    chunks = sealing.open_chunks(file_key, row.case_id, row.id, part, store.get(key))
    return Opened(row, name_of(vault, row), "image/jpeg" if thumbnail else row.content_type, chunks)


async def export_citizen_data(uow: UnitOfWork, principal: Principal, vault: Vault,
                              store: BlobStore, national_id: str, now: datetime, quota: int, *,
                              include_files: bool = False) -> dict[str, Any]:
    """The PDPA access request (domain/privacy/pdpa.py) with every file of the citizen's cases
    listed, and, when asked, their bytes (base64; each a VIEW_ATTACHMENT entry)."""
    data = await pdpa.export_citizen_data(uow, principal, vault, national_id, now, quota)
    case_ids = [uuid.UUID(case["id"]) for case in data["cases"]]
    found = await attachments_of(uow.session, case_ids)
    for case in data["cases"]:
        files = []
        for row in found.get(uuid.UUID(case["id"]), []):
            item: dict[str, Any] = {
                "id": str(row.id), "kind": row.kind, "contentType": row.content_type,
                "sizeBytes": row.size_bytes, "name": name_of(vault, row),
                "attachedAt": row.created_at.isoformat(),
                "referralId": str(row.referral_id) if row.referral_id else None}
            if include_files:
                opened = await open_file(uow, principal, vault, store, row.id, thumbnail=False, now=now)
                item["contentBase64"] = base64.b64encode(
                    b"".join([chunk async for chunk in opened.chunks])).decode()
            files.append(item)
        case["files"] = files
    return data


async def purge_case(uow: UnitOfWork, store: BlobStore, case_id: uuid.UUID) -> int | None:
    """Anonymisation and retention: every file of an anonymised case and its thumbnail are
    deleted from the store, the deletion is checked, and the rows go; how many files went.
    Safe to run twice; a case that is not anonymised keeps its files (None)."""
    session = uow.session
    case = await cases.case_by_id(session, case_id)
    if case is None or case.anonymised_at is None:
        return None
    rows = await repository.of_cases(session, [case_id])
    for row in rows:
        for key in blob_keys(row):
            await store.delete(key)
            if await store.exists(key):
                raise RuntimeError("an attachment blob is still there after its deletion")
    await repository.delete_rows(session, [row.id for row in rows])
    return len(rows)


async def reseal(uow: UnitOfWork, vault: Vault, batch: int) -> int:
    """Re-wrap the file keys (and re-seal the names) of attachments sealed with an older data
    key; the blobs stay as they are (envelope encryption). The number done in this batch."""
    rows = await repository.sealed_with_older_key(uow.session, vault.current_key_id, batch)
    for row in rows:
        file_key = sealing.unwrap(vault, row.key_id, row.wrapped_key, row.case_id, row.id)
        name = vault.open(row.name_sealed, row.key_id, row.id, NAME_FIELD)
        wrapped = sealing.wrap(vault, file_key, row.case_id, row.id)
        row.key_id, row.wrapped_key = wrapped.key_id, wrapped.wrapped
        row.name_sealed = vault.seal(name, row.id, NAME_FIELD)
    return len(rows)

