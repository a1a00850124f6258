"""Where sealed attachment blobs live: a small port and its filesystem adapter.

The embedded default keeps blobs under `<KHORTOR_ATTACHMENTS_DIR>/blobs/`; with
`KHORTOR_S3_BUCKET` set they go to an S3-compatible object store (domain/attachments/s3.py).
A blob is already sealed when it reaches the store: a store never sees a file's bytes."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Protocol

from domain.attachments.s3 import S3Store
from domain.settings import Settings

from domain.attachments.blobs import CHUNK_BYTES, BlobMissing, check_key, each


class BlobStore(Protocol):
    async def put(self, key: str, chunks: AsyncIterator[bytes] | Iterable[bytes]) -> int:
        """Store the chunks under `key` (replacing what was there); the bytes written."""

    def get(self, key: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks; raises BlobMissing on the first step when it is not there."""

    async def delete(self, key: str) -> None:
        """Remove the blob; nothing happens when it is not there."""

    async def exists(self, key: str) -> bool: ...



class FileSystemStore:
    """Blobs as files under one directory (mode 0600), written to a temporary name and
    renamed into place, so a reader never sees half a blob."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, chunks: AsyncIterator[bytes] | Iterable[bytes]) -> int:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        written = 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in each(chunks):
                    out.write(chunk)
                    written += len(chunk)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return written

    async def get(self, key: str) -> AsyncIterator[bytes]:
        try:
            handle = open(self._path(key), "rb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            raise BlobMissing(key) from None
        with handle:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
                yield chunk

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)


def blob_store(settings: Settings) -> BlobStore:
    """The store the settings name: S3 when a bucket is set, else the filesystem."""
    if settings.s3_bucket:
        return S3Store.configured(settings)
    return FileSystemStore(Path(settings.attachments_dir) / "blobs")


def incoming_dir(settings: Settings) -> Path:
    """Where unfinished uploads wait (mode 0700)."""
    return Path(settings.attachments_dir) / "incoming"
