"""The upload service (domain/uploads/service.py) on a real database: the room a case has
left counts unfinished uploads, one PATCH at a time holds an upload (and a dead holder's
lease lapses), the offset follows the bytes really on disk, the name is sealed."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from domain.db import Database
from domain.errors import DomainError, NotFound
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.uploads import repository, service
from domain.uploads.service import NewUpload
from tests.factories import file_case_directly, principal

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def upload_settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, attachments_dir=str(tmp_path / "attachments"))


def new(case_id: uuid.UUID, length: int = 1000, client_id: uuid.UUID | None = None) -> NewUpload:
    return NewUpload(case_id=case_id, referral_id=None, client_id=client_id or uuid.uuid4(),
                     length=length, filename="C:\\phone\\DCIM\\slip of Somchai.jpg")


async def test_the_room_left_counts_unfinished_uploads(db: Database, upload_settings: Settings) -> None:
    settings = dataclasses.replace(upload_settings, attachment_max_files=2, attachment_max_case_bytes=5000)
    case, _ = await file_case_directly(db, NOW)
    volunteer = await principal(db, "vol.naimueang")
    vault = settings.vault
    async with UnitOfWork(db) as uow:
        first, _ = await service.create(uow, volunteer, vault, new(case.id, 3000), NOW, settings)
    with pytest.raises(DomainError) as refused:  # 3000 + 3000 > 5000
        async with UnitOfWork(db) as uow:
            await service.create(uow, volunteer, vault, new(case.id, 3000), NOW, settings)
    assert refused.value.code == "CASE_FULL"
    async with UnitOfWork(db) as uow:
        await service.create(uow, volunteer, vault, new(case.id, 2000), NOW, settings)
    with pytest.raises(DomainError) as refused:  # a third file
        async with UnitOfWork(db) as uow:
            await service.create(uow, volunteer, vault, new(case.id, 10), NOW, settings)
    assert refused.value.code == "CASE_FULL"
    # An expired one no longer counts.
    later = first.expires_at + timedelta(seconds=1)
    async with UnitOfWork(db) as uow:
        await service.create(uow, volunteer, vault, new(case.id, 10), later, settings)


async def test_the_same_file_announced_again_replaces_the_unfinished_upload(
        db: Database, upload_settings: Settings) -> None:
    case, _ = await file_case_directly(db, NOW)
    volunteer = await principal(db, "vol.naimueang")
    client_id = uuid.uuid4()
    async with UnitOfWork(db) as uow:
        first, _ = await service.create(uow, volunteer, upload_settings.vault, new(case.id, client_id=client_id),
                                        NOW, upload_settings)
    async with UnitOfWork(db) as uow:
        second, replaced = await service.create(uow, volunteer, upload_settings.vault,
                                                new(case.id, client_id=client_id), NOW, upload_settings)
    assert replaced == [first.id] and second.id != first.id
    async with db.read_sessions() as session:
        assert await repository.by_id(session, first.id) is None


async def test_the_name_is_sealed(db: Database, upload_settings: Settings) -> None:
    case, _ = await file_case_directly(db, NOW)
    volunteer = await principal(db, "vol.naimueang")
    vault = upload_settings.vault
    async with UnitOfWork(db) as uow:
        upload, _ = await service.create(uow, volunteer, vault, new(case.id), NOW, upload_settings)
    assert upload.name_sealed is not None and b"Somchai" not in upload.name_sealed
    assert vault.open(upload.name_sealed, upload.key_id, upload.id, service.NAME_FIELD) == "slip of Somchai.jpg"
    with pytest.raises(InvalidTag):  # sealed for this row only
        vault.open(upload.name_sealed, upload.key_id, uuid.uuid4(), service.NAME_FIELD)


async def test_one_patch_at_a_time_and_a_dead_holders_lease_lapses(
        db: Database, upload_settings: Settings) -> None:
    case, _ = await file_case_directly(db, NOW)
    volunteer = await principal(db, "vol.naimueang")
    async with UnitOfWork(db) as uow:
        upload, _ = await service.create(uow, volunteer, upload_settings.vault, new(case.id), NOW, upload_settings)
    async with UnitOfWork(db) as uow:
        first = await service.begin_patch(uow, volunteer, upload.id, 0, NOW, upload_settings)
    with pytest.raises(service.UploadBusy):
        async with UnitOfWork(db) as uow:
            await service.begin_patch(uow, volunteer, upload.id, 0, NOW + timedelta(seconds=5), upload_settings)
    incoming = service.Incoming(upload_settings, first)
    incoming.append(b"a" * 100)
    await incoming.close()
    # The first holder died; once its lease lapsed, another PATCH takes the upload over.
    later = NOW + service.LEASE + timedelta(seconds=1)
    async with UnitOfWork(db) as uow:
        second = await service.begin_patch(uow, volunteer, upload.id, 0, later, upload_settings)
    async with UnitOfWork(db) as uow:  # the dead one's late word changes nothing
        assert await service.record(uow, first, 100, release=True) is False
    incoming = service.Incoming(upload_settings, second)
    incoming.append(b"b" * 300)
    with pytest.raises(service.TooManyBytes):
        incoming.append(b"c" * 701)
    await incoming.close()
    async with UnitOfWork(db) as uow:
        assert await service.record(uow, second, 300, release=True) is True
    assert service.incoming_path(upload_settings, upload.id).read_bytes() == b"b" * 300

    # Bytes lost on disk (a crash before fsync): the offset follows what is there.
    with service.incoming_path(upload_settings, upload.id).open("r+b") as handle:
        handle.truncate(120)
    with pytest.raises(service.OffsetMismatch) as mismatch:
        async with UnitOfWork(db) as uow:
            await service.begin_patch(uow, volunteer, upload.id, 300, later, upload_settings)
    assert mismatch.value.offset == 120
    async with UnitOfWork(db) as uow:
        third = await service.begin_patch(uow, volunteer, upload.id, 120, later, upload_settings)
    assert third.offset == 120


async def test_a_case_the_user_may_not_see_is_not_found(db: Database, upload_settings: Settings) -> None:
    case, _ = await file_case_directly(db, NOW)
    stranger = await principal(db, "vol.michai")
    with pytest.raises(NotFound):
        async with UnitOfWork(db) as uow:
            await service.create(uow, stranger, upload_settings.vault, new(case.id), NOW, upload_settings)
    async with db.read_sessions() as session:
        assert await repository.ids_of_case(session, case.id) == []


async def test_the_uploads_of_a_case_are_removed_with_it(db: Database, upload_settings: Settings) -> None:
    case, _ = await file_case_directly(db, NOW)
    volunteer = await principal(db, "vol.naimueang")
    async with UnitOfWork(db) as uow:
        upload, _ = await service.create(uow, volunteer, upload_settings.vault, new(case.id), NOW, upload_settings)
    async with UnitOfWork(db) as uow:
        lease = await service.begin_patch(uow, volunteer, upload.id, 0, NOW, upload_settings)
    incoming = service.Incoming(upload_settings, lease)
    incoming.append(b"x" * 10)
    await incoming.close()
    async with UnitOfWork(db) as uow:
        removed = await service.remove_of_case(uow, case.id)
    await service.discard_bytes(upload_settings, removed)
    assert removed == [upload.id]
    assert not service.incoming_path(upload_settings, upload.id).exists()
