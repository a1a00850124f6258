"""Files at rest: envelope encryption in chunks (issue 14).

Each file gets its own random 256-bit key. The file is sealed with it in chunks of 64 KiB
(AES-256-GCM; the STREAM construction: a random 8-byte prefix and the chunk's index make
each nonce, and the associated data binds the case id, the attachment id, the part (file or
thumbnail), the index and whether the chunk is the last), so a large file never sits whole
in memory, a chunk cannot be moved, dropped or swapped, and a truncated blob is refused.
The file key is wrapped (AES-256-GCM) by the current data key of the vault, with the case
and attachment ids as associated data; the row keeps the data key's id, so rotating the
data keys (`khortor reseal`) re-wraps the file keys without touching the blobs.

Blob layout: b"KHA1" | prefix (8) | chunk₀ | chunk₁ | … where every chunk but the last
is 64 KiB + 16 bytes of tag, and the last (possibly empty) one is shorter or equal.
"""

from __future__ import annotations

import os
import struct
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.attachments.blobs import CHUNK_BYTES
from domain.vault import NONCE_BYTES, Vault, VaultKeyError

MAGIC = b"KHA1"
PREFIX_BYTES = 8
TAG_BYTES = 16
SEALED_CHUNK = CHUNK_BYTES + TAG_BYTES
FILE, THUMBNAIL = b"file", b"thumb"


class BlobDamaged(ValueError):
    """The sealed blob was changed, cut short or belongs to another file."""


@dataclass(frozen=True)
class FileKey:
    key: bytes
    key_id: str      # the data key that wrapped it
    wrapped: bytes   # nonce + wrapped key + tag


def _key_aad(case_id: uuid.UUID, attachment_id: uuid.UUID) -> bytes:
    return b"attachment-key" + case_id.bytes + attachment_id.bytes


def new_file_key(vault: Vault, case_id: uuid.UUID, attachment_id: uuid.UUID) -> FileKey:
    key = AESGCM.generate_key(bit_length=256)
    return wrap(vault, key, case_id, attachment_id)


def wrap(vault: Vault, key: bytes, case_id: uuid.UUID, attachment_id: uuid.UUID) -> FileKey:
    key_id, data_key = vault.keys[0]
    nonce = os.urandom(NONCE_BYTES)
    wrapped = nonce + AESGCM(data_key).encrypt(nonce, key, _key_aad(case_id, attachment_id))
    return FileKey(key=key, key_id=key_id, wrapped=wrapped)


def unwrap(vault: Vault, key_id: str, wrapped: bytes, case_id: uuid.UUID,
           attachment_id: uuid.UUID) -> bytes:
    data_key = dict(vault.keys).get(key_id)
    if data_key is None:
        raise VaultKeyError(f"No data key with id {key_id!r} is configured.")
    try:
        return AESGCM(data_key).decrypt(bytes(wrapped[:NONCE_BYTES]), bytes(wrapped[NONCE_BYTES:]),
                                        _key_aad(case_id, attachment_id))
    except InvalidTag:
        raise BlobDamaged("the file key does not open with its data key") from None


def _chunk_aad(case_id: uuid.UUID, attachment_id: uuid.UUID, part: bytes, index: int,
               last: bool) -> bytes:
    return case_id.bytes + attachment_id.bytes + part + struct.pack(">I?", index, last)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def seal_chunks(key: bytes, case_id: uuid.UUID, attachment_id: uuid.UUID, part: bytes,
                plain: Iterable[bytes]) -> Iterator[bytes]:
    """The sealed blob of the plain chunks (any sizes), in pieces of about 64 KiB."""
    aead, prefix = AESGCM(key), os.urandom(PREFIX_BYTES)
    yield MAGIC + prefix
    buffer, index = bytearray(), 0
    for piece in plain:
        buffer += piece
        start = 0
        while len(buffer) - start > CHUNK_BYTES:  # keep at least one byte back: it may be the last
            chunk = bytes(buffer[start:start + CHUNK_BYTES])
            yield aead.encrypt(_nonce(prefix, index), chunk,
                               _chunk_aad(case_id, attachment_id, part, index, False))
            index, start = index + 1, start + CHUNK_BYTES
        del buffer[:start]
    yield aead.encrypt(_nonce(prefix, index), bytes(buffer),
                       _chunk_aad(case_id, attachment_id, part, index, True))


async def open_chunks(key: bytes, case_id: uuid.UUID, attachment_id: uuid.UUID, part: bytes,
                      sealed: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The plain bytes of a sealed blob, chunk by chunk; BlobDamaged if it was tampered
    with, cut short, or is another file's (checked before the last chunk is given)."""
    aead = AESGCM(key)
    buffer, index, prefix = bytearray(), 0, None
    async for piece in sealed:
        buffer += piece
        if prefix is None:
            if len(buffer) < len(MAGIC) + PREFIX_BYTES:
                continue
            if not buffer.startswith(MAGIC):
                raise BlobDamaged("not a sealed attachment")
            prefix = bytes(buffer[len(MAGIC):len(MAGIC) + PREFIX_BYTES])
            del buffer[:len(MAGIC) + PREFIX_BYTES]
        start = 0
        while len(buffer) - start > SEALED_CHUNK:  # more follows this chunk: it is not the last
            chunk = bytes(buffer[start:start + SEALED_CHUNK])
            yield _open(aead, prefix, index, chunk, case_id, attachment_id, part, last=False)
            index, start = index + 1, start + SEALED_CHUNK
        del buffer[:start]
    if prefix is None:
        raise BlobDamaged("the sealed attachment is cut short")
    yield _open(aead, prefix, index, bytes(buffer), case_id, attachment_id, part, last=True)


def _open(aead: AESGCM, prefix: bytes, index: int, chunk: bytes, case_id: uuid.UUID,
          attachment_id: uuid.UUID, part: bytes, *, last: bool) -> bytes:
    try:
        return aead.decrypt(_nonce(prefix, index), chunk,
                            _chunk_aad(case_id, attachment_id, part, index, last))
    except InvalidTag:
        raise BlobDamaged("the sealed attachment was changed or cut short") from None
