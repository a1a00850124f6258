"""Files sealed in chunks (domain/attachments/sealing.py): what comes out is what went in,
and a blob that was cut, reordered, swapped or moved to another file does not open."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from domain.attachments import sealing
from domain.attachments.blobs import CHUNK_BYTES
from domain.vault import Vault

VAULT = Vault.configured("", "")
CASE, FILE_ID = uuid.uuid4(), uuid.uuid4()
SIZES = [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES, 300_001]


async def _pieces(blob: bytes, step: int) -> AsyncIterator[bytes]:
    for start in range(0, len(blob), step):
        yield blob[start:start + step]


async def opened(key: bytes, blob: bytes, *, step: int = 7_001, file_id: uuid.UUID = FILE_ID,
                 part: bytes = sealing.FILE) -> bytes:
    return b"".join([c async for c in sealing.open_chunks(key, CASE, file_id, part, _pieces(blob, step))])


def sealed(key: bytes, data: bytes, part: bytes = sealing.FILE) -> bytes:
    # fed in uneven pieces, as a file read or a re-encoded image would come
    return b"".join(sealing.seal_chunks(key, CASE, FILE_ID, part, [data[:1000], data[1000:]]))


@pytest.mark.parametrize("size", SIZES)
async def test_what_is_sealed_opens_to_the_same_bytes_whatever_the_pieces(size: int) -> None:
    key = sealing.new_file_key(VAULT, CASE, FILE_ID).key
    data = os.urandom(size)
    blob = sealed(key, data)
    assert data[:64] not in blob or size < 16
    for step in (1_000, CHUNK_BYTES + 16, 1 << 20):
        assert await opened(key, blob, step=step) == data


async def test_a_cut_reordered_or_moved_blob_is_refused() -> None:
    key = sealing.new_file_key(VAULT, CASE, FILE_ID).key
    data = os.urandom(3 * CHUNK_BYTES + 5)
    blob = sealed(key, data)
    head, body = blob[:12], blob[12:]
    chunks = [body[i:i + sealing.SEALED_CHUNK] for i in range(0, len(body), sealing.SEALED_CHUNK)]
    damaged = {
        "last chunk dropped": head + b"".join(chunks[:-1]),
        "cut at a chunk's end": blob[:12 + 2 * sealing.SEALED_CHUNK],
        "one byte short": blob[:-1],
        "two chunks swapped": head + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "a flipped bit": blob[:500] + bytes([blob[500] ^ 1]) + blob[501:],
        "not sealed at all": data,
        "empty": b"",
    }
    for what, blob_ in damaged.items():
        with pytest.raises(sealing.BlobDamaged):
            await opened(key, blob_)
            pytest.fail(what)
    with pytest.raises(sealing.BlobDamaged):  # another attachment's blob, or the thumbnail's
        await opened(key, blob, file_id=uuid.uuid4())
    with pytest.raises(sealing.BlobDamaged):
        await opened(key, blob, part=sealing.THUMBNAIL)


def test_the_file_key_is_wrapped_for_this_attachment_only() -> None:
    wrapped = sealing.new_file_key(VAULT, CASE, FILE_ID)
    assert wrapped.key_id == "dev" and wrapped.key not in wrapped.wrapped
    assert sealing.unwrap(VAULT, wrapped.key_id, wrapped.wrapped, CASE, FILE_ID) == wrapped.key
    with pytest.raises(sealing.BlobDamaged):
        sealing.unwrap(VAULT, wrapped.key_id, wrapped.wrapped, CASE, uuid.uuid4())
